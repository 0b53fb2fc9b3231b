"""Two `acorn serve` and two `acorn worker` processes share one PostgreSQL: nothing lost, duplicated or unmatched.

Node 1 is gateway-1 + worker-1, node 2 is gateway-2 + worker-2; each node's partner profile asks the retailer for
asynchronous MDNs at the OTHER node's /as2, so every outbound message's MDN arrives at a node that did not send it.
The simulated retailer and ERP (gateway.demo) send to both gateways in turn.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.demo import processes, setup
from gateway.demo.internal import InternalSystem
from gateway.demo.progress import cycle_report
from gateway.demo.retailer import Retailer, retailer_view
from gateway.store import Store, stats
from gateway.store.columns import utc_now
from tests.deploy.net import free_ports

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]
ORDERS = 4
SETTLE_SECONDS = 90


def _log_lines(path: Path) -> Iterator[dict[str, object]]:
    """Every line `acorn serve` / `acorn worker` wrote: one JSON object each (json.loads fails the test if not)."""
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.strip():
            record = json.loads(line)
            assert {"time", "level", "logger", "event"} <= set(record), line
            yield record


def _message_ids(log: Path, stage: str, event_prefix: str = "") -> set[str]:
    return {
        str(r["message_id"]) for r in _log_lines(log)
        if r.get("stage") == stage and str(r.get("event", "")).startswith(event_prefix) and r.get("message_id")
    }


@pytest.mark.parametrize("db_backend", ["postgresql"])
def test_two_gateways_and_two_workers_share_one_database(migrated_url: str, tmp_path: Path) -> None:
    *gateway_ports, retailer_port, internal_port = free_ports(4)
    urls = [f"http://127.0.0.1:{port}" for port in gateway_ports]
    ports = setup.Ports(gateway=gateway_ports[0], retailer=retailer_port, internal=internal_port)
    prepared = setup.prepare(tmp_path / "data", ports, database_url=migrated_url)
    logs = tmp_path / "logs"
    children: list[processes.Child] = []
    lines: list[str] = []
    retailer = Retailer(
        retailer_view(prepared.retailer_key.key_pem, prepared.gateway_key.cert_pem, f"{urls[0]}/as2"),
        prepared.state, lambda: prepared.state.save(prepared.layout.state_file), lines.append,
        targets=[f"{url}/as2" for url in urls],
    )
    internal = InternalSystem(urls, prepared.state.token, prepared.state.webhook_secret, lines.append, pause=0.2)
    store = Store.from_url(migrated_url)
    try:
        retailer.start(retailer_port)
        internal.start(internal_port)
        for node, port in enumerate(gateway_ports, start=1):
            other = urls[2 - node]  # node 1 -> gateway-2, node 2 -> gateway-1
            layout = setup.DemoLayout(tmp_path / f"node{node}")
            setup.write_partner(
                layout, setup.bundled_partners_dir(), ports, prepared.gateway_key,
                prepared.retailer_key, mdn={"mode": "async", "signed": True, "async_url": f"{other}/as2"},
            )
            env = {**prepared.environment(), "ACORN_PARTNERS_DIR": str(layout.partners_dir)}
            gateway = processes.start(f"gateway-{node}", ["serve", "--port", str(port)], env, logs)
            children.append(gateway)
            processes.wait_ready(gateway, f"{urls[node - 1]}/health/ready", 60)
            children.append(processes.start(f"worker-{node}", ["worker", "--poll", "0.2", "--batch", "1"], env, logs))
        for _ in range(ORDERS):
            retailer.send_order()
        deadline = time.monotonic() + SETTLE_SECONDS
        while time.monotonic() < deadline:
            report = cycle_report(store, setup.PARTNER)
            if report.complete(ORDERS):
                break
            time.sleep(1)
    finally:
        for child in reversed(children):
            child.stop()
        internal.stop()
        retailer.stop()
    try:
        report = cycle_report(store, setup.PARTNER)
        with store.transaction() as session:
            traffic = stats.partner_traffic(session, setup.PARTNER)
            waiting, dead = stats.job_queues(session, utc_now()), stats.dead_jobs(session)
    finally:
        store.dispose()
    tails = "\n".join(f"--- {c.name}\n{c.tail(15)}" for c in children)
    assert report.open_items == [], f"{report.open_items}\n{lines[-20:]}\n{tails}"

    # Nothing lost or duplicated: one 850 per order, one 855/856/810 each, all acknowledged by the retailer.
    assert sorted(report.orders) == sorted(set(report.orders)) and len(report.orders) == ORDERS
    assert all(set(r.values()) == {"acknowledged"} and len(r) == 3 for r in report.replies.values())
    kinds = Counter((str(d.doc_type), str(d.direction)) for d in traffic.documents)
    assert kinds == {("850", "inbound"): ORDERS, ("997", "outbound"): ORDERS, ("855", "outbound"): ORDERS,
                     ("856", "outbound"): ORDERS, ("810", "outbound"): ORDERS}
    outbound_isa13 = [d.isa13 for d in traffic.documents if str(d.direction) == "outbound"]
    assert len(set(outbound_isa13)) == len(outbound_isa13) == 4 * ORDERS  # control numbers never reused
    # Every AS2 message matched: 4 per order each way, one MDN each, none extra.
    assert traffic.messages == {("inbound", "processed"): 4 * ORDERS, ("outbound", "mdn_received"): 4 * ORDERS}
    assert traffic.mdns == {("outbound", "sent"): 4 * ORDERS, ("inbound", "received"): 4 * ORDERS}
    assert waiting == [] and dead == 0  # no work left behind (MDN deadline checks stay scheduled for later)
    # Each side saw exactly what was sent: one webhook per 850, three documents and three 997s per order.
    assert internal.counts["850 received"] == ORDERS and internal.counts["webhook refused"] == 0
    assert retailer.counts["mdn ok"] == retailer.counts["850 sent"] + retailer.counts["997 sent"] == 4 * ORDERS
    assert retailer.counts["async mdn sent"] == 4 * ORDERS
    # The async MDN of every message a node's worker sent arrived at the other node's gateway and matched there.
    sent = {node: _message_ids(logs / f"worker-{node}.log", "as2.send") for node in (1, 2)}
    matched = {node: _message_ids(logs / f"gateway-{node}.log", "as2.mdn_received", "MDN ") for node in (1, 2)}
    assert sent[1] and sent[2], "one worker sent nothing: the test did not exercise both nodes"
    assert sent[1] == matched[2] and sent[2] == matched[1]
    assert len(sent[1] | sent[2]) == 4 * ORDERS and not sent[1] & sent[2]
    for child in children:  # JSON logs throughout, from gateways and workers alike
        assert sum(1 for _ in _log_lines(child.log_path)) > 0
