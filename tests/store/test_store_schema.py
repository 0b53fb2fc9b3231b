"""Migrations on both backends, the model matches the migration, and the start-up schema policy."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from gateway.errors import SchemaOutOfDateError, StoreError
from gateway.settings import Settings
from gateway.store import check_schema, make_engine, prepare_database, upgrade
from gateway.store.schema import current_revisions, head_revisions, schema_diff

TABLES = {
    "blob", "as2_message", "mdn", "interchange", "functional_group", "transaction_set", "document", "delivery",
    "acknowledgement", "event", "control_counter", "job", "api_token", "app_user",
}


def test_upgrade_creates_every_table_and_matches_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with pytest.raises(SchemaOutOfDateError, match="acorn db upgrade"):
            check_schema(engine)
        upgrade(engine)
        check_schema(engine)
        assert current_revisions(engine) == head_revisions()
        assert set(inspect(engine).get_table_names()) >= TABLES
        assert schema_diff(engine) == []
        upgrade(engine)  # a second upgrade is a no-op
        check_schema(engine)
    finally:
        engine.dispose()


def test_schema_diff_notices_a_missing_index(migrated_url: str) -> None:
    engine = make_engine(migrated_url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("DROP INDEX ix_job_claim")
        diff = schema_diff(engine)
        assert any("ix_job_claim" in str(item) for item in diff), diff
    finally:
        engine.dispose()


def test_database_ahead_of_the_code_is_refused(migrated_url: str) -> None:
    engine = make_engine(migrated_url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("UPDATE alembic_version SET version_num = 'ffff_future'")
        with pytest.raises(StoreError, match="unknown to this version"):
            check_schema(engine)
    finally:
        engine.dispose()


def test_production_refuses_an_out_of_date_schema(database_url: str, tmp_path) -> None:
    settings = Settings(database_url=database_url, environment="production", data_dir=tmp_path)
    with pytest.raises(SchemaOutOfDateError):
        prepare_database(settings)
    engine = make_engine(database_url)
    try:
        assert current_revisions(engine) == set()  # nothing was migrated behind the operator's back
    finally:
        engine.dispose()


def test_development_upgrades_an_out_of_date_schema(database_url: str, tmp_path) -> None:
    settings = Settings(database_url=database_url, environment="development", data_dir=tmp_path)
    store = prepare_database(settings)
    try:
        check_schema(store.engine)
    finally:
        store.dispose()


def test_production_starts_on_a_current_schema(migrated_url: str, tmp_path) -> None:
    store = prepare_database(Settings(database_url=migrated_url, environment="production", data_dir=tmp_path))
    store.dispose()


def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
    finally:
        engine.dispose()


def test_postgres_urls_use_psycopg3() -> None:
    engine = make_engine("postgresql://postgres@127.0.0.1:5432/none")
    try:
        assert engine.dialect.driver == "psycopg"
    finally:
        engine.dispose()


def test_unknown_backend_is_a_config_error() -> None:
    from gateway.errors import ConfigError

    with pytest.raises(ConfigError, match="unsupported database"):
        make_engine("mysql://x@y/z")
