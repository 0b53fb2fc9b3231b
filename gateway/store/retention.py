"""Retention: drop the bytes of old blobs, keep their SHA-256, size and every row that refers to them."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, update

from gateway.errors import StoreError
from gateway.store.columns import utc_now
from gateway.store.models import Blob


def purge_blobs(session: Session, days: int, now: datetime | None = None) -> int:
    """Clear the content of blobs created more than ``days`` days ago; returns how many were purged."""
    if days < 1:
        raise StoreError(f"retention must be at least 1 day, got {days}")
    now = now or utc_now()
    statement = (
        update(Blob)
        .where(col(Blob.created_at) < now - timedelta(days=days), col(Blob.purged_at).is_(None))
        .values(content=None, purged_at=now)
    )
    result = session.execute(statement)
    session.flush()
    return int(result.rowcount)  # type: ignore[attr-defined]
