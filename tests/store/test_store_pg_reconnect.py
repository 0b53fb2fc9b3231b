"""PostgreSQL without a pre-ping round trip per checkout: a terminated backend is still replaced, not used."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from gateway.store import Store, make_engine
from gateway.store.engine import normalise_url
from tests.conftest import PG_ADMIN_DSN


def _terminate(pids: set[int]) -> None:
    """Terminate these backends (as a server restart does) and wait until they are gone."""
    import psycopg

    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
        for pid in pids:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        deadline = time.monotonic() + 10
        while admin.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", (list(pids),)).fetchone() != (
            0,
        ):
            assert time.monotonic() < deadline, f"backends {pids} still running"
            time.sleep(0.05)


def _pooled_backends(engine: Any, count: int) -> set[int]:
    """Check out ``count`` connections at once (so the pool keeps that many) and return their backend pids."""
    connections = [engine.connect() for _ in range(count)]
    try:
        return {c.execute(text("SELECT pg_backend_pid()")).scalar_one() for c in connections}
    finally:
        for connection in connections:
            connection.close()


@pytest.fixture
def pg_url(_acorn_databases: Any) -> Iterator[str]:
    """A migrated PostgreSQL database (a pool policy of PostgreSQL only: no SQLite half to skip)."""
    url: str = _acorn_databases.migrated("postgresql")
    yield url
    _acorn_databases.drop(url)


def test_no_pre_ping_and_terminated_backends_are_replaced_at_checkout(pg_url: str) -> None:
    store = Store.from_url(pg_url)
    try:
        assert not store.engine.pool._pre_ping  # no SELECT 1 round trip per checkout
        old = _pooled_backends(store.engine, 2)
        _terminate(old)
        for _ in range(3):  # every pooled connection is dead: each checkout must notice, none may fail
            with store.transaction() as session:
                pid = session.connection().execute(text("SELECT pg_backend_pid()")).scalar_one()
                assert pid not in old
        assert not _pooled_backends(store.engine, 2) & old
    finally:
        store.dispose()


def test_without_the_checkout_check_the_first_statement_fails(pg_url: str) -> None:
    # What the check prevents (and what makes the test above able to fail): a plain pool hands out the dead one.
    engine = create_engine(normalise_url(pg_url))
    try:
        _terminate(_pooled_backends(engine, 1))
        with pytest.raises(OperationalError), engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    finally:
        engine.dispose()


def test_pre_ping_can_still_be_asked_for(pg_url: str) -> None:
    engine = make_engine(pg_url, pool_pre_ping=True)
    try:
        assert engine.pool._pre_ping
        _terminate(_pooled_backends(engine, 1))
        with engine.connect() as connection:
            assert connection.execute(text("SELECT 1")).scalar_one() == 1
    finally:
        engine.dispose()
