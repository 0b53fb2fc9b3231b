"""``acorn worker`` (the job runner) and ``acorn send`` (submit one canonical JSON document outbound)."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path

import typer

from gateway.errors import AcornError


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""

    @app.command()
    def worker(
        batch: int = typer.Option(10, help="Jobs claimed per pass."),
        poll: float = typer.Option(1.0, help="Seconds to wait when the queue is empty."),
        once: bool = typer.Option(False, "--once", help="Run until the queue is empty, then exit."),
        lease: float = typer.Option(300.0, help="Seconds a claimed job stays ours; a dead worker's jobs return after."),
        retry_base: float = typer.Option(10.0, help="Seconds before the first retry of a failed job (then doubling)."),
    ) -> None:
        """Run jobs (AS2 sends, inbound processing, deliveries, deadlines) until SIGTERM/SIGINT."""
        from gateway.pipeline.runtime import build_runtime, utc_now
        from gateway.settings import Settings
        from gateway.worker import jsonlog
        from gateway.worker.backoff import Backoff
        from gateway.worker.jobs import build_registry, periodic_tasks
        from gateway.worker.registry import JobContext
        from gateway.worker.runner import Runner, RunnerConfig, default_worker_id

        settings = Settings()
        jsonlog.configure(settings.log_level)
        try:
            runtime = build_runtime(settings)
        except AcornError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from exc
        context = JobContext(runtime=runtime, worker_id=default_worker_id(), now=utc_now)
        config = RunnerConfig(batch=batch, poll_seconds=poll, lease=timedelta(seconds=lease),
                              recover_every_seconds=min(30.0, max(lease / 2, 0.5)),
                              backoff=Backoff(base_seconds=retry_base, cap_seconds=max(retry_base, 3600.0)))
        runner = Runner(runtime.queue, build_registry(), context, config, periodic=periodic_tasks())
        runner.install_signal_handlers()
        try:
            runner.run_forever(idle_exit=once)
        finally:
            runtime.close()

    @app.command()
    def send(
        file: Path = typer.Argument(..., exists=True, dir_okay=False, help="Canonical JSON document."),
        partner: str = typer.Option(..., "--partner", help="Partner id (a directory under partners/)."),
        document_type: str = typer.Option(..., "--type", help="Document type, e.g. 810."),
        key: str = typer.Option("", help="Idempotency key; default: SHA-256 of the file."),
    ) -> None:
        """Commit FILE for PARTNER and queue it; a worker maps, envelopes and sends it."""
        from gateway.pipeline import outbound
        from gateway.pipeline.runtime import build_runtime
        from gateway.settings import Settings

        raw = file.read_bytes()
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise typer.BadParameter(f"{file}: line {exc.lineno}: {exc.msg}") from exc
        if not isinstance(data, dict):
            raise typer.BadParameter(f"{file}: expected a JSON object, found {type(data).__name__}")
        try:
            runtime = build_runtime(Settings())
            try:
                document, created = outbound.submit(
                    runtime, partner, document_type, data, key or hashlib.sha256(raw).hexdigest()
                )
            finally:
                runtime.close()
        except AcornError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from exc
        typer.echo(json.dumps({"id": document.id, "status": str(document.status), "replayed": not created}))
