"""Pipeline end to end on PostgreSQL: inbound 850s/s (AS2 in -> JSON at a webhook) and outbound 810s/s (JSON in
-> X12 over AS2 -> MDN received), with 1 and 2 ``acorn worker`` processes.

Setup per worker count: a fresh PostgreSQL database, ``acorn serve`` (one process) and N ``acorn worker``
subprocesses; the partner (AMAZON-SIM keys from certs.example, signed + encrypted AS2, signed sync MDNs) and the
webhook receiver run in this process on loopback. Inbound: COUNT 850s are built (signed, encrypted) before the
clock starts, then POSTed by 8 threads; the time runs until the webhook receiver holds all COUNT documents (each
850's 997 is sent back to the partner meanwhile). Outbound: COUNT 810s are POSTed to the JSON bridge by 8 threads;
the time runs until every one is ``mdn_received``.

Run: .venv/bin/python bench/pipeline.py --count 300 --workers 1 2
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "pipeline"))

from crash_support import submit_until_accepted, variant_850  # noqa: E402
from loopback import PartnerSim, WebhookReceiver, free_port, wait_for  # noqa: E402
from processes import environment, server, wait_ready, worker  # noqa: E402
from wiring_support import SECRET_ENV, WEBHOOK_SECRET, settings_for, write_partners  # noqa: E402

from gateway.as2 import OutboundMessage, build_message  # noqa: E402
from gateway.store import Store, upgrade  # noqa: E402
from gateway.store.auth import create_token  # noqa: E402
from gateway.store.documents import DocumentFilter, search_documents  # noqa: E402
from gateway.store.enums import DocType, DocumentStatus, Role  # noqa: E402

ADMIN_DSN = os.environ.get("ACORN_TEST_PG_DSN", "host=127.0.0.1 port=5432 user=postgres dbname=postgres")
THREADS = 8


def fresh_database() -> tuple[str, str]:
    name = f"acorn_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    info = psycopg.conninfo.conninfo_to_dict(ADMIN_DSN)
    user, host, port = info.get("user", "postgres"), info.get("host", "127.0.0.1"), info.get("port", 5432)
    url = f"postgresql+psycopg://{user}@{host}:{port}/{name}"
    upgrade(url)
    return name, url


def drop_database(name: str) -> None:
    with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def mdn_received(store: Store) -> int:
    with store.transaction() as session:
        where = DocumentFilter(doc_type=DocType.INVOICE_810, status=DocumentStatus.MDN_RECEIVED)
        total, cursor = 0, None
        while True:
            page = search_documents(session, where, cursor=cursor, limit=500)
            total += len(page.items)
            cursor = page.next_cursor
            if cursor is None:
                return total


def run(count: int, workers: int, root: Path) -> tuple[float, float]:
    os.environ[SECRET_ENV] = WEBHOOK_SECRET
    name, url = fresh_database()
    store = Store.from_url(url)
    with store.transaction() as session:
        _, token = create_token(session, name="bench", role=Role.INTEGRATION, partner_id="amazon")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    processes = []
    try:
        with WebhookReceiver() as hooks, PartnerSim(root / "partner", f"{base}/as2") as partner:
            partners_dir = write_partners(root / "ours", webhook_url=hooks.url, as2_url=partner.url)
            env = environment(settings_for(root / "ours", url, partners_dir), **{SECRET_ENV: WEBHOOK_SECRET})
            serve = server(env, port, root)
            processes = [serve, *[worker(env, n, root, lease=300) for n in range(workers)]]
            for process in processes:
                process.start()
            wait_ready(base, serve)

            messages = [build_message(partner.as2, variant_850(n), "po.x12", "application/edi-x12",
                                      now=datetime.now(UTC)) for n in range(1, count + 1)]

            def post(message: OutboundMessage) -> None:
                response = httpx.post(f"{base}/as2", content=message.body, headers=message.headers, timeout=120)
                assert response.status_code == 200, response.text

            started = time.monotonic()
            with ThreadPoolExecutor(THREADS) as pool:
                list(pool.map(post, messages))
            wait_for(lambda: len(hooks.counts) >= count, 1800, "every 850 at the webhook", step=0.1)
            inbound = count / (time.monotonic() - started)
            print(f"  {workers} worker(s): inbound {inbound:.1f} 850/s", flush=True)
            # Let the 997s drain before the outbound phase so both phases are measured apart.
            wait_for(lambda: len(partner.received()) >= count, 1800, "every 997 at the partner", step=0.5)

            started = time.monotonic()
            with ThreadPoolExecutor(THREADS) as pool:
                list(pool.map(lambda n: submit_until_accepted(base, token, n), range(1, count + 1)))
            wait_for(lambda: mdn_received(store) >= count, 1800, "every 810 at mdn_received", step=0.2)
            outbound = count / (time.monotonic() - started)
            return inbound, outbound
    finally:
        for process in processes:
            process.stop()
        store.dispose()
        drop_database(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=300, help="documents per direction")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker process counts to measure")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}; {args.count} documents per direction")
    print("| workers | inbound 850/s (AS2 in -> JSON delivered) | outbound 810/s (JSON in -> MDN received) |")
    print("|---|---|---|")
    for workers in args.workers:
        with tempfile.TemporaryDirectory() as tmp:
            inbound, outbound = run(args.count, workers, Path(tmp))
        print(f"| {workers} | {inbound:.1f} | {outbound:.1f} |", flush=True)


if __name__ == "__main__":
    main()
