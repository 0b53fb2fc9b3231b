"""``acorn serve``: run the gateway process (logs as JSON lines on stderr)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""

    @app.command()
    def serve(
        host: str = typer.Option("127.0.0.1", help="Interface to bind."),
        port: int = typer.Option(8080, help="TCP port."),
        workers: int = typer.Option(1, help="Server worker processes."),
    ) -> None:
        """Start the gateway (AS2 endpoint, JSON bridge, monitor) on HOST:PORT."""
        import uvicorn

        from gateway.settings import Settings
        from gateway.worker import jsonlog

        level = Settings().log_level
        uvicorn.run(
            "gateway.api.app:create_app", factory=True, host=host, port=port, workers=workers,
            log_level=level.lower(), log_config=jsonlog.logging_config(level), proxy_headers=True,
        )
