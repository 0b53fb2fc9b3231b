"""The append-only event log: there is no update or delete function, and the ORM and database refuse both."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col, or_, select

from gateway.errors import StoreError
from gateway.store.columns import utc_now
from gateway.store.enums import Outcome, SubjectType
from gateway.store.models_ops import Event


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
    if subject_type is None:
        if document_id is not None:
            subject_type, subject_id = SubjectType.DOCUMENT, document_id
        elif as2_message_id is not None:
            subject_type, subject_id = SubjectType.AS2_MESSAGE, as2_message_id
        else:
            subject_type = SubjectType.SYSTEM
    event = Event(
        occurred_at=occurred_at or utc_now(),
        subject_type=subject_type,
        subject_id=subject_id or "",
        document_id=document_id,
        as2_message_id=as2_message_id,
        stage=str(stage),
        outcome=outcome,
        actor=actor,
        message=message,
        detail=detail,
    )
    session.add(event)
    session.flush()
    return event


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
