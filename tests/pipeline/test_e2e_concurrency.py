"""Two ``acorn worker`` processes share one queue: every outbound document is sent once, no control number twice."""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from crash_support import variant_810
from loopback import CountingReceiver, wait_for
from processes import environment, worker
from wiring_support import SECRET_ENV, WEBHOOK_SECRET, settings_for, write_partners

from gateway.pipeline import outbound
from gateway.pipeline.runtime import build_runtime
from gateway.store.enums import JobStatus


@pytest.mark.timeout(400)
def test_two_workers_send_every_document_once(
    tmp_path: Path, migrated_url: str, db_backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PostgreSQL is the multi-worker store: 1,000 documents there; a lighter run (50) shows the same on SQLite.
    count = 1000 if db_backend == "postgresql" else 50
    monkeypatch.setenv(SECRET_ENV, WEBHOOK_SECRET)
    # Plain AS2 without an MDN to a receiver that counts every POST: this test is about the queue and control
    # numbers (a repeated POST would show here, where an AS2 partner would hide it behind its Message-ID check);
    # the crash and end-to-end tests cover signed and encrypted traffic and MDNs.
    with CountingReceiver() as partner:
        partners_dir = write_partners(tmp_path / "ours", as2_url=partner.url, plain=True, mdn_mode="none")
        settings = settings_for(tmp_path / "ours", migrated_url, partners_dir)
        runtime = build_runtime(settings)
        try:
            with ThreadPoolExecutor(4) as submitters:  # the JSON bridge's requests arrive in parallel too
                list(submitters.map(lambda n: outbound.submit(runtime, "amazon", "810", variant_810(n), f"inv-{n}"),
                              range(1, count + 1)))
            queue = runtime.queue
            env = environment(settings, **{SECRET_ENV: WEBHOOK_SECRET})
            # A long lease: this test is about two live workers competing for the queue, not about recovery.
            pool = [worker(env, n, tmp_path, lease=300, batch=10) for n in range(2)]
            started = time.monotonic()
            for process in pool:
                process.start()
            try:
                def drained() -> bool:
                    for process in pool:
                        assert process.alive, f"{process.name} exited:\n{process.log_tail()}"
                    counts = queue.counts()
                    assert not counts.get(JobStatus.DEAD.value), f"dead jobs: {counts}"
                    return set(counts) == {JobStatus.DONE.value}

                wait_for(drained, 330, f"{count} documents prepared and sent by two workers", step=0.5)
            finally:
                for process in pool:
                    process.stop()
            elapsed = time.monotonic() - started
            documents = [runtime.store.get_document(d) for d in _outbound_ids(runtime)]
        finally:
            runtime.close()

    assert len(documents) == count
    assert Counter(d.status.value for d in documents) == Counter({"sent": count})
    # Every document POSTed exactly once, under its own ISA13 and its own AS2 Message-ID.
    assert partner.isa13 == Counter({d.isa13 or "": 1 for d in documents})
    assert len(partner.message_ids) == count and set(partner.message_ids.values()) == {1}
    for level, values in (("ISA13", [d.isa13 for d in documents]), ("GS06", [d.gs06 for d in documents]),
                          ("ST02", [d.st02 for d in documents])):
        assert len(set(values)) == count, f"{level} reused"
    assert sorted(int(d.isa13 or 0) for d in documents) == list(range(1, count + 1))  # no gaps either
    print(f"{count} documents through two workers in {elapsed:.1f} s")


def _outbound_ids(runtime: object) -> list[str]:
    from gateway.store.documents import DocumentFilter, search_documents
    from gateway.store.enums import Direction

    store = runtime.database  # type: ignore[attr-defined]
    ids: list[str] = []
    with store.transaction() as session:
        cursor = None
        while True:
            page = search_documents(session, DocumentFilter(direction=Direction.OUTBOUND), cursor=cursor, limit=500)
            ids.extend(d.id for d in page.items)
            cursor = page.next_cursor
            if cursor is None:
                return ids
