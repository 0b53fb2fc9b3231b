"""Database fixtures shared by every test suite (documented in docs/store.md).

- ``db_backend``: "sqlite" or "postgresql"; tests using any fixture below run once per backend.
- ``database_url``: a fresh, EMPTY database of that backend (no tables): for migration tests.
- ``migrated_url``: a fresh database already at the Alembic head (copied from a migrated template: fast).
- ``store``: a gateway.store.Store (engine + session factory) over ``migrated_url``; disposed afterwards.
- ``engine``: ``store.engine``.   ``session``: one open Session of ``store`` (rolled back and closed afterwards).

PostgreSQL runs at 127.0.0.1:5432 as user postgres (override with ACORN_TEST_PG_DSN, a libpq DSN to an admin
database). Each database is named acorn_test_<random> and dropped at the end. When PostgreSQL cannot be reached
the tests FAIL, unless ACORN_TEST_SKIP_PG=1, which skips the PostgreSQL half.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

PG_ADMIN_DSN = os.environ.get("ACORN_TEST_PG_DSN", "host=127.0.0.1 port=5432 user=postgres dbname=postgres")
BACKENDS = ("sqlite", "postgresql")


def _pg_url(name: str) -> str:
    import psycopg

    info = psycopg.conninfo.conninfo_to_dict(PG_ADMIN_DSN)
    host, port, user = info.get("host", "127.0.0.1"), info.get("port", "5432"), info.get("user", "postgres")
    password = f":{info['password']}" if info.get("password") else ""
    return f"postgresql+psycopg://{user}{password}@{host}:{port}/{name}"


class _Databases:
    """Creates and drops test databases; keeps one migrated template per backend for the whole session."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.pg_names: list[str] = []
        self.templates: dict[str, str] = {}
        self.pg_error: str | None = None

    def _admin(self) -> Any:
        import psycopg

        return psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=5)

    def require_pg(self) -> None:
        if os.environ.get("ACORN_TEST_SKIP_PG") == "1":
            pytest.skip("PostgreSQL tests skipped (ACORN_TEST_SKIP_PG=1)")
        if self.pg_error is None:
            try:
                with self._admin():
                    pass
            except Exception as exc:  # any connection problem: report it as a failure below
                self.pg_error = f"PostgreSQL unreachable at {PG_ADMIN_DSN!r}: {exc}"
            else:
                self.pg_error = ""
        if self.pg_error:
            pytest.fail(self.pg_error + " (set ACORN_TEST_SKIP_PG=1 to skip the PostgreSQL tests)")

    def empty(self, backend: str) -> str:
        if backend == "sqlite":
            return f"sqlite:///{self.tmp / f'acorn_test_{uuid.uuid4().hex[:12]}.db'}"
        self.require_pg()
        name = f"acorn_test_{uuid.uuid4().hex[:12]}"
        with self._admin() as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        self.pg_names.append(name)
        return _pg_url(name)

    def migrated(self, backend: str) -> str:
        from gateway.store.schema import upgrade

        if backend not in self.templates:
            self.templates[backend] = template = self.empty(backend)
            upgrade(template)
        template = self.templates[backend]
        if backend == "sqlite":
            target = self.tmp / f"acorn_test_{uuid.uuid4().hex[:12]}.db"
            shutil.copyfile(template.removeprefix("sqlite:///"), target)
            return f"sqlite:///{target}"
        self.require_pg()
        name = f"acorn_test_{uuid.uuid4().hex[:12]}"
        with self._admin() as admin:
            # FILE_COPY copies the small template's files instead of WAL-logging every block: ~5x faster here.
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template.rsplit("/", 1)[1]}" STRATEGY FILE_COPY')
        self.pg_names.append(name)
        return _pg_url(name)

    def drop(self, url: str) -> None:
        if not url.startswith("postgresql"):
            return
        name = url.rsplit("/", 1)[1]
        with self._admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self.pg_names:
            self.pg_names.remove(name)

    def close(self) -> None:
        if not self.pg_names:
            return
        with self._admin() as admin:
            for name in list(self.pg_names):
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.pg_names.clear()


@pytest.fixture(scope="session")
def _acorn_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Databases]:
    databases = _Databases(tmp_path_factory.mktemp("acorn_db"))
    yield databases
    databases.close()


@pytest.fixture(params=BACKENDS)
def db_backend(request: pytest.FixtureRequest) -> str:
    """The backend under test; parametrizes every test that uses a database fixture."""
    return str(request.param)


@pytest.fixture
def database_url(db_backend: str, _acorn_databases: _Databases) -> Iterator[str]:
    """A fresh, empty database (no tables), dropped after the test."""
    url = _acorn_databases.empty(db_backend)
    yield url
    _acorn_databases.drop(url)


@pytest.fixture
def migrated_url(db_backend: str, _acorn_databases: _Databases) -> Iterator[str]:
    """A fresh database at the Alembic head, dropped after the test."""
    url = _acorn_databases.migrated(db_backend)
    yield url
    _acorn_databases.drop(url)


@pytest.fixture
def store(migrated_url: str) -> Iterator[Any]:
    """A gateway.store.Store over a fresh migrated database."""
    from gateway.store import Store

    handle = Store.from_url(migrated_url)
    yield handle
    handle.dispose()


@pytest.fixture
def engine(store: Any) -> Any:
    """The SQLAlchemy engine of ``store`` (at the Alembic head)."""
    return store.engine


@pytest.fixture
def session(store: Any) -> Iterator[Any]:
    """An open Session of ``store``; commit inside the test when you need to; rolled back and closed after."""
    handle = store.session()
    yield handle
    handle.rollback()
    handle.close()
