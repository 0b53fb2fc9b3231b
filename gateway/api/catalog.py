"""Read-only catalogue: AS2 messages, partner profiles, canonical JSON Schemas, translation."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from gateway.api.auth import Reader, Translator, require_scope
from gateway.api.backend import MessageQuery
from gateway.api.deps import BackendDep
from gateway.api.problems import ProblemError, ProblemType, problem_responses
from gateway.api.schemas import MessageOut, Page, PartnerSummary, TranslateRequest, TranslateResponse
from gateway.pipeline.statuses import Direction

router = APIRouter(prefix="/api/v1")


@router.get(
    "/messages",
    tags=["messages"],
    response_model=Page[MessageOut],
    responses=problem_responses(401, 403, 422),
)
def search_messages(
    principal: Reader,
    backend: BackendDep,
    partner: Annotated[str | None, Query(max_length=100)] = None,
    direction: Annotated[Direction | None, Query()] = None,
    status: Annotated[str | None, Query(max_length=40)] = None,
    message_id: Annotated[str | None, Query(max_length=300, description="AS2 Message-ID.")] = None,
    created_from: Annotated[datetime | None, Query()] = None,
    created_to: Annotated[datetime | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Page[MessageOut]:
    """Search AS2 messages, newest first (ties broken by id)."""
    scope = principal.partner_scope
    if scope is not None and partner not in (None, scope):
        return Page[MessageOut](items=[], next_cursor=None)
    query = MessageQuery(
        partner=scope or partner,
        direction=direction,
        status=status,
        message_id=message_id,
        created_from=created_from,
        created_to=created_to,
        cursor=cursor,
        limit=limit,
    )
    return backend.search_messages(query)


@router.get(
    "/messages/{message_id}",
    tags=["messages"],
    response_model=MessageOut,
    responses=problem_responses(401, 403, 404),
)
def get_message(message_id: Annotated[str, Path(max_length=100)], principal: Reader, backend: BackendDep) -> MessageOut:
    """One AS2 message and its MDN state."""
    message = backend.get_message(message_id)
    require_scope(principal, message.partner)
    return message


@router.get("/partners", tags=["partners"], response_model=list[PartnerSummary], responses=problem_responses(401, 403))
def list_partners(principal: Reader, backend: BackendDep) -> list[PartnerSummary]:
    """Partner profiles (read-only) with certificate fingerprints and expiry."""
    return [p for p in backend.partners() if principal.may_see(p.id)]


@router.get(
    "/partners/{partner_id}",
    tags=["partners"],
    response_model=PartnerSummary,
    responses=problem_responses(401, 403, 404),
)
def get_partner(
    partner_id: Annotated[str, Path(max_length=100)], principal: Reader, backend: BackendDep
) -> PartnerSummary:
    """One partner profile summary."""
    require_scope(principal, partner_id)
    for partner in backend.partners():
        if partner.id == partner_id:
            return partner
    raise ProblemError(404, ProblemType.NOT_FOUND, "Not found", f"no partner profile {partner_id!r}")


@router.get("/schemas", tags=["schemas"], response_model=list[str], responses=problem_responses(401, 403))
def list_schemas(principal: Reader, backend: BackendDep) -> list[str]:
    """Transaction sets that have a canonical JSON Schema."""
    return backend.document_types()


@router.get(
    "/schemas/{document_type}",
    tags=["schemas"],
    response_model=dict[str, Any],
    responses=problem_responses(401, 403, 404),
)
def get_schema(
    document_type: Annotated[str, Path(max_length=10, examples=["855"])],
    principal: Reader,
    backend: BackendDep,
) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one canonical document type."""
    if document_type not in backend.document_types():
        raise ProblemError(404, ProblemType.NOT_FOUND, "Not found", f"no canonical schema for {document_type!r}")
    return backend.canonical_schema(document_type)


@router.post(
    "/translate",
    tags=["translate"],
    response_model=TranslateResponse,
    responses=problem_responses(401, 403, 404, 422),
)
def translate(body: TranslateRequest, principal: Translator, backend: BackendDep) -> TranslateResponse:
    """Translate X12 to canonical JSON or back for one partner; stores nothing, assigns no control numbers."""
    require_scope(principal, body.partner)
    if body.direction == "x12-to-json" and not body.x12:
        raise ProblemError(422, ProblemType.VALIDATION, "Request is invalid", "x12 is required for x12-to-json")
    if body.direction == "json-to-x12" and (body.document is None or not body.document_type):
        raise ProblemError(
            422,
            ProblemType.VALIDATION,
            "Request is invalid",
            "document_type and document are required for json-to-x12",
        )
    return backend.translate(body)
