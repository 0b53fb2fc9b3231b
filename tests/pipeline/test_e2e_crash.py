"""Crash tests: ``acorn serve`` and ``acorn worker`` killed with SIGKILL while documents flow, then restarted.

Every inbound 850 the partner got a positive MDN for is delivered to the webhook under one document id (a
redelivery carries the same id), its 997 reaches the partner once; every 810 accepted by the bridge reaches the
partner exactly once; control numbers are never reused. Loopback only; bounded by message count and kill count.
"""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import pytest
from crash_support import Chaos, PartnerView, in_threads, submit_until_accepted, variant_850
from loopback import PartnerSim, WebhookReceiver, free_port, wait_for
from processes import environment, server, wait_ready, worker
from wiring_support import SECRET_ENV, WEBHOOK_SECRET, settings_for, write_partners

from gateway.pipeline.statuses import DocumentStatus
from gateway.store import Store
from gateway.store.auth import create_token
from gateway.store.documents import DocumentFilter, search_documents
from gateway.store.enums import Direction, Role


def _outbound_control_numbers(store: Store) -> tuple[list[tuple[str | None, str | None, str | None]], Counter[str]]:
    rows, statuses = [], Counter[str]()
    with store.transaction() as session:
        cursor = None
        while True:
            page = search_documents(session, DocumentFilter(partner_id="amazon", direction=Direction.OUTBOUND),
                                    cursor=cursor, limit=500)
            for doc in page.items:
                rows.append((doc.isa13, doc.gs06, doc.st02))
                if doc.doc_type.value == "810":
                    statuses[doc.status.value] += 1
            cursor = page.next_cursor
            if cursor is None:
                return rows, statuses


@pytest.mark.timeout(420)
def test_kill_serve_and_workers_while_documents_flow(
    tmp_path: Path, migrated_url: str, db_backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two workers on PostgreSQL (one dies while the other runs); SQLite serves a single worker process.
    workers = 2 if db_backend == "postgresql" else 1
    inbound_count, outbound_count, max_kills = 12, 12, 6
    monkeypatch.setenv(SECRET_ENV, WEBHOOK_SECRET)
    store = Store.from_url(migrated_url)
    with store.transaction() as session:
        _, token = create_token(session, name="crash-test", role=Role.INTEGRATION, partner_id="amazon")
    port = free_port()
    with WebhookReceiver() as hooks, PartnerSim(tmp_path / "partner", f"http://127.0.0.1:{port}/as2") as partner:
        partners_dir = write_partners(tmp_path / "ours", webhook_url=hooks.url, as2_url=partner.url)
        env = environment(settings_for(tmp_path / "ours", migrated_url, partners_dir),
                          **{SECRET_ENV: WEBHOOK_SECRET})
        serve = server(env, port, tmp_path)
        pool = [worker(env, n, tmp_path) for n in range(workers)]
        processes = [serve, *pool]
        try:
            for process in processes:
                process.start()
            wait_ready(f"http://127.0.0.1:{port}", serve)
            chaos = Chaos(processes, max_kills=max_kills)
            chaos_thread = threading.Thread(target=chaos.run, daemon=True)
            chaos_thread.start()
            base = f"http://127.0.0.1:{port}"
            try:
                in_threads(
                    lambda: [partner.send_until_accepted(variant_850(n)) for n in range(1, inbound_count + 1)],
                    lambda: [submit_until_accepted(base, token, n) for n in range(1, outbound_count + 1)],
                )
                # Accepting can end before the first kill (0.5-2 s in) on a fast run: the chaos goes on until the
                # server and a worker have each died once, while the accepted documents are still being processed.
                wait_for(lambda: len(chaos.kills) >= 2, 30, "the chaos thread to kill the server and a worker",
                         step=0.1)
            finally:
                chaos.stop.set()
                chaos_thread.join(timeout=30)
            for process in processes:
                if not process.alive:
                    process.start()

            def settled() -> bool:
                view = PartnerView.of(partner.received())
                return (len(hooks.counts) >= inbound_count and sum(view.invoices.values()) >= outbound_count
                        and sum(view.acknowledged_gs06.values()) >= inbound_count)

            wait_for(settled, 240, "every document delivered and sent after the kills", step=0.5)
            wait_for(lambda: _outbound_control_numbers(store)[1].get(DocumentStatus.MDN_RECEIVED.value, 0)
                     == outbound_count, 60, "every 810 at mdn_received", step=0.5)
        finally:
            for process in processes:
                process.stop()
        assert chaos.kills, "the chaos thread killed nothing"

        # Inbound: one document id per accepted 850, each purchase order under exactly one id.
        assert hooks.bad_signatures == 0
        ids_by_po: dict[str, set[str]] = {}
        for envelope in hooks.received:
            ids_by_po.setdefault(envelope["data"]["purchaseOrderNumber"], set()).add(envelope["id"])
        assert sorted(ids_by_po) == [f"PO{n:08d}" for n in range(1, inbound_count + 1)]
        assert all(len(ids) == 1 for ids in ids_by_po.values()), ids_by_po
        assert len(hooks.counts) == inbound_count

        # Outbound: each 810 and each of our 997s reached the partner exactly once.
        view = PartnerView.of(partner.received())
        assert view.invoices == Counter({f"INV{n:06d}": 1 for n in range(1, outbound_count + 1)})
        assert view.acknowledged_gs06 == Counter({str(n): 1 for n in range(1, inbound_count + 1)})
        assert all(count == 1 for count in view.isa13.values()), view.isa13

        # Control numbers: never handed out twice (810s and 997s share the partner's counters).
        rows, statuses = _outbound_control_numbers(store)
        store.dispose()
        assert statuses == Counter({DocumentStatus.MDN_RECEIVED.value: outbound_count})
        for level, values in zip(("ISA13", "GS06", "ST02"), zip(*rows, strict=True), strict=True):
            assert None not in values and len(set(values)) == len(values), f"{level} reused: {Counter(values)}"
        print(f"kills: {Counter(chaos.kills)}; webhook pushes {sum(hooks.counts.values())} for "
              f"{len(hooks.counts)} documents")
