"""Control numbers (ISA13, GS06, ST02) from the database: atomic, per partner, direction and level, never reused.

One statement increments the counter row (INSERT ... ON CONFLICT DO UPDATE ... RETURNING); the row lock it takes
is held until the caller's transaction ends, so concurrent allocations queue behind each other on PostgreSQL,
and SQLite transactions are BEGIN IMMEDIATE. A rolled-back transaction rolls its increment back too, so the
store hands out no gaps; numbers that were committed but never sent are simply not reused.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from gateway.errors import StoreError
from gateway.store.columns import new_id
from gateway.store.enums import ControlLevel, Direction
from gateway.store.models_ops import ControlCounter

# ISA13 and GS06 are at most nine digits; ST02 allows 4-9 characters. We never wrap around (that would reuse).
MAX_CONTROL_NUMBER = 999_999_999


def _insert(session: Session) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def _upsert(
    session: Session, partner_id: str, direction: Direction, level: ControlLevel, value: Any, update: Any
) -> int:
    table: Any = ControlCounter.__table__  # type: ignore[attr-defined]
    statement = (
        _insert(session)(table)
        .values(id=new_id(), partner_id=partner_id, direction=direction.value, level=level.value, last_value=value)
        .on_conflict_do_update(index_elements=["partner_id", "direction", "level"], set_={"last_value": update})
        .returning(table.c.last_value)
    )
    return int(session.execute(statement).scalar_one())


def next_control_number(session: Session, partner_id: str, direction: Direction, level: ControlLevel) -> int:
    """The next number (1, 2, 3, ...) for this partner, direction and level, inside the caller's transaction."""
    table: Any = ControlCounter.__table__  # type: ignore[attr-defined]
    value = _upsert(session, partner_id, direction, level, 1, table.c.last_value + 1)
    if value > MAX_CONTROL_NUMBER:
        raise StoreError(
            f"control numbers exhausted for partner {partner_id} {direction} {level}: {value} exceeds nine digits"
        )
    return value


def raise_control_number(
    session: Session, partner_id: str, direction: Direction, level: ControlLevel, floor: int
) -> int:
    """Make sure the next number is above ``floor`` (continue after numbers another system used); never lowers."""
    table: Any = ControlCounter.__table__  # type: ignore[attr-defined]
    update = case((table.c.last_value < floor, floor), else_=table.c.last_value)
    return _upsert(session, partner_id, direction, level, floor, update)


def current_control_number(session: Session, partner_id: str, direction: Direction, level: ControlLevel) -> int:
    """The last number handed out (0 when none was)."""
    query = select(ControlCounter.last_value).where(
        ControlCounter.partner_id == partner_id, ControlCounter.direction == direction, ControlCounter.level == level
    )
    value = session.exec(query).first()
    return int(value or 0)
