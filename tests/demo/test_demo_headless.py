"""`acorn demo` headless: the full order cycle lands in the store, and a second run continues with the same data."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.demo.progress import cycle_report
from gateway.demo.setup import DEMO_PASSWORD, DEMO_USER, PARTNER, DemoState
from gateway.store import Store, auth, stats
from tests.deploy.net import free_ports

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def _command(data_dir: Path, ports: list[int], *options: str) -> list[str]:
    gateway, retailer, internal = ports
    acorn = Path(sys.executable).with_name("acorn")
    return [str(acorn), "demo", "--data-dir", str(data_dir), "--port", str(gateway), "--retailer-port",
            str(retailer), "--internal-port", str(internal), *options]


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("ACORN_")}


def _demo(data_dir: Path, orders: int) -> subprocess.CompletedProcess[str]:
    command = _command(data_dir, free_ports(3), "--orders", str(orders), "--interval", "1", "--duration", "120")
    return subprocess.run(command, env=_env(), cwd=data_dir.parent, capture_output=True, text=True, timeout=240)


def _check_store(data_dir: Path, orders: int) -> None:
    store = Store.from_url(f"sqlite:///{data_dir / 'acorn.db'}")
    try:
        report = cycle_report(store, PARTNER)
        with store.transaction() as session:
            traffic = stats.partner_traffic(session, PARTNER)
            assert auth.verify_user(session, DEMO_USER, DEMO_PASSWORD) is not None  # the login the terminal prints
    finally:
        store.dispose()
    assert report.open_items == []
    assert len(report.orders) == orders == len(set(report.orders))
    for po in report.orders:  # 850 in; 855, 856 and 810 out, each answered by the retailer's 997
        assert report.replies[po] == {"855": "acknowledged", "856": "acknowledged", "810": "acknowledged"}
    # Every document of an order carries its PO number, so the monitor's order chain shows the whole cycle.
    assert all(d.po_number in report.orders for d in traffic.documents if str(d.doc_type) != "997")
    by_type: dict[tuple[str, str], int] = {}
    for document in traffic.documents:
        key = (str(document.doc_type), str(document.direction))
        by_type[key] = by_type.get(key, 0) + 1
    assert by_type == {("850", "inbound"): orders, ("997", "outbound"): orders, ("855", "outbound"): orders,
                       ("856", "outbound"): orders, ("810", "outbound"): orders}
    # AS2 in: each 850 and the retailer's three 997s; out: our 997 and the three replies. Every one has its MDN.
    assert traffic.messages == {("inbound", "processed"): 4 * orders, ("outbound", "mdn_received"): 4 * orders}
    assert traffic.mdns == {("outbound", "sent"): 4 * orders, ("inbound", "received"): 4 * orders}


def test_demo_runs_the_full_cycle_and_continues(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = _demo(data_dir, 2)
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-4000:]
    assert "every order cycle is complete" in first.stdout
    assert "login demo / demo" in first.stdout and "curl -sS -X POST" in first.stdout
    _check_store(data_dir, 2)
    state = DemoState.load(data_dir / "demo" / "state.json")
    keys = sorted(p.name for p in (data_dir / "dev-keys").iterdir())

    second = _demo(data_dir, 1)
    assert second.returncode == 0, second.stdout[-4000:] + second.stderr[-4000:]
    _check_store(data_dir, 3)  # the earlier orders are still there, the new one continued the PO numbers
    again = DemoState.load(data_dir / "demo" / "state.json")
    assert again.token == state.token and again.webhook_secret == state.webhook_secret
    assert again.next_po == state.next_po + 1
    assert sorted(p.name for p in (data_dir / "dev-keys").iterdir()) == keys
    assert json.loads((data_dir / "demo" / "state.json").read_text())["retailer_isa13"] > state.retailer_isa13


def test_ctrl_c_stops_everything(tmp_path: Path) -> None:
    data_dir, ports = tmp_path / "data", free_ports(3)
    process = subprocess.Popen(_command(data_dir, ports, "--interval", "600"), env=_env(), cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        seen = []
        for line in process.stdout:  # bounded by the test timeout
            seen.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, "".join(seen) + rest
    assert "stopping the simulators, the worker and the gateway" in rest
    for port in ports:  # the gateway (a child process) and both simulators are gone
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still answers"
