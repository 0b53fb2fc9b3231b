"""A stream of documents through ``acorn serve`` and ``acorn worker`` subprocesses, and a chaos thread killing them."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from processes import Process
from wiring_support import golden_850, invoice_810

from gateway.x12.ack_parse import parse_acknowledgements
from gateway.x12.reader import read


def variant_850(n: int) -> bytes:
    """The golden 850 with its own ISA13, GS06, ST02 and purchase order number ``PO<n>``."""
    text = golden_850()
    for old, new in (
        (b"*000000101*", f"*{n:09d}*".encode()), (b"*1030*101*X*", f"*1030*{n}*X*".encode()),
        (b"ST*850*0101~", f"ST*850*{n:04d}~".encode()), (b"SE*11*0101~", f"SE*11*{n:04d}~".encode()),
        (b"GE*1*101~", f"GE*1*{n}~".encode()), (b"IEA*1*000000101~", f"IEA*1*{n:09d}~".encode()),
        (b"4500012345", f"PO{n:08d}".encode()),
    ):
        assert old in text, old
        text = text.replace(old, new)
    return text


def variant_810(n: int) -> dict[str, Any]:
    data = invoice_810()
    data["invoiceNumber"] = f"INV{n:06d}"
    return data


def submit_until_accepted(base_url: str, token: str, n: int, timeout: float = 180) -> str:
    """POST one 810 through the JSON bridge until it is committed; a retry reuses the Idempotency-Key."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            response = httpx.post(f"{base_url}/api/v1/documents/810", timeout=30,
                                  json={"partner": "amazon", "document": variant_810(n)},
                                  headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"inv-{n}"})
        except httpx.HTTPError:
            time.sleep(0.3)
            continue
        if response.status_code in (200, 201, 202):
            return str(response.json()["id"])
        assert response.status_code >= 500, response.text
        time.sleep(0.3)
    raise AssertionError(f"810 number {n} not accepted within {timeout} s")


@dataclass
class Chaos:
    """SIGKILLs a process every ``interval`` seconds (random), restarts it, ``max_kills`` times.

    ``processes[0]`` is the server, the rest are workers; kills alternate between the two kinds.
    """

    processes: list[Process]
    max_kills: int
    interval: tuple[float, float] = (0.5, 2.0)
    seed: int = 5
    kills: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        rng = random.Random(self.seed)
        while not self.stop.is_set() and len(self.kills) < self.max_kills:
            if self.stop.wait(rng.uniform(*self.interval)):
                break
            # Alternate between the server (first) and a random worker, so both kinds die in every run.
            victim = self.processes[0] if len(self.kills) % 2 == 0 else rng.choice(self.processes[1:])
            victim.kill()
            self.kills.append(victim.name)
            time.sleep(rng.uniform(0.0, 0.5))
            victim.start()


def in_threads(*jobs: Callable[[], object]) -> list[Any]:
    """Run callables in parallel threads; re-raise the first failure."""
    results: list[Any] = [None] * len(jobs)
    errors: list[BaseException] = []

    def run(i: int, job: Callable[[], object]) -> None:
        try:
            results[i] = job()
        except BaseException as exc:  # reported to the test below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, job), daemon=True) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


@dataclass
class PartnerView:
    """What the partner received from us, read from its payloads: our 810s and 997s by control number."""

    invoices: Counter[str] = field(default_factory=Counter)  # BIG02
    isa13: Counter[str] = field(default_factory=Counter)
    acknowledged_gs06: Counter[str] = field(default_factory=Counter)  # AK102 of our 997s

    @classmethod
    def of(cls, payloads: list[bytes]) -> PartnerView:
        view = cls()
        for payload in payloads:
            for ic in read(payload):
                view.isa13[ic.control_number] += 1
                for group in ic.groups:
                    for tset in group.transaction_sets:
                        if tset.code == "810":
                            big = next(s for s in tset.segments if s.id == "BIG")
                            view.invoices[big[2]] += 1
                for ack in parse_acknowledgements(ic).groups:
                    view.acknowledged_gs06[ack.control_number] += 1
        return view
