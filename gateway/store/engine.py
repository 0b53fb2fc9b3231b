"""Engines, sessions and the schema policy; nothing is built at import time."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from gateway.errors import ConfigError

SQLITE_BUSY_TIMEOUT_MS = 30_000
# FULL: a committed transaction survives a power cut or an OS crash, not only a process crash. The AS2 inbound
# flow answers with an MDN right after its commit, and that MDN is a receipt the partner relies on. A database URL
# may say ``?synchronous=NORMAL`` (WAL: a crash of the machine can lose the last commits; see BENCHMARKS.md, issue 4).
SQLITE_SYNCHRONOUS = "FULL"
_HOLDS_WRITER = "acorn_sqlite_writer"


def normalise_url(database_url: str) -> str:
    """PostgreSQL URLs always use psycopg 3 (``postgresql+psycopg://``)."""
    for prefix in ("postgresql://", "postgres://", "postgresql+psycopg2://"):
        if database_url.startswith(prefix):
            return "postgresql+psycopg://" + database_url[len(prefix) :]
    return database_url


def make_engine(database_url: str, **kwargs: Any) -> Engine:
    """An engine for SQLite (WAL, foreign keys, busy timeout, BEGIN IMMEDIATE) or PostgreSQL (psycopg 3)."""
    if not database_url:
        raise ConfigError("no database URL configured (ACORN_DATABASE_URL)")
    url = make_url(normalise_url(database_url))
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        synchronous = str(url.query.get("synchronous", SQLITE_SYNCHRONOUS)).upper()
        if synchronous not in ("FULL", "EXTRA", "NORMAL"):
            raise ConfigError(f"sqlite synchronous={synchronous!r} in the database URL: use FULL, EXTRA or NORMAL")
        url = url.difference_update_query(["synchronous"])
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs)
        _configure_sqlite(engine, synchronous)
        return engine
    if url.get_backend_name() == "postgresql":
        kwargs.setdefault("pool_pre_ping", True)
        return create_engine(url, **kwargs)
    raise ConfigError(f"unsupported database {url.get_backend_name()!r}: use sqlite:/// or postgresql+psycopg://")


def _configure_sqlite(engine: Engine, synchronous: str) -> None:
    # One writer per process at a time, in Python: threads of one process then queue on a lock that wakes the next
    # one as soon as the previous commits, instead of polling SQLite's busy handler (sleeps of up to 100 ms each,
    # which gave the inbound AS2 benchmark its p99). Other processes still meet at SQLite's lock (busy_timeout).
    writer = threading.Lock()

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module so the "begin" hook below decides.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Every transaction takes the write lock up front: a deferred transaction that reads and then writes
        # can fail with SQLITE_BUSY at once under WAL, while IMMEDIATE waits (busy_timeout) and then runs alone.
        # This is what makes control numbers and job claims safe on SQLite (one process, several threads).
        # A thread that already holds the lock through another connection must not wait on itself forever:
        # after the busy timeout it goes on to SQLite's own wait, which fails the way it always did.
        if not connection.info.get(_HOLDS_WRITER) and writer.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
            connection.info[_HOLDS_WRITER] = True
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _release(connection)
            raise

    def _release(connection: Any) -> None:
        # Fired just before the COMMIT or ROLLBACK itself: the next thread's BEGIN IMMEDIATE may still wait for it
        # in SQLite's busy handler, but only for that one statement.
        if connection.info.pop(_HOLDS_WRITER, False):
            writer.release()

    def _release_record(_dbapi_connection: Any, record: Any, *_args: Any) -> None:
        # A connection checked in or invalidated while holding the lock (no COMMIT/ROLLBACK event) lets it go.
        if record is not None and record.info.pop(_HOLDS_WRITER, False):
            writer.release()

    event.listen(engine, "commit", _release)
    event.listen(engine, "rollback", _release)
    event.listen(engine, "checkin", _release_record)
    event.listen(engine, "invalidate", _release_record)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to ``engine``; objects stay readable after commit; events cannot be changed."""
    from gateway.store.events import guard_event_log

    factory = sessionmaker(bind=engine, class_=Session, expire_on_commit=False)
    guard_event_log(factory)
    return factory


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any exception."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


class Store:
    """The database handle a process keeps: engine plus session factory (``Runtime.database``)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = make_session_factory(engine)

    @classmethod
    def from_url(cls, database_url: str, **kwargs: Any) -> Store:
        return cls(make_engine(database_url, **kwargs))

    def session(self) -> Session:
        """A new session; the caller commits or rolls back (or use ``transaction()``)."""
        return self.sessions()

    def transaction(self) -> Any:
        """``with store.transaction() as session:`` commits on success, rolls back on error.

        Typed Any on purpose for now: typing it AbstractContextManager[Session] surfaces errors in callers' code.
        """
        return session_scope(self.sessions)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def dispose(self) -> None:
        self.engine.dispose()
