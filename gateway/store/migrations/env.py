"""Alembic environment: runs on the engine handed over by gateway.store.schema (never reads alembic.ini)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine
from sqlmodel import SQLModel

from gateway.store import models, models_ops  # noqa: F401 - registers every table on SQLModel.metadata
from gateway.store.columns import compare_column_type, render_column_type
from gateway.store.engine import make_engine

config = context.config
target_metadata = SQLModel.metadata


def _engine() -> tuple[Engine, bool]:
    """The engine handed over by gateway.store.schema, else one built from sqlalchemy.url (owned: disposed)."""
    given = config.attributes.get("engine")
    if isinstance(given, Engine):
        return given, False
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no engine or sqlalchemy.url given to the Acorn migrations")
    return make_engine(url), True


def _run() -> None:
    engine, owned = _engine()
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=connection.dialect.name == "sqlite",
                compare_type=compare_column_type,
                render_item=render_column_type,
            )
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
    finally:
        if owned:
            engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported; run `acorn db upgrade`")
_run()
