"""SQLite's write lock shared by the processes using one database file (``<db>.writer-lock``, flock)."""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, text

from gateway.store import Store, make_engine
from gateway.store.engine import WRITER_LOCK_SUFFIX, writer_lock

ROUNDS = 150


def _engine_without_busy_wait(url: str) -> Engine:
    """An engine whose SQLite busy timeout is 0: any meeting of two writers at SQLite's lock fails at once."""
    engine = make_engine(url)

    @event.listens_for(engine, "connect")
    def _no_busy_wait(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout=0")

    return engine


def _writer(url: str, name: str, start: Any, rounds: int) -> None:
    engine = _engine_without_busy_wait(url)
    try:
        start.wait(30)
        for n in range(rounds):
            with engine.begin() as connection:
                # Read, then write what was read: lost updates or SQLITE_BUSY if the transactions overlapped.
                total = connection.execute(text("SELECT total FROM counter")).scalar_one()
                connection.execute(text("INSERT INTO log (writer, seen) VALUES (:w, :s)"), {"w": name, "s": n})
                connection.execute(text("UPDATE counter SET total = :t"), {"t": total + 1})
    finally:
        engine.dispose()


def _database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE counter (total INTEGER NOT NULL)"))
        connection.execute(text("INSERT INTO counter VALUES (0)"))
        connection.execute(text("CREATE TABLE log (writer TEXT NOT NULL, seen INTEGER NOT NULL)"))
    engine.dispose()
    return url


@pytest.mark.parametrize("method", ["spawn", "fork"])
def test_two_processes_write_without_ever_meeting_sqlites_lock(tmp_path: Path, method: str) -> None:
    url = _database(tmp_path)
    context = multiprocessing.get_context(method)
    start = context.Event()
    workers = [context.Process(target=_writer, args=(url, f"p{i}", start, ROUNDS)) for i in range(2)]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(120)
    # A writer that met the other at SQLite's lock died of "database is locked" (busy timeout 0): exit code 1.
    assert [worker.exitcode for worker in workers] == [0, 0]
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            assert connection.execute(text("SELECT total FROM counter")).scalar_one() == 2 * ROUNDS
            rows = connection.execute(text("SELECT writer, count(*) FROM log GROUP BY writer ORDER BY writer")).all()
        assert [tuple(row) for row in rows] == [("p0", ROUNDS), ("p1", ROUNDS)]
    finally:
        engine.dispose()


def _held_by_someone(lock_file: Path) -> bool:
    """Whether the flock is held (tried through a new open file, which conflicts even with this process's)."""
    fd = os.open(lock_file, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing the file drops a lock taken through it
    return False


def test_the_lock_file_is_held_from_begin_to_commit_and_rollback(tmp_path: Path) -> None:
    url = _database(tmp_path)
    lock_file = Path(str((tmp_path / "shared.db").resolve()) + WRITER_LOCK_SUFFIX)
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE counter SET total = total + 1"))
            assert _held_by_someone(lock_file)
        assert not _held_by_someone(lock_file)

        with pytest.raises(RuntimeError, match="abandoned"), engine.begin() as connection:
            connection.execute(text("UPDATE counter SET total = total + 100"))
            assert _held_by_someone(lock_file)
            raise RuntimeError("abandoned")
        assert not _held_by_someone(lock_file)

        with engine.begin() as connection:  # the rolled-back update is gone; the lock is free for this one
            assert connection.execute(text("SELECT total FROM counter")).scalar_one() == 1
    finally:
        engine.dispose()


def test_a_failed_statement_and_a_session_rollback_release_it(tmp_path: Path) -> None:
    url = _database(tmp_path)
    lock_file = Path(str((tmp_path / "shared.db").resolve()) + WRITER_LOCK_SUFFIX)
    store = Store.from_url(url)
    try:
        with pytest.raises(Exception, match="no such table"), store.transaction() as session:
            session.connection().execute(text("UPDATE missing SET x = 1"))
        assert not _held_by_someone(lock_file)

        session = store.session()
        session.connection().execute(text("UPDATE counter SET total = 5"))
        assert _held_by_someone(lock_file)
        session.close()  # no commit: the connection goes back to the pool, rolled back
        assert not _held_by_someone(lock_file)
    finally:
        store.dispose()


def test_a_writer_in_another_process_waits_for_the_commit(tmp_path: Path) -> None:
    url = _database(tmp_path)
    engine = make_engine(url)
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE counter SET total = 1000"))
            other = context.Process(target=_writer, args=(url, "late", start, 1))
            other.start()
            start.set()
            other.join(1.5)  # it cannot get in while this transaction is open; with busy timeout 0 it would fail
            assert other.exitcode is None
        other.join(60)
        assert other.exitcode == 0
        with engine.begin() as connection:
            assert connection.execute(text("SELECT total FROM counter")).scalar_one() == 1001
    finally:
        engine.dispose()


def _take_after_fork(path: str, queue: Any) -> None:
    started = time.monotonic()
    lock = writer_lock(path)
    got = lock.acquire(timeout=20)
    queue.put((got, time.monotonic() - started))
    lock.release()


def test_a_forked_child_gets_its_own_lock(tmp_path: Path) -> None:
    # Forked while this process holds the lock: the child shares neither the thread lock (held in the copy it
    # inherits) nor the open lock file (flock belongs to the open file, so the child would "hold" it too).
    path = str(tmp_path / ("x.db" + WRITER_LOCK_SUFFIX))
    lock = writer_lock(path)
    assert lock.acquire(timeout=1)
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_take_after_fork, args=(path, queue))
    try:
        child.start()
        time.sleep(1.0)
    finally:
        lock.release()
    got, waited = queue.get(timeout=30)
    child.join(30)
    assert got and child.exitcode == 0
    assert 0.8 < waited < 10  # waited for this process's release, not for a thread-lock timeout


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_in_memory_databases_keep_the_in_process_lock(tmp_path: Path, url: str, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            assert connection.execute(text("SELECT 1")).scalar_one() == 1
        with engine.begin() as connection:
            assert connection.execute(text("SELECT 2")).scalar_one() == 2
    finally:
        engine.dispose()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(WRITER_LOCK_SUFFIX)]
