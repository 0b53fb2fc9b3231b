"""The MonitorBackend over the Runtime: gateway.store queries for every page, the pipeline for every action."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from fastapi import FastAPI

from gateway.errors import ConfigError, NotFoundError, StoreError
from gateway.partners.loader import load_registry
from gateway.partners.profile import PartnerProfile
from gateway.pipeline.runtime import Runtime, runtime_from_state
from gateway.store import Session, Store
from gateway.store import as2 as store_as2
from gateway.store import auth as store_auth
from gateway.store import documents as store_documents
from gateway.store import events as store_events
from gateway.store import lineage as store_lineage
from gateway.store import monitor as queries
from gateway.store.blobs import blob_content
from gateway.store.columns import as_utc
from gateway.store.enums import AS2Status, Direction, DocType, DocumentStatus, Outcome, Role
from gateway.store.models import Acknowledgement, AS2Message, Document, Mdn
from gateway.store.models_ops import Event
from gateway.ui import actions, dashboard
from gateway.ui.partner_view import partner_view, when
from gateway.ui.views import (
    Artefact,
    Dashboard,
    DocumentView,
    EventView,
    Filters,
    MessageView,
    PartnerView,
    Row,
)
from gateway.ui.x12_view import issue_text, x12_lines

STATE_KEY = "ui_store_monitor"
ADMIN_STAGE = "monitor.admin"


def monitor_for(app: FastAPI) -> StoreMonitor:
    """The application's StoreMonitor over ``app.state.runtime`` (built once, on first use)."""
    cached = getattr(app.state, STATE_KEY, None)
    if isinstance(cached, StoreMonitor):
        return cached
    monitor = StoreMonitor(runtime_from_state(app.state))
    setattr(app.state, STATE_KEY, monitor)
    return monitor


def _enum(cls: Any, value: str | None) -> Any:
    if value is None:
        return None
    try:
        return cls(value)
    except ValueError as exc:
        raise NotFoundError(f"{value!r} is not a known {cls.__name__}") from exc


def _day(value: str | None, *, end: bool = False) -> datetime | None:
    """A date filter (YYYY-MM-DD, UTC); the end date includes its whole day."""
    if not value:
        return None
    day = as_utc(datetime.fromisoformat(value))
    return day + timedelta(days=1) if end else day


def document_row(doc: Document) -> Row:
    control = " / ".join(f"{k} {v}" for k, v in (("ISA13", doc.isa13), ("GS06", doc.gs06), ("ST02", doc.st02)) if v)
    return Row(id=doc.id, created_at=when(doc.created_at), partner=doc.partner_id, direction=str(doc.direction),
               status=str(doc.status), doc_type=str(doc.doc_type), reference=dashboard.reference(doc),
               control=control or None)


def message_row(row: AS2Message, disposition: str | None = None) -> Row:
    return Row(id=row.id, created_at=when(row.created_at), partner=row.partner_id, direction=str(row.direction),
               status=str(row.status), message_id=row.message_id, disposition=disposition or row.disposition)


def event_view(e: Event) -> EventView:
    return EventView(when(e.occurred_at), e.stage, str(e.outcome), e.actor, e.message)


def _yes(value: bool | None) -> str:
    return "unknown" if value is None else "yes" if value else "no"


def as2_fields(m: AS2Message) -> list[tuple[str, str]]:
    security = [f"signed {m.signature_algorithm or ''}".strip() if m.signed else "unsigned",
                f"encrypted {m.encryption_algorithm or ''}".strip() if m.encrypted else "not encrypted",
                "compressed" if m.compressed else "not compressed"]
    fields = [("Message-ID", m.message_id), ("Direction", str(m.direction)), ("Status", str(m.status)),
              ("AS2-From → AS2-To", f"{m.as2_from} → {m.as2_to}"), ("Subject", m.subject or ""),
              ("Security", ", ".join(security)), ("MIC", f"{m.mic or ''} {m.mic_algorithm or ''}".strip()),
              ("MDN requested", str(m.mdn_mode) + (f" to {m.mdn_url}" if m.mdn_url else "")),
              ("Attempts", str(m.attempts)), ("Received / sent", when(m.created_at))]
    if m.error:
        fields.append(("Error", m.error))
    return fields


def mdn_fields(mdn: Mdn | None) -> list[tuple[str, str]]:
    if mdn is None:
        return []
    return [("Disposition", mdn.disposition), ("Status", str(mdn.status)), ("Direction", str(mdn.direction)),
            ("MIC", f"{mdn.mic or ''} {mdn.mic_algorithm or ''}".strip()), ("MIC matched", _yes(mdn.mic_matched)),
            ("Signed", _yes(mdn.signed)), ("Signature verified", _yes(mdn.signature_verified)),
            ("When", when(mdn.created_at))]


class StoreMonitor:
    """Implements gateway.ui.views.MonitorBackend; one short transaction per page."""

    def __init__(self, runtime: Runtime) -> None:
        if not isinstance(runtime.database, Store):
            raise ConfigError("the runtime has no gateway.store database handle (Runtime.database)")
        self.runtime = runtime
        self.database: Store = runtime.database
        self._profiles: list[PartnerProfile] | None = None

    def profiles(self) -> list[PartnerProfile]:
        if self._profiles is None:
            self._profiles = sorted(load_registry(self.runtime.settings.partners_dir), key=lambda p: p.id)
        return self._profiles

    def _session(self) -> Any:
        return self.database.transaction()

    # --- sign-in and dashboard --------------------------------------------------------------------------

    def authenticate(self, username: str, password: str) -> str | None:
        with self._session() as session:
            user = store_auth.verify_user(session, username, password)
            return str(user.role) if user is not None else None

    def dashboard(self) -> Dashboard:
        with self._session() as session:
            return dashboard.build(session, self.profiles(), self.runtime.now())

    # --- lists --------------------------------------------------------------------------------------------

    def search_documents(self, filters: Filters, cursor: str | None, limit: int) -> tuple[list[Row], str | None]:
        try:
            where = store_documents.DocumentFilter(
                partner_id=filters.partner, doc_type=_enum(DocType, filters.doc_type),
                direction=_enum(Direction, filters.direction), status=_enum(DocumentStatus, filters.status),
                since=_day(filters.date_from), until=_day(filters.date_to, end=True),
            )
        except (NotFoundError, ValueError):
            return [], None  # a type, status or date nothing can have matches nothing
        offset = int(cursor) if cursor and cursor.isdigit() else 0
        with self._session() as session:
            rows, more = queries.search_documents(session, where, filters.q, sort=filters.sort,
                                                  descending=filters.desc, offset=offset, limit=limit)
            return [document_row(d) for d in rows], str(offset + limit) if more else None

    def search_messages(self, filters: Filters, cursor: str | None, limit: int) -> tuple[list[Row], str | None]:
        try:
            status = _enum(AS2Status, filters.status)
            direction = _enum(Direction, filters.direction)
            since, until = _day(filters.date_from), _day(filters.date_to, end=True)
        except (NotFoundError, ValueError):
            return [], None
        message_id = filters.q.strip().removeprefix("<").removesuffix(">") if filters.q else None
        with self._session() as session:
            try:
                page = store_as2.search_as2_messages(
                    session, partner_id=filters.partner, direction=direction, status=status, message_id=message_id,
                    since=since, until=until, cursor=cursor, limit=limit)
            except StoreError:  # a cursor from elsewhere: start again at the newest
                return [], None
            return [message_row(m) for m in page.items], page.next_cursor

    # --- detail pages -----------------------------------------------------------------------------------

    def document(self, document_id: str) -> DocumentView | None:
        with self._session() as session:
            try:
                found = store_lineage.lineage(session, document_id)
            except NotFoundError:
                return None
            doc = found.document
            issues = [issue_text(i) for i in (found.transaction_set.issues or [])] if found.transaction_set else []
            raw = self._x12_of(session, found)
            chain = self._chain(session, doc)
            return DocumentView(
                doc=document_row(doc), canonical=doc.canonical,
                x12_lines=x12_lines(raw, {p for p, _ in issues if p}, self.runtime.settings.maps_dir) if raw else [],
                issues=issues,
                as2_fields=as2_fields(found.as2_message) if found.as2_message else [],
                as2_message_id=found.as2_message.id if found.as2_message else None,
                mdn_fields=mdn_fields(found.mdns[-1] if found.mdns else None),
                acks=[self._ack(a, document_id) for a in found.acknowledgements],
                deliveries=[{"id": d.id, "target": f"{d.target} ({d.target_kind})", "status": str(d.status),
                             "attempts": d.attempts, "error": d.last_error} for d in found.deliveries],
                events=[event_view(e) for e in found.events],
                chain=chain,
            )

    @staticmethod
    def _chain(session: Session, doc: Document) -> list[Row]:
        """The order's documents, each followed by our 997/999 for it or the partner's 997/999/TA1 of it."""
        if not doc.po_number:
            return []
        members = queries.order_chain(session, doc.partner_id, doc.po_number)
        theirs: dict[str | None, list[Acknowledgement]] = {}
        for ack in queries.partner_acknowledgements(session, [m.id for m in members]):
            theirs.setdefault(ack.document_id, []).append(ack)
        rows: list[Row] = []
        for member in members:
            rows.append(document_row(member))
            rows.extend(StoreMonitor._ack_row(a) for a in theirs.get(member.id, []))
        return rows

    @staticmethod
    def _ack_row(a: Acknowledgement) -> Row:
        """The partner's 997/999 in an order chain; it is no document, so it links to the one it acknowledges."""
        control = " / ".join(f"{k} {v}" for k, v in (("GS06", a.for_gs06), ("ST02", a.for_st02)) if v)
        return Row(id=f"{a.document_id}#ack-{a.id}", created_at=when(a.created_at), partner=a.partner_id,
                   direction=str(a.direction), status=str(a.status), doc_type=str(a.kind),
                   reference=f"for {control}" if control else None, control=control or None)

    @staticmethod
    def _ack(a: Acknowledgement, document_id: str) -> dict[str, str]:
        other = a.ack_document_id if a.document_id == document_id else a.document_id
        return {"kind": str(a.kind), "direction": str(a.direction), "status": str(a.status),
                "when": when(a.created_at), "href": f"/documents/{other}" if other else "",
                "raw": f"/raw/ack/{a.id}" if a.blob_id else ""}

    def _x12_of(self, session: Session, found: store_lineage.Lineage) -> bytes | None:
        """The document's own X12, else its interchange as received, else the AS2 payload that carried it."""
        for blob_id in (found.document.x12_blob_id, found.interchange.blob_id if found.interchange else None,
                        found.as2_message.payload_blob_id if found.as2_message else None):
            raw = self._blob(session, blob_id)
            if raw is not None:
                return raw
        return None

    @staticmethod
    def _blob(session: Session, blob_id: str | None) -> bytes | None:
        if blob_id is None:
            return None
        try:
            return blob_content(session, blob_id)
        except StoreError:  # purged by retention: the page says there is nothing to show
            return None

    def message(self, message_id: str) -> MessageView | None:
        with self._session() as session:
            row = session.get(AS2Message, message_id)
            if row is None:
                return None
            mdn = store_as2.mdn_for(session, row.id)
            docs = queries.documents_of_message(session, row.id)
            events = store_events.list_events(session, as2_message_id=row.id)
            return MessageView(
                msg=message_row(row, mdn.disposition if mdn else None), fields=as2_fields(row),
                headers=sorted((str(k), str(v)) for k, v in (row.headers or {}).items()),
                mdn_fields=mdn_fields(mdn), documents=[document_row(d) for d in docs],
                events=[event_view(e) for e in events],
                has_payload=row.payload_blob_id is not None, has_mdn=mdn is not None and mdn.blob_id is not None,
            )

    def partners(self) -> list[PartnerView]:
        with self._session() as session:
            last = queries.last_traffic(session)
        now = self.runtime.now()
        return [partner_view(p, last, now) for p in self.profiles()]

    def partner(self, partner_id: str) -> PartnerView | None:
        return next((p for p in self.partners() if p.id == partner_id), None)

    def artefact(self, kind: str, object_id: str) -> Artefact | None:
        with self._session() as session:
            return self._artefact(session, kind, object_id)

    def _artefact(self, session: Session, kind: str, object_id: str) -> Artefact | None:
        if kind in ("x12", "json"):
            doc = session.get(Document, object_id)
            if doc is None:
                return None
            name = f"{doc.partner_id}-{doc.doc_type}-{dashboard.reference(doc) or doc.id}"
            if kind == "json":
                if doc.canonical is None:
                    return None
                body = json.dumps(doc.canonical, indent=2, ensure_ascii=False).encode()
                return Artefact(f"{name}.json", "application/json", body)
            raw = self._x12_of(session, store_lineage.lineage(session, doc.id))
            return Artefact(f"{name}.x12", "application/edi-x12", raw) if raw else None
        if kind == "ack":
            ack = session.get(Acknowledgement, object_id)
            raw = self._blob(session, ack.blob_id) if ack else None
            return Artefact(f"{ack.kind}-{ack.id}.x12", "application/edi-x12", raw) if ack and raw else None
        message = session.get(AS2Message, object_id)
        if message is None:
            return None
        if kind == "mdn":
            mdn = store_as2.mdn_for(session, message.id)
            raw = self._blob(session, mdn.blob_id) if mdn else None
            return Artefact(f"mdn-{message.id}.txt", "message/disposition-notification", raw) if raw else None
        blob_id = {"as2-body": message.body_blob_id, "as2-payload": message.payload_blob_id}.get(kind)
        raw = self._blob(session, blob_id)
        return Artefact(f"{kind}-{message.id}.bin", "application/octet-stream", raw) if raw else None

    # --- actions and administration -------------------------------------------------------------------

    def act(self, action: str, object_id: str, actor: str) -> str:
        return actions.run(self.runtime, self.database, action, object_id, actor)

    def users(self) -> list[dict[str, Any]]:
        with self._session() as session:
            return [{"username": u.username, "role": str(u.role), "disabled": u.disabled,
                     "created_at": when(u.created_at)} for u in store_auth.list_users(session)]

    def create_user(self, username: str, password: str, role: str, actor: str) -> None:
        with self._session() as session:
            store_auth.create_user(session, username, password, Role(role))
            self._audit(session, f"user {username} created with role {role}", actor)

    def tokens(self) -> list[dict[str, Any]]:
        with self._session() as session:
            return [{"id": t.id, "name": t.name, "role": str(t.role), "partner": t.partner_id,
                     "created_at": when(t.created_at), "revoked": t.revoked_at is not None}
                    for t in store_auth.list_tokens(session)]

    def create_token(self, name: str, role: str, partner: str | None, actor: str) -> str:
        with self._session() as session:
            token, secret = store_auth.create_token(session, name=name, role=Role(role), partner_id=partner)
            self._audit(session, f"API token {name!r} ({role}) created, id {token.id}", actor)
            return secret

    def revoke_token(self, token_id: str, actor: str) -> None:
        with self._session() as session:
            token = store_auth.revoke_token(session, token_id)
            self._audit(session, f"API token {token.name!r} revoked, id {token.id}", actor)

    @staticmethod
    def _audit(session: Session, text: str, actor: str) -> None:
        store_events.append_event(session, ADMIN_STAGE, Outcome.OK, text, actor=actor, detail={"actor": actor})
