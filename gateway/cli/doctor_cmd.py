"""``acorn doctor``: one verdict per check (ok / warn / fail / skip), exit code 1 when any check fails."""

from __future__ import annotations

import json

import typer

_MARK = {"ok": "ok  ", "warn": "WARN", "fail": "FAIL", "skip": "skip"}


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""

    @app.command()
    def doctor(
        offline: bool = typer.Option(False, "--offline", help="Skip the partner endpoint reachability checks."),
        as_json: bool = typer.Option(False, "--json", help="One JSON document with every check and its facts."),
        timeout: float = typer.Option(5.0, help="Seconds to wait for each partner endpoint."),
    ) -> None:
        """Check settings, database and schema, partner profiles and maps, keys and certificates, endpoints."""
        from gateway.pipeline import doctor as service
        from gateway.settings import Settings

        checks = service.run(Settings(), offline=offline, timeout=timeout)
        bad = service.failed(checks)
        if as_json:
            report = {
                "verdict": "fail" if bad else "ok",
                "checks": [
                    {"name": c.name, "verdict": str(c.verdict), "detail": c.detail, "facts": c.facts} for c in checks
                ],
            }
            typer.echo(json.dumps(report, indent=2, default=str))
        else:
            width = max(len(c.name) for c in checks)
            for c in checks:
                typer.echo(f"{_MARK[c.verdict]}  {c.name:<{width}}  {c.detail}")
            counts = {v: sum(1 for c in checks if c.verdict == v) for v in _MARK}
            summary = ", ".join(f"{n} {v}" for v, n in counts.items() if n)
            typer.echo(f"\n{'FAIL' if bad else 'ok'}: {summary}")
        if bad:
            raise typer.Exit(1)
