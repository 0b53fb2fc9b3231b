"""Column types: StrEnum values as strings, timestamps always timezone-aware UTC, ids as UUID strings."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from sqlalchemy import DateTime, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine


def new_id() -> str:
    return str(uuid.uuid4())


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Naive datetimes are taken as UTC; aware ones are converted."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out; SQLite keeps no zone, so naive values read back are UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = as_utc(value)
        # SQLite compares timestamps as text: store one naive UTC form so comparisons stay ordered.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


class EnumString(TypeDecorator[Any]):
    """A StrEnum kept as its string value (no database enum type, so adding a value needs no migration)."""

    impl = String(32)
    cache_ok = True

    def __init__(self, enum_cls: type[StrEnum], length: int = 32) -> None:
        super().__init__(length)
        self.enum_cls = enum_cls

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return self.enum_cls(value).value  # rejects a value outside the enum before it reaches the row

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else self.enum_cls(value)


def render_column_type(kind: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Alembic hook: migrations hold plain column types, never the gateway's Python types."""
    if kind == "type" and isinstance(obj, EnumString):
        return f"sa.String(length={obj.impl.length})"
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def compare_column_type(
    context: Any, inspected: Any, metadata: Any, inspected_type: TypeEngine[Any], metadata_type: TypeEngine[Any]
) -> bool | None:
    """Alembic hook: compare our decorated types by what they store (None: Alembic's default comparison)."""
    if isinstance(metadata_type, EnumString):
        length = getattr(metadata_type.impl, "length", None)
        return not isinstance(inspected_type, String) or inspected_type.length != length
    if isinstance(metadata_type, UTCDateTime):
        return not isinstance(inspected_type, DateTime)
    return None
