"""``acorn demo``: the gateway with a simulated retailer and a simulated internal system (docs/demo.md)."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""

    @app.command()
    def demo(
        data_dir: Path | None = typer.Option(None, "--data-dir", help="Default: ACORN_DATA_DIR (./acorn-data)."),
        port: int = typer.Option(8080, help="Gateway port (monitor, API, /as2)."),
        retailer_port: int = typer.Option(8091, help="The simulated retailer's AS2 port."),
        internal_port: int = typer.Option(8099, help="The simulated internal system's webhook port."),
        orders: int | None = typer.Option(None, help="Send this many 850s, then stop once every cycle is done."),
        interval: float = typer.Option(20.0, help="Seconds between two 850s."),
        duration: float | None = typer.Option(None, help="Stop after this many seconds (headless runs)."),
    ) -> None:
        """Run the gateway, a worker, a simulated retailer (AS2) and a simulated ERP (webhooks + JSON bridge)."""
        from gateway.demo.runner import DemoOptions, run_demo
        from gateway.demo.setup import Ports
        from gateway.settings import Settings

        options = DemoOptions(
            data_dir=data_dir or Settings().data_dir,
            ports=Ports(gateway=port, retailer=retailer_port, internal=internal_port),
            orders=orders,
            interval=interval,
            duration=duration,
        )
        code = run_demo(options, lambda line: typer.echo(line))
        if code:
            raise typer.Exit(code)
