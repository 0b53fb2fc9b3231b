"""Builds the registry every worker runs: each handler module listed here contributes ``register(registry)``."""

from __future__ import annotations

from datetime import timedelta

from gateway.pipeline import acks
from gateway.pipeline.runtime import Runtime
from gateway.worker import as2_jobs, pipeline_jobs
from gateway.worker.registry import JobContext, Registry
from gateway.worker.runner import Periodic

# Add a module here (one line) to register its handlers; see docs/pipeline.md "Adding a job kind".
HANDLER_MODULES = (pipeline_jobs, as2_jobs)


def build_registry() -> Registry:
    registry = Registry()
    for module in HANDLER_MODULES:
        module.register(registry)
    return registry


def periodic_tasks(deadline_check: timedelta = timedelta(minutes=1)) -> list[Periodic]:
    """Tasks every worker runs on a timer; each is idempotent, so several workers may run them."""

    def overdue(ctx: JobContext) -> object:
        runtime = ctx.runtime
        return acks.mark_overdue(runtime) if isinstance(runtime, Runtime) else None

    return [Periodic("acknowledgement deadlines", deadline_check, overdue)]
