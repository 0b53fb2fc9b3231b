"""Alembic migrations run from code: version check, upgrade, and the start-up policy by environment."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlmodel import SQLModel

from gateway.errors import SchemaOutOfDateError, StoreError
from gateway.settings import Settings
from gateway.store import models, models_ops  # noqa: F401 - registers every table
from gateway.store.columns import compare_column_type, render_column_type
from gateway.store.engine import Store, make_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
log = logging.getLogger("acorn.store")


def alembic_config(engine: Engine | None = None) -> Config:
    """An Alembic config pointing at the migrations shipped inside the package (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def head_revisions() -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


def current_revisions(engine: Engine) -> set[str]:
    """Revisions recorded in the database (empty for a fresh database)."""
    with engine.connect() as connection:
        heads = MigrationContext.configure(connection).get_current_heads()
        connection.rollback()
    return set(heads)


def check_schema(engine: Engine) -> None:
    """Raise SchemaOutOfDateError when the database is behind the code, StoreError when it is ahead."""
    current, heads = current_revisions(engine), head_revisions()
    if current == heads:
        return
    script = ScriptDirectory.from_config(alembic_config())
    known = {rev.revision for rev in script.walk_revisions()}
    unknown = current - known
    if unknown:
        raise StoreError(
            f"the database schema is at revision {', '.join(sorted(unknown))}, unknown to this version of "
            "Acorn (newer code migrated it): upgrade Acorn"
        )
    found = ", ".join(sorted(current)) or "empty (no schema)"
    raise SchemaOutOfDateError(
        f"the database schema is out of date: found {found}, expected {', '.join(sorted(heads))}; "
        "run `acorn db upgrade`"
    )


def schema_diff(engine: Engine) -> list[Any]:
    """Differences between the tables in code and the migrated database (empty when they match)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": compare_column_type, "render_item": render_column_type, "target_metadata": None},
        )
        diff: list[Any] = compare_metadata(context, SQLModel.metadata)
        connection.rollback()
    return diff


def upgrade(engine_or_url: Engine | str, revision: str = "head") -> None:
    """Run the migrations up to ``revision``."""
    engine = make_engine(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url
    try:
        command.upgrade(alembic_config(engine), revision)
    finally:
        if isinstance(engine_or_url, str):
            engine.dispose()


def prepare_database(settings: Settings) -> Store:
    """Development upgrades an out-of-date schema itself; production refuses to start until `acorn db upgrade`."""
    store = Store.from_url(settings.database_url)
    try:
        try:
            check_schema(store.engine)
        except SchemaOutOfDateError:
            if settings.is_production:
                raise
            log.info("database schema out of date in %s: upgrading", settings.environment)
            upgrade(store.engine)
            check_schema(store.engine)
    except BaseException:
        store.dispose()
        raise
    return store
