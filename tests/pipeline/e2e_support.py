"""One gateway under test with its surroundings: our app on a real port, a worker, the partner, the webhook receiver."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from loopback import AppServer, PartnerSim, WebhookReceiver
from wiring_support import SECRET_ENV, WEBHOOK_SECRET, settings_for, write_partners

from gateway.api.app import create_app
from gateway.api.policy import Role
from gateway.api.store_queries import build as build_queries
from gateway.pipeline.runtime import Runtime, build_runtime
from gateway.settings import Settings
from gateway.worker.backoff import Backoff
from gateway.worker.jobs import build_registry, periodic_tasks
from gateway.worker.registry import JobContext
from gateway.worker.runner import Runner, RunnerConfig
from gateway.x12 import writer
from gateway.x12.ack import ack_interchange
from gateway.x12.issues import Issue, Level
from gateway.x12.reader import read

FAST_BACKOFF = Backoff(base_seconds=0.2, cap_seconds=1.0, max_attempts=50)


@dataclass
class Gateway:
    settings: Settings
    server: AppServer
    partner: PartnerSim
    hooks: WebhookReceiver
    worker_runtime: Runtime
    token: str  # an integration token for partner amazon

    @property
    def runtime(self) -> Runtime:
        """The server's own runtime (built by the app's lifespan)."""
        runtime: Runtime = self.server.app.state.runtime
        return runtime

    def work_until(self, condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
        """Run an in-process worker (the real runner, registry and job queue) until ``condition`` holds."""
        context = JobContext(self.worker_runtime, "e2e-worker", self.worker_runtime.now)
        runner = Runner(self.worker_runtime.queue, build_registry(), context,
                        RunnerConfig(poll_seconds=0.05, recover_every_seconds=1, backoff=FAST_BACKOFF),
                        periodic=periodic_tasks())
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout} s waiting for {what}")
            if runner.run_once() == 0:
                time.sleep(0.05)

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        import httpx

        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return httpx.request(method, f"{self.server.url}{path}", headers=headers, timeout=30, **kwargs)


@contextmanager
def running_gateway(root: Path, database_url: str, monkeypatch: Any, **partner_options: Any) -> Iterator[Gateway]:
    """Our gateway on a loopback port, with the partner and the webhook receiver it talks to."""
    monkeypatch.setenv(SECRET_ENV, WEBHOOK_SECRET)
    with ExitStack() as stack:
        hooks = stack.enter_context(WebhookReceiver())
        partner = stack.enter_context(PartnerSim(root / "partner"))
        partners_dir = write_partners(root / "ours", webhook_url=hooks.url, as2_url=partner.url, **partner_options)
        settings = settings_for(root / "ours", database_url, partners_dir)
        server = stack.enter_context(AppServer(create_app(settings)))
        partner.our_as2_url = f"{server.url}/as2"
        worker_runtime = build_runtime(settings)
        stack.callback(worker_runtime.close)
        token = build_queries(worker_runtime).create_token(Role.INTEGRATION, "amazon", "e2e").token
        yield Gateway(settings, server, partner, hooks, worker_runtime, token)


def partner_997(x12: bytes, *, isa13: int, reject_st02: str | None = None) -> bytes:
    """The partner's 997 for an interchange we sent: accepting, or rejecting the set ``reject_st02``."""
    [ic] = read(x12)
    issues = []
    if reject_st02 is not None:
        group = ic.groups[0]
        issues.append(Issue(Level.TRANSACTION_SET, "5", "rejected by the partner's test", interchange=ic.control_number,
                            group=group.control_number, transaction_set=reject_st02,
                            transaction_set_code=group.transaction_sets[0].code))
    reply = ack_interchange(ic, issues, isa13=isa13, first_gs06=isa13, when=datetime.now(UTC))
    return writer.serialize(reply, ic.delimiters)
