"""Run the demo: setup, gateway and worker processes, both simulators, orders on a timer, a clean stop."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from gateway.demo import processes, setup
from gateway.demo.internal import InternalSystem
from gateway.demo.progress import CycleReport, cycle_report
from gateway.demo.retailer import Retailer, retailer_view
from gateway.errors import AcornError
from gateway.store import Store

Say = Callable[[str], None]
READY_TIMEOUT = 90.0


@dataclass(frozen=True, slots=True)
class DemoOptions:
    data_dir: Path
    ports: setup.Ports
    orders: int | None = None  # stop sending after this many (None: one every ``interval`` until stopped)
    interval: float = 20.0  # seconds between orders
    duration: float | None = None  # headless: stop after this many seconds (or earlier once every cycle is done)
    bundled_partners: Path | None = None


def banner(prepared: setup.Prepared) -> str:
    """Where to look, and how to send one's own document."""
    url = prepared.ports.gateway_url()
    token = prepared.state.token
    return f"""
Acorn demo is running (data in {prepared.layout.data_dir}).

  Monitor   {url}/            login {setup.DEMO_USER} / {setup.DEMO_PASSWORD}
  API docs  {url}/docs        JSON bridge under {url}/api/v1
  Metrics   {url}/metrics     (needs an analyst or admin token)
  Logs      {prepared.layout.logs_dir}/gateway.log, worker.log

A simulated retailer (AS2 ID {setup.RETAILER_AS2_ID}, port {prepared.ports.retailer}) sends 850s; a simulated ERP
(port {prepared.ports.internal}) receives them by webhook and answers with an 855, an 856 and an 810.

Send your own 855 for the demo partner:

  curl -sS -X POST {url}/api/v1/documents/855 \\
    -H "Authorization: Bearer {token}" \\
    -H "Content-Type: application/json" -H "Idempotency-Key: my-855-1" \\
    -d '{{"partner": "amazon", "document": {{"purchaseOrderNumber": "{setup.FIRST_PO}",
         "acknowledgementCode": "AcceptedNoChanges", "acknowledgementDate": "2026-01-11", "items": []}}}}'

Press Ctrl-C to stop; the next `acorn demo` continues with the same data.
"""


def _listen(what: str, option: str, port: int, start: Callable[[int], None]) -> None:
    try:
        start(port)
    except OSError as exc:
        raise AcornError(f"{what} cannot listen on 127.0.0.1:{port} ({exc.strerror}): choose another {option}") from exc


class Demo:
    """Owns every component; ``run`` returns the exit code (0: every cycle reconciled or stopped by the user)."""

    def __init__(self, options: DemoOptions, say: Say) -> None:
        self.options = options
        self.say = say
        self._stop = threading.Event()
        self.report = CycleReport()
        self.earlier_orders = 0  # orders already in the data directory when this run started

    def request_stop(self, *_: object) -> None:
        self._stop.set()

    def run(self) -> int:
        opts = self.options
        prepared = setup.prepare(opts.data_dir, opts.ports, bundled_partners=opts.bundled_partners)
        env, logs = prepared.environment(), prepared.layout.logs_dir
        url = opts.ports.gateway_url()
        children: list[processes.Child] = []
        retailer = Retailer(
            retailer_view(prepared.retailer_key.key_pem, prepared.gateway_key.cert_pem, f"{url}/as2"),
            prepared.state, lambda: prepared.state.save(prepared.layout.state_file), self.say,
        )
        internal = InternalSystem([url], prepared.state.token, prepared.state.webhook_secret, self.say)
        store = Store.from_url(prepared.settings.database_url)
        try:
            _listen("the simulated retailer", "--retailer-port", opts.ports.retailer, retailer.start)
            _listen("the simulated ERP", "--internal-port", opts.ports.internal, internal.start)
            gateway = processes.start("gateway", ["serve", "--port", str(opts.ports.gateway)], env, logs)
            children.append(gateway)
            processes.wait_ready(gateway, f"{url}/health/ready", READY_TIMEOUT)
            children.append(processes.start("worker", ["worker", "--poll", "0.2"], env, logs))
            self.say(banner(prepared))
            self._loop(retailer, store)
        except AcornError as exc:
            self.say(f"demo: {exc}")
            return 1
        finally:
            # Simulators first, while the gateway still answers: the ERP finishes the submission in hand instead of
            # failing it against a closed port; what the worker has not sent yet waits in the queue for next time.
            self.say("demo: stopping the simulators, the worker and the gateway ...")
            internal.stop()
            retailer.stop()
            for child in reversed(children):
                child.stop()
            self.report = cycle_report(store, setup.PARTNER)
            store.dispose()
            self.say(f"demo: {self.report.line()}")
        if opts.orders is not None and not self.report.complete(self.earlier_orders + opts.orders):
            for item in self.report.open_items[:20]:
                self.say(f"demo: open: {item}")
            return 1
        return 0

    def _loop(self, retailer: Retailer, store: Store) -> None:
        opts = self.options
        started, sent, next_order = time.monotonic(), 0, time.monotonic()
        last_line = ""
        self.earlier_orders = len(cycle_report(store, setup.PARTNER).orders)
        while not self._stop.is_set():
            now = time.monotonic()
            if opts.duration is not None and now - started >= opts.duration:
                self.say("demo: --duration reached")
                return
            if (opts.orders is None or sent < opts.orders) and now >= next_order:
                try:
                    retailer.send_order()
                except AcornError as exc:
                    self.say(f"retailer  !! {exc}")
                sent += 1
                next_order = now + opts.interval
            report = cycle_report(store, setup.PARTNER)
            line = report.line()
            if line != last_line:
                self.say(f"demo: {line}")
                last_line = line
            if opts.orders is not None and sent >= opts.orders and report.complete(self.earlier_orders + sent):
                self.say("demo: every order cycle is complete")
                return
            self._stop.wait(1.0)


def run_demo(options: DemoOptions, say: Say) -> int:
    """Run until Ctrl-C / SIGTERM, ``--duration`` or every ``--orders`` cycle completing."""
    demo = Demo(options, say)
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def stop(signum: int, frame: FrameType | None) -> None:
        demo.request_stop()

    for sig in previous:
        signal.signal(sig, stop)
    try:
        return demo.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
