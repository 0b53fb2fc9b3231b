"""Control numbers: atomic under concurrent transactions on both backends, never reused, no gaps from rollbacks."""

from __future__ import annotations

import threading

import pytest

from gateway.errors import StoreError
from gateway.store import control
from gateway.store.enums import ControlLevel, Direction

OUT, ISA, GS = Direction.OUTBOUND, ControlLevel.ISA13, ControlLevel.GS06


def test_numbers_count_up_per_partner_direction_and_level(store) -> None:
    with store.transaction() as session:
        assert [control.next_control_number(session, "amazon", OUT, ISA) for _ in range(3)] == [1, 2, 3]
        assert control.next_control_number(session, "amazon", OUT, GS) == 1
        assert control.next_control_number(session, "walmart", OUT, ISA) == 1
        assert control.next_control_number(session, "amazon", Direction.INBOUND, ISA) == 1
        assert control.current_control_number(session, "amazon", OUT, ISA) == 3
        assert control.current_control_number(session, "nobody", OUT, ISA) == 0


def test_rolled_back_allocation_leaves_no_gap(store) -> None:
    with store.transaction() as session:
        assert control.next_control_number(session, "amazon", OUT, ISA) == 1
    with pytest.raises(RuntimeError), store.transaction() as session:
        assert control.next_control_number(session, "amazon", OUT, ISA) == 2
        raise RuntimeError("the X12 could not be stored")
    with store.transaction() as session:
        assert control.next_control_number(session, "amazon", OUT, ISA) == 2


def test_raise_never_lowers_and_exhaustion_is_an_error(store) -> None:
    with store.transaction() as session:
        assert control.raise_control_number(session, "amazon", OUT, ISA, 500) == 500
        assert control.raise_control_number(session, "amazon", OUT, ISA, 10) == 500
        assert control.next_control_number(session, "amazon", OUT, ISA) == 501
        control.raise_control_number(session, "amazon", OUT, GS, control.MAX_CONTROL_NUMBER)
        with pytest.raises(StoreError, match="exhausted.*amazon"):
            control.next_control_number(session, "amazon", OUT, GS)


def test_concurrent_allocations_never_duplicate_and_leave_no_gaps(store) -> None:
    threads, per_thread = 6, 15
    results: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def allocate() -> None:
        try:
            start.wait()
            for _ in range(per_thread):
                # Each allocation in its own transaction, as the pipeline does.
                with store.transaction() as session:
                    value = control.next_control_number(session, "amazon", OUT, ISA)
                with lock:
                    results.append(value)
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)

    workers = [threading.Thread(target=allocate) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert not errors, errors
    assert sorted(results) == list(range(1, threads * per_thread + 1))


def _allocate_in_process(url: str, count: int, queue) -> None:  # pragma: no cover - runs in a child process
    from gateway.store import Store, control
    from gateway.store.enums import ControlLevel, Direction

    store = Store.from_url(url)
    values = []
    for _ in range(count):
        with store.transaction() as session:
            values.append(control.next_control_number(session, "amazon", Direction.OUTBOUND, ControlLevel.ST02))
    store.dispose()
    queue.put(values)


@pytest.mark.slow
def test_concurrent_processes_never_duplicate(migrated_url: str) -> None:
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    processes = [context.Process(target=_allocate_in_process, args=(migrated_url, 20, queue)) for _ in range(3)]
    for process in processes:
        process.start()
    values = [v for _ in processes for v in queue.get(timeout=60)]
    for process in processes:
        process.join(timeout=30)
        assert process.exitcode == 0
    assert sorted(values) == list(range(1, 61))
