"""Worker handlers for the AS2 job kinds: outbound send, async MDN delivery and the async MDN deadline."""

from __future__ import annotations

from typing import Any

from gateway.pipeline.as2_context import As2Service, service_for
from gateway.pipeline.as2_inbound import MDN_DELIVERY_ATTEMPTS, MdnDeliveryError, deliver_mdn, mdn_undeliverable
from gateway.pipeline.as2_outbound import MDN_DEADLINE_JOB, SendOutcome, SendReport, message_for_document, send_attempt
from gateway.pipeline.as2_receipts import expire_mdn_wait, report_to_pipeline
from gateway.store.enums import JobKind
from gateway.worker.registry import Job, JobContext, PermanentJobError, Registry, RetryLater


def _service(ctx: JobContext) -> As2Service:
    if ctx.runtime is None:
        raise PermanentJobError("worker started without a Runtime")
    return service_for(ctx.runtime)


def _text(payload: dict[str, Any], name: str) -> str | None:
    value = payload.get(name)
    return value if isinstance(value, str) and value else None


def run_send_job(service: As2Service, payload: dict[str, Any]) -> SendReport:
    """One send attempt for an ``as2.send`` job: ``{"message": ref}`` (ours) or ``{"document": id}`` (pipeline)."""
    ref, filename = _text(payload, "message"), _text(payload, "filename")
    if ref is None:
        document_id = _text(payload, "document")
        if document_id is None:
            raise PermanentJobError(f"as2.send job payload names neither a message nor a document: {sorted(payload)}")
        ref, filename = message_for_document(service, document_id)
    report = send_attempt(service, ref, filename=filename, content_type=_text(payload, "content_type"))
    if report.outcome is not SendOutcome.RETRY:
        report_to_pipeline(service, ref)
    return report


def send(ctx: JobContext, job: Job) -> None:
    report = run_send_job(_service(ctx), job.payload)
    if report.outcome is SendOutcome.RETRY:
        assert report.delay is not None
        raise RetryLater(f"Message-ID {report.message_id}: {report.error}", report.delay, counts_as_failure=True)
    if report.outcome is SendOutcome.DEAD:
        raise PermanentJobError(f"Message-ID {report.message_id}: {report.error}")


def send_mdn(ctx: JobContext, job: Job) -> None:
    service = _service(ctx)
    mdn_id = _text(job.payload, "mdn")
    if mdn_id is None:
        raise PermanentJobError(f"as2.send_mdn job {job.id} has no 'mdn' in its payload")
    attempt = job.attempts + 1
    try:
        deliver_mdn(service, mdn_id, _text(job.payload, "url"), attempt)
    except MdnDeliveryError as exc:
        if attempt >= MDN_DELIVERY_ATTEMPTS:
            mdn_undeliverable(service, mdn_id, f"{exc} (after {attempt} attempts)")
            raise PermanentJobError(str(exc)) from exc
        raise RetryLater(str(exc), exc.delay, counts_as_failure=True) from exc


def send_mdn_dead(ctx: JobContext, job: Job, error: str) -> None:
    mdn_id = _text(job.payload, "mdn")
    if mdn_id is not None:
        mdn_undeliverable(_service(ctx), mdn_id, error)


def mdn_deadline(ctx: JobContext, job: Job) -> None:
    ref, message_id = _text(job.payload, "message"), _text(job.payload, "message_id")
    if ref is None or message_id is None:
        raise PermanentJobError(f"{MDN_DEADLINE_JOB} job {job.id} lacks message/message_id")
    expire_mdn_wait(_service(ctx), ref, message_id)


def register(registry: Registry) -> None:
    """Add the AS2 handlers to the worker registry (listed in gateway.worker.jobs.HANDLER_MODULES)."""
    registry.add(JobKind.AS2_SEND, send)
    registry.add(JobKind.AS2_SEND_MDN, send_mdn, on_dead=send_mdn_dead)
    registry.add(MDN_DEADLINE_JOB, mdn_deadline)
