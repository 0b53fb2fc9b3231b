"""Keyset pagination: newest first, ties broken by id, so a page never repeats or skips a row."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import and_, or_
from sqlmodel import Session, select

from gateway.errors import StoreError
from gateway.store.columns import as_utc

T = TypeVar("T")
MAX_LIMIT = 500


@dataclass(slots=True)
class Page(Generic[T]):
    items: list[T] = field(default_factory=list)
    next_cursor: str | None = None  # None on the last page


def encode_cursor(created_at: datetime, row_id: str) -> str:
    raw = f"{as_utc(created_at).isoformat()}|{row_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        stamp, row_id = base64.urlsafe_b64decode(padded.encode()).decode().split("|", 1)
        return as_utc(datetime.fromisoformat(stamp)), row_id
    except (ValueError, UnicodeDecodeError) as exc:
        raise StoreError(f"invalid page cursor {cursor!r}") from exc


def keyset_page(session: Session, model: Any, conditions: Sequence[Any], cursor: str | None, limit: int) -> Page[Any]:
    """Rows of ``model`` matching ``conditions``, newest first, after ``cursor``."""
    if limit < 1 or limit > MAX_LIMIT:
        raise StoreError(f"page limit must be between 1 and {MAX_LIMIT}, got {limit}")
    created, ident = model.created_at, model.id
    query = select(model).where(*conditions)
    if cursor:
        at, row_id = decode_cursor(cursor)
        query = query.where(or_(created < at, and_(created == at, ident < row_id)))
    rows = list(session.exec(query.order_by(created.desc(), ident.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1].created_at, rows[-1].id) if more and rows else None
    return Page(items=rows, next_cursor=next_cursor)
