"""Outbound submission, document lookup and search under /api/v1/documents."""

from __future__ import annotations

import importlib
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field, create_model

from gateway.api.auth import Reader, Submitter, require_scope
from gateway.api.backend import DocumentQuery, Submission
from gateway.api.deps import BackendDep
from gateway.api.examples import SUBMIT_EXAMPLES
from gateway.api.problems import ProblemError, ProblemType, problem_responses
from gateway.api.schemas import ApiModel, DocumentDetail, DocumentSummary, Page
from gateway.pipeline.statuses import Direction, DocumentStatus

OUTBOUND_TYPES = ("850", "855", "856", "810", "180")
_TYPE_NAMES = {
    "850": "purchase order",
    "855": "purchase order acknowledgement",
    "856": "advance ship notice",
    "810": "invoice",
    "180": "return merchandise authorization",
}

router = APIRouter(prefix="/api/v1/documents", tags=["documents"])

IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Unique per logical submission; a retry with the same key and body returns the original.",
        examples=["erp-855-4500012345-1"],
    ),
]
Limit = Annotated[int, Query(ge=1, le=500, description="Page size.")]
Cursor = Annotated[str | None, Query(max_length=500, description="`next_cursor` of the previous page.")]


class SubmitRequest(ApiModel):
    """An outbound canonical document for one partner (a transaction set without a canonical model)."""

    model_config = ConfigDict(extra="forbid")

    partner: str = Field(min_length=1, max_length=100, description="Partner profile id, e.g. `amazon`.")
    document: dict[str, Any] = Field(description="The canonical JSON; see GET /api/v1/schemas/{type}.")


def _body_model(document_type: str) -> type[ApiModel]:
    """The request body of one transaction set: the partner plus its canonical model, so the OpenAPI shows it
    and a body that does not fit answers 422 naming each field (``/document/items/0/...``)."""
    canonical = getattr(importlib.import_module("gateway.canonical"), "MODELS", {}).get(document_type)
    if canonical is None:
        return SubmitRequest
    model: type[ApiModel] = create_model(
        f"Submit{document_type}",
        __base__=ApiModel,
        __doc__=f"An outbound {document_type} ({_TYPE_NAMES[document_type]}) for one partner.",
        partner=(str, Field(min_length=1, max_length=100, description="Partner profile id, e.g. `amazon`.")),
        document=(canonical, Field(description=f"The canonical {document_type}; GET /api/v1/schemas/{document_type}.")),
    )
    return model


def _document_json(document: Any) -> dict[str, Any]:
    """The canonical JSON as the caller sent it (camelCase, only the fields given) for storage and idempotency."""
    if isinstance(document, BaseModel):
        dumped: dict[str, Any] = document.model_dump(mode="json", by_alias=True, exclude_unset=True)
        return dumped
    return dict(document)


def _submit_route(document_type: str) -> None:
    body_model = _body_model(document_type)
    examples = {document_type: {"summary": _TYPE_NAMES[document_type], "value": SUBMIT_EXAMPLES[document_type]}}

    def submit(
        body: Any,
        principal: Submitter,
        backend: BackendDep,
        idempotency_key: IdempotencyKey,
        response: Response,
    ) -> DocumentSummary:
        if not principal.may_see(body.partner):
            raise ProblemError(
                403,
                ProblemType.FORBIDDEN,
                "Forbidden",
                f"this token may submit only for partner {principal.partner_scope}",
            )
        document = _document_json(body.document)
        result = backend.submit(Submission(body.partner, document_type, document, idempotency_key))
        response.headers["Location"] = f"/api/v1/documents/{result.document.id}"
        if result.replayed:
            response.headers["Idempotent-Replayed"] = "true"
        return result.document

    submit.__name__ = f"submit_{document_type}"
    # The body type is only known here; set it on the function before FastAPI reads the signature.
    submit.__annotations__["body"] = body_model
    router.post(
        f"/{document_type}",
        status_code=status.HTTP_201_CREATED,
        response_model=DocumentSummary,
        summary=f"Submit an outbound {document_type} ({_TYPE_NAMES[document_type]})",
        responses=problem_responses(401, 403, 404, 409, 422),
        openapi_extra={"requestBody": {"content": {"application/json": {"examples": examples}}}},
        operation_id=f"submit_{document_type}",
    )(submit)


for _type in OUTBOUND_TYPES:
    _submit_route(_type)


@router.get("", response_model=Page[DocumentSummary], responses=problem_responses(401, 403, 422))
def search_documents(
    principal: Reader,
    backend: BackendDep,
    partner: Annotated[str | None, Query(max_length=100)] = None,
    document_type: Annotated[str | None, Query(max_length=10, examples=["850"])] = None,
    direction: Annotated[Direction | None, Query()] = None,
    status_: Annotated[DocumentStatus | None, Query(alias="status")] = None,
    po_number: Annotated[str | None, Query(max_length=60)] = None,
    shipment_id: Annotated[str | None, Query(max_length=64, description="856 BSN02.")] = None,
    invoice_number: Annotated[str | None, Query(max_length=64, description="810 BIG02.")] = None,
    isa13: Annotated[str | None, Query(max_length=9)] = None,
    gs06: Annotated[str | None, Query(max_length=9)] = None,
    st02: Annotated[str | None, Query(max_length=9)] = None,
    created_from: Annotated[datetime | None, Query(description="Inclusive lower bound.")] = None,
    created_to: Annotated[datetime | None, Query(description="Exclusive upper bound.")] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[DocumentSummary]:
    """Search documents, newest first (ties broken by id); pages follow ``next_cursor``."""
    scope = principal.partner_scope
    if scope is not None and partner not in (None, scope):
        return Page[DocumentSummary](items=[], next_cursor=None)
    query = DocumentQuery(
        partner=scope or partner,
        document_type=document_type,
        direction=direction,
        status=status_,
        po_number=po_number,
        shipment_id=shipment_id,
        invoice_number=invoice_number,
        isa13=isa13,
        gs06=gs06,
        st02=st02,
        created_from=created_from,
        created_to=created_to,
        cursor=cursor,
        limit=limit,
    )
    return backend.search_documents(query)


@router.get("/{document_id}", response_model=DocumentDetail, responses=problem_responses(401, 403, 404))
def get_document(
    document_id: Annotated[str, Path(max_length=100)], principal: Reader, backend: BackendDep
) -> DocumentDetail:
    """A document: canonical JSON, X12, status, lineage (AS2 message, MDN, acks, deliveries), events."""
    detail = backend.get_document(document_id)
    require_scope(principal, detail.partner)
    return detail
