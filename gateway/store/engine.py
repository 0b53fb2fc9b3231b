"""Engines, sessions and the schema policy; nothing is built at import time."""

from __future__ import annotations

import os
import select
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from gateway.errors import ConfigError

SQLITE_BUSY_TIMEOUT_MS = 30_000
# FULL: a committed transaction survives a power cut or an OS crash, not only a process crash. The AS2 inbound
# flow answers with an MDN right after its commit, and that MDN is a receipt the partner relies on. A database URL
# may say ``?synchronous=NORMAL`` (WAL: a crash of the machine can lose the last commits; see BENCHMARKS.md, issue 4).
SQLITE_SYNCHRONOUS = "FULL"
_HOLDS_WRITER = "acorn_sqlite_writer"
WRITER_LOCK_SUFFIX = ".writer-lock"
# PostgreSQL: pooled connections older than this are replaced at checkout (firewalls and proxies drop idle ones).
PG_POOL_RECYCLE_SECONDS = 1800
_PG_CONNECTION_OK = 0  # libpq CONNECTION_OK (psycopg.pq.ConnStatus.OK; psycopg is imported by the dialect only)

_fcntl: ModuleType | None
try:
    import fcntl as _fcntl
except ImportError:  # not POSIX (Windows): processes sharing a database file meet at SQLite's lock, as before
    _fcntl = None


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
        _configure_sqlite(engine, synchronous, _lock_file(url.database, bool(url.query.get("uri"))))
        return engine
    if url.get_backend_name() == "postgresql":
        kwargs.setdefault("pool_recycle", PG_POOL_RECYCLE_SECONDS)
        engine = create_engine(url, **kwargs)
        if not kwargs.get("pool_pre_ping"):
            event.listen(engine, "checkout", _drop_closed_pg_connection)
        return engine
    raise ConfigError(f"unsupported database {url.get_backend_name()!r}: use sqlite:/// or postgresql+psycopg://")


def _drop_closed_pg_connection(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """At checkout, without a round trip: a pooled connection the server has closed is replaced by a new one.

    In place of ``pool_pre_ping`` (a ``SELECT 1`` round trip per checkout, two per inbound AS2 message). A server
    that restarts or terminates a backend (``pg_ctl restart``, ``pg_terminate_backend``) sends an error and closes
    the socket. The pool's connections never LISTEN, so the server has nothing else to say to an idle one: anything
    readable means it is going (a rare notice costs a reconnect, nothing more), and a DisconnectionError makes the
    pool connect afresh. A peer that vanished silently (no FIN) is found by the first statement, which invalidates
    the pool (SQLAlchemy's disconnect handling); ``pool_recycle`` bounds a connection's age.
    """
    if dbapi_connection.closed or dbapi_connection.pgconn.status != _PG_CONNECTION_OK:
        raise DisconnectionError("PostgreSQL connection already closed")
    poller = select.poll()
    poller.register(dbapi_connection.pgconn.socket, select.POLLIN)
    if poller.poll(0):
        raise DisconnectionError("PostgreSQL sent data to an idle pooled connection (server restart or backend "
                                 "terminated)")


def _lock_file(database: str | None, uri: bool) -> str | None:
    """``<database>.writer-lock`` beside a database file; None for in-memory and temporary databases."""
    if not database or database == ":memory:" or uri or _fcntl is None:
        # In-memory and temporary databases belong to one process; URI filenames (``file:...?mode=memory``,
        # shared caches) are not parsed here and keep the in-process lock only.
        return None
    return os.path.realpath(database) + WRITER_LOCK_SUFFIX


class WriterLock:
    """SQLite's write lock taken ahead of SQLite: threads of a process queue on a ``threading.Lock``, processes
    on an advisory lock (``flock``) on a file beside the database, so a writer waits in the kernel and wakes as
    soon as the previous one commits, where SQLite's busy handler sleeps up to 100 ms between tries.

    One per process and database file (``writer_lock``): every engine of the process on that file shares it, and
    a forked child gets its own (``flock`` locks belong to the open file, which a child would share).
    """

    def __init__(self, path: str | None) -> None:
        self.path = path
        self.pid = os.getpid()
        self._threads = threading.Lock()
        self._fd: int | None = None

    def acquire(self, timeout: float) -> bool:
        """False when another thread of this process kept it for ``timeout`` seconds (it may be the caller,
        through another connection); the process lock has no timeout: its holder is inside a transaction."""
        if not self._threads.acquire(timeout=timeout):
            return False
        if self.path is None or _fcntl is None:
            return True
        try:
            if self._fd is None:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
            _fcntl.flock(self._fd, _fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise
        return True

    def release(self) -> None:
        # The file first: released the other way round, the next thread of this process would "take" the flock
        # this process still holds (same open file), and then lose it to this unlock.
        try:
            if self._fd is not None and _fcntl is not None:
                _fcntl.flock(self._fd, _fcntl.LOCK_UN)
        finally:
            self._threads.release()


_writer_locks: dict[str, WriterLock] = {}
_writer_locks_guard = threading.Lock()


def writer_lock(path: str | None) -> WriterLock:
    """This process's lock for the database whose lock file is ``path`` (None: one lock per engine)."""
    if path is None:
        return WriterLock(None)
    with _writer_locks_guard:
        lock = _writer_locks.get(path)
        if lock is None or lock.pid != os.getpid():
            lock = _writer_locks[path] = WriterLock(path)
        return lock


def _configure_sqlite(engine: Engine, synchronous: str, lock_path: str | None) -> None:
    # One writer at a time, before SQLite's own lock: threads and processes then queue on locks that wake the next
    # writer as soon as the previous one commits, instead of polling SQLite's busy handler (sleeps of up to 100 ms
    # each, which gave the inbound AS2 benchmark its p99 with two server processes). See WriterLock.
    local = writer_lock(None) if lock_path is None else None

    def current() -> WriterLock:
        # Looked up per transaction: after a fork, the child must not use the lock objects of its parent.
        return local if local is not None else writer_lock(lock_path)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module so do_begin below decides.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.close()

    # Transactions begin, commit and roll back in the dialect: SQLAlchemy calls these with the pool's proxied
    # connection (its ``info`` outlives the checkout), from its own begin/commit/rollback and from the pool's reset,
    # and wraps their errors like a statement's; the sqlite3 calls cost microseconds where a statement through the
    # Connection costs about a hundred (two BEGIN and two COMMIT per inbound AS2 message).
    dialect: Any = engine.dialect

    def do_begin(dbapi_connection: Any) -> None:
        # Every transaction takes the write lock up front: a deferred transaction that reads and then writes
        # can fail with SQLITE_BUSY at once under WAL, while IMMEDIATE waits (busy_timeout) and then runs alone.
        # This is what makes control numbers and job claims safe on SQLite (threads and processes).
        # A thread that already holds the lock through another connection must not wait on itself forever:
        # after the busy timeout it goes on to SQLite's own wait, which fails the way it always did.
        info = _info(dbapi_connection)
        if not info.get(_HOLDS_WRITER):
            lock = current()
            if lock.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
                info[_HOLDS_WRITER] = lock
        try:
            dbapi_connection.execute("BEGIN IMMEDIATE")
        except BaseException:
            _release(info)
            raise

    def do_commit(dbapi_connection: Any) -> None:
        # Let go after the COMMIT (sqlite3 issues it: a transaction is open), so the next writer never meets this
        # commit's fsync in SQLite's busy handler. A failed COMMIT keeps the lock until the rollback that follows.
        dbapi_connection.commit()
        _release(_info(dbapi_connection))

    def do_rollback(dbapi_connection: Any) -> None:
        try:
            dbapi_connection.rollback()
        finally:
            _release(_info(dbapi_connection))

    def _info(dbapi_connection: Any) -> dict[Any, Any]:
        try:
            return dbapi_connection.info  # type: ignore[no-any-return]
        except NotImplementedError:  # the dialect's first connect: an ad hoc connection, which never holds the lock
            return {}

    def _release(info: dict[Any, Any]) -> None:
        lock = info.pop(_HOLDS_WRITER, None)
        if lock is not None:
            lock.release()

    def _release_record(_dbapi_connection: Any, record: Any, *_args: Any) -> None:
        # A connection checked in or invalidated while holding the lock (no COMMIT/ROLLBACK) lets it go.
        if record is not None:
            _release(record.info)

    dialect.do_begin, dialect.do_commit, dialect.do_rollback = do_begin, do_commit, do_rollback
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
