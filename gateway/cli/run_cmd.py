"""``acorn serve``: run the gateway process."""

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

        uvicorn.run(
            "gateway.api.app:create_app", factory=True, host=host, port=port, workers=workers,
            log_level="info", proxy_headers=True,
        )
