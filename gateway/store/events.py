"""The append-only event log: there is no update or delete function, and the ORM and database refuse both."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import insert
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col, or_, select

from gateway.errors import StoreError
from gateway.store.columns import new_id, utc_now
from gateway.store.enums import Outcome, SubjectType
from gateway.store.models_ops import Event

_TICK = timedelta(microseconds=1)
EVENT_TABLE: Any = Event.__table__  # type: ignore[attr-defined]
_INSERT_EVENTS = insert(EVENT_TABLE)  # built once: its cache key is kept, not recomputed per call


@dataclass(frozen=True, slots=True)
class NewEvent:
    """One event to append with ``append_events`` (same fields and defaults as ``append_event``)."""

    stage: str
    outcome: Outcome
    message: str
    subject_type: SubjectType | None = None
    subject_id: str | None = None
    document_id: str | None = None
    as2_message_id: str | None = None
    actor: str = "system"
    detail: dict[str, Any] | None = None
    occurred_at: datetime | None = None

    def row(self) -> dict[str, Any]:
        """The column values; the subject defaults to the document, else the AS2 message, else the system."""
        subject_type, subject_id = self.subject_type, self.subject_id
        if subject_type is None:
            if self.document_id is not None:
                subject_type, subject_id = SubjectType.DOCUMENT, self.document_id
            elif self.as2_message_id is not None:
                subject_type, subject_id = SubjectType.AS2_MESSAGE, self.as2_message_id
            else:
                subject_type = SubjectType.SYSTEM
        return {
            "id": new_id(), "occurred_at": self.occurred_at or utc_now(), "subject_type": subject_type,
            "subject_id": subject_id or "", "document_id": self.document_id, "as2_message_id": self.as2_message_id,
            "stage": str(self.stage), "outcome": self.outcome, "actor": self.actor, "message": self.message,
            "detail": self.detail,
        }


def append_event(
    session: Session,
    stage: str,
    outcome: Outcome,
    message: str,
    *,
    subject_type: SubjectType | None = None,
    subject_id: str | None = None,
    document_id: str | None = None,
    as2_message_id: str | None = None,
    actor: str = "system",
    detail: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
) -> Event:
    """Append one event; the subject defaults to the document, else the AS2 message, else the system."""
    event = Event(**NewEvent(stage, outcome, message, subject_type, subject_id, document_id, as2_message_id, actor,
                             detail, occurred_at).row())
    session.add(event)
    session.flush()
    return event


def append_events(session: Session, events: Sequence[NewEvent]) -> None:
    """Append several events with one INSERT, in the caller's transaction (no ORM objects, nothing read back)."""
    rows = [event.row() for event in events]
    for before, row in zip(rows, rows[1:], strict=False):
        # Timelines sort by (occurred_at, id) and ids are random: keep the batch's order within one microsecond.
        if row["occurred_at"] <= before["occurred_at"]:
            row["occurred_at"] = before["occurred_at"] + _TICK
    if rows:
        session.connection().execute(_INSERT_EVENTS, rows)


def list_events(
    session: Session,
    *,
    subject_type: SubjectType | None = None,
    subject_id: str | None = None,
    document_id: str | None = None,
    as2_message_id: str | None = None,
    since: datetime | None = None,
    limit: int = 1000,
) -> list[Event]:
    """Events oldest first; ``document_id`` / ``as2_message_id`` match the correlation column or the subject."""
    query = select(Event)
    if subject_type is not None:
        query = query.where(Event.subject_type == subject_type)
    if subject_id is not None:
        query = query.where(Event.subject_id == subject_id)
    if document_id is not None:
        query = query.where(or_(Event.document_id == document_id, Event.subject_id == document_id))
    if as2_message_id is not None:
        query = query.where(or_(Event.as2_message_id == as2_message_id, Event.subject_id == as2_message_id))
    if since is not None:
        query = query.where(col(Event.occurred_at) >= since)
    return list(session.exec(query.order_by(col(Event.occurred_at), col(Event.id)).limit(limit)))


def _refuse_event_changes(session: Any, _context: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, Event) and (obj in session.deleted or session.is_modified(obj)):
            raise StoreError(f"the event log is append-only: event {obj.id} cannot be changed or deleted")


def guard_event_log(factory: sessionmaker[Session]) -> None:
    """Make sessions from ``factory`` refuse to flush a changed or deleted event."""
    sa_event.listen(factory, "before_flush", _refuse_event_changes)
