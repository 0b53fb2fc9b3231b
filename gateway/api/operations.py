"""Inbound pull queue, retry/reprocess actions, AS2 message actions and webhook deliveries."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from gateway.api.auth import Puller, Reader, Reprocessor, Retrier, require_scope
from gateway.api.deps import BackendDep
from gateway.api.problems import problem_responses
from gateway.api.schemas import ActionResult, DeliveryOut, DocumentDetail, Page
from gateway.pipeline.statuses import DeliveryStatus

router = APIRouter(prefix="/api/v1")

DocumentId = Annotated[str, Path(max_length=100, description="Document id.")]


@router.get("/queue", tags=["queue"], response_model=list[DocumentDetail], responses=problem_responses(401, 403, 422))
def pull_queue(
    principal: Puller,
    backend: BackendDep,
    limit: Annotated[int, Query(ge=1, le=100, description="How many documents at most.")] = 10,
) -> list[DocumentDetail]:
    """Inbound documents not yet acknowledged, oldest first; they stay until acknowledged by id."""
    return backend.pull(principal.partner_scope, limit)


@router.post(
    "/queue/{document_id}/ack",
    tags=["queue"],
    response_model=ActionResult,
    responses=problem_responses(401, 403, 404),
)
def acknowledge(document_id: DocumentId, principal: Puller, backend: BackendDep) -> ActionResult:
    """Mark a pulled inbound document as taken; acknowledging twice is harmless."""
    return backend.acknowledge(document_id, principal.partner_scope)


@router.post(
    "/documents/{document_id}/retry",
    tags=["actions"],
    response_model=ActionResult,
    responses=problem_responses(401, 403, 404, 409),
)
def retry(document_id: DocumentId, principal: Retrier, backend: BackendDep) -> ActionResult:
    """Retry the failed stage of a document (send, MDN wait, delivery) from where it stopped."""
    return backend.retry(document_id)


@router.post(
    "/documents/{document_id}/reprocess",
    tags=["actions"],
    response_model=ActionResult,
    responses=problem_responses(401, 403, 404, 409, 422),
)
def reprocess(document_id: DocumentId, principal: Reprocessor, backend: BackendDep) -> ActionResult:
    """Run a document through mapping and validation again from its stored input."""
    return backend.reprocess(document_id)


@router.get(
    "/deliveries",
    tags=["webhooks"],
    response_model=Page[DeliveryOut],
    responses=problem_responses(401, 403, 422),
)
def list_deliveries(
    principal: Reader,
    backend: BackendDep,
    document_id: Annotated[str | None, Query(max_length=100)] = None,
    status: Annotated[DeliveryStatus | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Page[DeliveryOut]:
    """Webhook deliveries, newest first."""
    if document_id is not None and principal.partner_scope is not None:
        require_scope(principal, backend.get_document(document_id).partner)
    page = backend.list_deliveries(document_id, status, cursor, limit)
    if principal.partner_scope is None:
        return page
    # A partner-scoped token sees deliveries of its partner's documents only (the page may come back shorter).
    partners = {d.document_id: backend.get_document(d.document_id).partner for d in page.items if d.document_id}
    visible = [d for d in page.items if d.document_id and principal.may_see(partners[d.document_id])]
    return Page[DeliveryOut](items=visible, next_cursor=page.next_cursor)


@router.post(
    "/deliveries/{delivery_id}/replay",
    tags=["webhooks"],
    response_model=ActionResult,
    responses=problem_responses(401, 403, 404, 409),
)
def replay_delivery(
    delivery_id: Annotated[str, Path(max_length=100)], principal: Retrier, backend: BackendDep
) -> ActionResult:
    """Send a webhook delivery again with a fresh timestamp and signature (same webhook-id)."""
    return backend.replay_delivery(delivery_id)


MessageId = Annotated[str, Path(max_length=100, description="AS2 message id (as in GET /messages).")]


@router.post(
    "/messages/{message_id}/resend",
    tags=["messages"],
    response_model=ActionResult,
    responses=problem_responses(401, 403, 404, 409),
)
def resend_message(message_id: MessageId, principal: Retrier, backend: BackendDep) -> ActionResult:
    """Send an outbound AS2 message that failed (mdn_failed or dead) again, with a fresh attempt budget."""
    require_scope(principal, backend.get_message(message_id).partner)
    return backend.resend_message(message_id)


@router.post(
    "/messages/{message_id}/resend-mdn",
    tags=["messages"],
    response_model=ActionResult,
    responses=problem_responses(401, 403, 404, 409),
)
def resend_mdn(message_id: MessageId, principal: Retrier, backend: BackendDep) -> ActionResult:
    """Queue our stored asynchronous MDN for an inbound message to its Receipt-Delivery-Option URL again."""
    require_scope(principal, backend.get_message(message_id).partner)
    return backend.resend_mdn(message_id)
