"""The bridge's reads over gateway.store repository functions (no SQL here: the store owns every query)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from gateway.api.backend import DocumentQuery, MessageQuery
from gateway.api.metrics import MetricsSnapshot, store_snapshot
from gateway.api.policy import Principal, Role
from gateway.api.problems import ProblemError, ProblemIssue, ProblemType
from gateway.api.schemas import (
    AcknowledgementOut,
    DeliveryOut,
    DocumentDetail,
    DocumentSummary,
    EventOut,
    HealthOut,
    Lineage,
    MessageOut,
    Page,
    TokenIssued,
    TokenOut,
)
from gateway.errors import AcornError, ConfigError, StoreError
from gateway.pipeline.runtime import Runtime
from gateway.pipeline.statuses import DeliveryStatus, Direction
from gateway.pipeline.statuses import DocumentStatus as PipelineDocumentStatus
from gateway.store import as2, auth, blobs, deliveries, documents, lineage, pagination, schema
from gateway.store.columns import utc_now
from gateway.store.engine import Store
from gateway.store.enums import AS2Status, DocType, DocumentStatus
from gateway.store.enums import DeliveryStatus as StoreDeliveryStatus
from gateway.store.enums import Direction as StoreDirection
from gateway.store.models import AS2Message, Delivery, Document

T = TypeVar("T")
PULL_COUNT_CAP = 10_000  # the pull-queue depth gauge saturates here (the store has no count function for it)


def build(runtime: Runtime) -> StoreQueries:
    """The queries over the runtime's database handle (``Runtime.database``, a gateway.store Store)."""
    if not isinstance(runtime.database, Store):
        raise ConfigError("the runtime has no gateway.store database handle (Runtime.database)")
    return StoreQueries(runtime.database)


def summary(document: Document) -> DocumentSummary:
    """API view of a document row."""
    return DocumentSummary(
        id=document.id,
        partner=document.partner_id,
        document_type=str(document.doc_type),
        direction=Direction(str(document.direction)),
        status=PipelineDocumentStatus(str(document.status)),
        stage=document.stage,
        error=document.error,
        po_number=document.po_number,
        isa13=document.isa13,
        gs06=document.gs06,
        st02=document.st02,
        created_at=document.created_at,
        updated_at=document.updated_at,
    )


def delivery(row: Delivery) -> DeliveryOut:
    """API view of a delivery row."""
    return DeliveryOut(
        id=row.id,
        document_id=row.document_id,
        channel=str(row.target_kind),
        target=row.target,
        status=DeliveryStatus(str(row.status)),
        attempts=row.attempts,
        last_error=row.last_error,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def message(row: AS2Message, disposition: str | None = None) -> MessageOut:
    """API view of an AS2 message row."""
    return MessageOut(
        id=row.id,
        partner=row.partner_id,
        direction=Direction(str(row.direction)),
        status=str(row.status),
        message_id=row.message_id,
        mic=row.mic,
        mdn_disposition=disposition or row.disposition,
        created_at=row.created_at,
    )


class StoreQueries:
    """Implements gateway.api.queries.BridgeQueries with one short transaction per call."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @contextmanager
    def _session(self) -> Iterator[Any]:
        with self.store.transaction() as session:
            yield session

    def _read(self, fn: Callable[[Any], T]) -> T:
        with self._session() as session:
            return fn(session)

    # --- documents -------------------------------------------------------------------------------------

    def document_detail(self, document_id: str) -> DocumentDetail:
        with self._session() as session:
            found = lineage.lineage(session, document_id)
            doc = found.document
            x12 = None
            if doc.x12_blob_id is not None:
                x12 = blobs.blob_content(session, doc.x12_blob_id).decode("utf-8", errors="replace")
        latest_mdn = found.mdns[-1] if found.mdns else None
        view = Lineage(
            message=message(found.as2_message, latest_mdn.disposition if latest_mdn else None)
            if found.as2_message is not None
            else None,
            mdn=_mdn(latest_mdn) if latest_mdn is not None else None,
            acknowledgements=[
                AcknowledgementOut(
                    id=a.id,
                    kind=str(a.kind),
                    status=str(a.status),
                    control_number=a.for_st02 or a.for_gs06 or a.for_isa13,
                    created_at=a.created_at,
                )
                for a in found.acknowledgements
            ],
            deliveries=[delivery(d) for d in found.deliveries],
        )
        timeline = [
            EventOut(at=e.occurred_at, stage=e.stage, status=str(e.outcome), detail=e.message) for e in found.events
        ]
        return DocumentDetail(
            **summary(doc).model_dump(), canonical=doc.canonical, x12=x12, lineage=view, events=timeline
        )

    def search_documents(self, query: DocumentQuery) -> Page[DocumentSummary]:
        where = documents.DocumentFilter(
            partner_id=query.partner,
            doc_type=_doc_type(query.document_type),
            direction=_enum(StoreDirection, query.direction),
            status=_enum(DocumentStatus, query.status),
            po_number=query.po_number,
            shipment_id=query.shipment_id,
            invoice_number=query.invoice_number,
            isa13=query.isa13,
            gs06=query.gs06,
            st02=query.st02,
            since=query.created_from,
            until=query.created_to,
        )
        _check_cursor(query.cursor)
        if query.document_type is not None and where.doc_type is None:
            return Page[DocumentSummary](items=[])  # no such transaction set: nothing can match
        page = self._read(lambda s: documents.search_documents(s, where, cursor=query.cursor, limit=query.limit))
        return Page[DocumentSummary](items=[summary(d) for d in page.items], next_cursor=page.next_cursor)

    def search_messages(self, query: MessageQuery) -> Page[MessageOut]:
        _check_cursor(query.cursor)
        status = _enum(AS2Status, query.status)
        if query.status is not None and status is None:
            return Page[MessageOut](items=[])

        def run(session: Any) -> Any:
            return as2.search_as2_messages(
                session,
                partner_id=query.partner,
                direction=_enum(StoreDirection, query.direction),
                status=status,
                message_id=query.message_id,
                since=query.created_from,
                until=query.created_to,
                cursor=query.cursor,
                limit=query.limit,
            )

        page = self._read(run)
        return Page[MessageOut](items=[message(m) for m in page.items], next_cursor=page.next_cursor)

    def get_message(self, message_id: str) -> MessageOut:
        def run(session: Any) -> MessageOut:
            row = as2.get_as2_message(session, message_id)
            mdn = as2.mdn_for(session, row.id)
            return message(row, mdn.disposition if mdn else None)

        return self._read(run)

    # --- pull queue and deliveries -------------------------------------------------------------------------

    def pull_queue(self, partner: str | None, limit: int) -> list[DocumentDetail]:
        rows = self._read(lambda s: deliveries.pull_queue(s, partner_id=partner, limit=limit))
        return [self.document_detail(doc.id) for _, doc in rows]

    def ack_pull(self, document_id: str, partner: str | None) -> DeliveryOut:
        return self._read(lambda s: delivery(deliveries.ack_pull(s, document_id, partner_id=partner)))

    def list_deliveries(
        self, document_id: str | None, status: DeliveryStatus | None, cursor: str | None, limit: int
    ) -> Page[DeliveryOut]:
        _check_cursor(cursor)
        page = self._read(
            lambda s: deliveries.list_deliveries(
                s, document_id=document_id, status=_enum(StoreDeliveryStatus, status), cursor=cursor, limit=limit
            )
        )
        return Page[DeliveryOut](items=[delivery(d) for d in page.items], next_cursor=page.next_cursor)

    # --- health and metrics --------------------------------------------------------------------------------

    def readiness(self) -> HealthOut:
        try:
            schema.check_schema(self.store.engine)
        except AcornError as exc:
            return HealthOut(status="unavailable", database="ok", detail=str(exc))
        except Exception as exc:  # the database itself does not answer
            return HealthOut(status="unavailable", database="error", detail=type(exc).__name__)
        version = ",".join(sorted(schema.current_revisions(self.store.engine)))
        return HealthOut(status="ok", database="ok", schema_version=version)

    def metrics(self) -> MetricsSnapshot:
        """Document counts, queue depths and ages, MDN and 997 latencies (gateway.api.metrics.store_snapshot)."""
        with self._session() as session:
            return store_snapshot(session, utc_now())

    # --- tokens and users -----------------------------------------------------------------------------------

    def verify_token(self, secret: str) -> Principal | None:
        row = self._read(lambda s: auth.verify_token(s, secret))
        if row is None:
            return None
        return Principal(token_id=row.id, name=row.name, role=Role(str(row.role)), partner=row.partner_id)

    def list_tokens(self) -> list[TokenOut]:
        return [_token_out(r) for r in self._read(auth.list_tokens)]

    def create_token(self, role: Role, partner: str | None, name: str) -> TokenIssued:
        row, secret = self._read(lambda s: auth.create_token(s, name=name, role=role, partner_id=partner))
        return TokenIssued(**_token_out(row).model_dump(), token=secret)

    def revoke_token(self, token_id: str) -> TokenOut:
        return _token_out(self._read(lambda s: auth.revoke_token(s, token_id)))


def _mdn(mdn: Any) -> dict[str, Any]:
    return {
        "id": mdn.id,
        "direction": str(mdn.direction),
        "status": str(mdn.status),
        "disposition": mdn.disposition,
        "mic": mdn.mic,
        "mic_matched": mdn.mic_matched,
        "signed": mdn.signed,
        "signature_verified": mdn.signature_verified,
        "created_at": mdn.created_at.isoformat(),
    }


def _token_out(row: Any) -> TokenOut:
    return TokenOut(
        id=row.id,
        name=row.name,
        role=Role(str(row.role)),
        partner=row.partner_id,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


def _check_cursor(cursor: str | None) -> None:
    """A cursor the store cannot decode is the caller's mistake (422 naming the parameter), not a server error."""
    if cursor is None:
        return
    try:
        pagination.decode_cursor(cursor)
    except StoreError as exc:
        raise ProblemError(
            422,
            ProblemType.VALIDATION,
            "Request is invalid",
            str(exc),
            [ProblemIssue(location="query.cursor", message="not a cursor returned by this API")],
        ) from exc


def _doc_type(value: str | None) -> DocType | None:
    return _enum(DocType, value)


def _enum(cls: Any, value: str | None) -> Any:
    if value is None:
        return None
    try:
        return cls(value)
    except ValueError:
        return None
