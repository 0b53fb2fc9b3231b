"""The ``acorn`` command line; each command group lives in its own module and registers itself here."""

from __future__ import annotations

import typer

from gateway.cli import (
    as2_cmd,
    as2_service_cmd,
    auth_cmd,
    db_cmd,
    demo_cmd,
    doctor_cmd,
    mapping_cmd,
    run_cmd,
    worker_cmd,
    x12_cmd,
)

app = typer.Typer(name="acorn", help="Acorn EDI X12 / AS2 gateway.", no_args_is_help=True, add_completion=False)



@app.callback()
def _root() -> None:
    """Acorn EDI X12 / AS2 gateway."""


for _module in (run_cmd, x12_cmd, mapping_cmd, as2_cmd, as2_service_cmd, db_cmd, auth_cmd, worker_cmd, doctor_cmd,
                demo_cmd):
    _module.register(app)


def main() -> None:
    """Console-script entry point."""
    app()
