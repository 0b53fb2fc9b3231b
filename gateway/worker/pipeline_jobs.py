"""Handlers for the pipeline's job kinds (inbound processing, delivery push, outbound preparation, deadlines)."""

from __future__ import annotations

from gateway.pipeline import acks, deliveries, inbound, outbound
from gateway.pipeline.runtime import Runtime
from gateway.pipeline.statuses import PipelineJob
from gateway.worker.registry import Job, JobContext, PermanentJobError, Registry


def _runtime(ctx: JobContext) -> Runtime:
    runtime = ctx.runtime
    if not isinstance(runtime, Runtime):
        raise PermanentJobError("worker started without a Runtime")
    return runtime


def _arg(job: Job, name: str) -> str:
    value = job.payload.get(name)
    if not isinstance(value, str) or not value:
        raise PermanentJobError(f"job {job.id} ({job.kind}): payload has no {name!r}")
    return value


def process_inbound(ctx: JobContext, job: Job) -> None:
    inbound.process(_runtime(ctx), _arg(job, "message"), retry_failed=bool(job.payload.get("retry_failed")))


def deliver(ctx: JobContext, job: Job) -> None:
    deliveries.deliver(_runtime(ctx), _arg(job, "delivery"))


def delivery_dead(ctx: JobContext, job: Job, error: str) -> None:
    deliveries.dead(_runtime(ctx), _arg(job, "delivery"), error)


def prepare_outbound(ctx: JobContext, job: Job) -> None:
    outbound.prepare(_runtime(ctx), _arg(job, "document"))


def check_deadlines(ctx: JobContext, job: Job) -> None:
    acks.mark_overdue(_runtime(ctx))


def register(registry: Registry) -> None:
    """Add the pipeline's handlers; other handler modules expose the same ``register(registry)``."""
    registry.add(PipelineJob.PROCESS_INBOUND, process_inbound)
    registry.add(PipelineJob.DELIVER, deliver, on_dead=delivery_dead)
    registry.add(PipelineJob.PREPARE_OUTBOUND, prepare_outbound)
    registry.add(PipelineJob.CHECK_DEADLINES, check_deadlines)
