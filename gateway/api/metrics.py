"""Prometheus exposition: a collector that reads the store at scrape time (no global registry)."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from gateway.pipeline.as2_context import As2Service
from gateway.pipeline.runtime import Runtime
from gateway.pipeline.statuses import Stage
from gateway.store import Session, stats

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_WINDOW = timedelta(hours=24)  # latency quantiles cover messages sent in this window
QUANTILES = (0.5, 0.9, 0.99, 1.0)


MessageCount = stats.DocumentCount  # one partner/type/direction/status count, as the store reports it


@dataclass(frozen=True, slots=True)
class CertificateExpiry:
    """Days until one partner certificate expires (negative once expired)."""

    partner: str
    usage: str
    fingerprint: str
    days: float


@dataclass(frozen=True, slots=True)
class LatencySummary:
    """Quantiles (1.0 is the maximum) of one partner's MDN or 997/999 latency over ``LATENCY_WINDOW``."""

    kind: str  # "mdn" or "functional_ack"
    partner: str
    count: int
    quantiles: dict[float, float]


@dataclass(slots=True)
class MetricsSnapshot:
    """Everything one scrape reports, read from the store and partner registry."""

    documents: list[MessageCount] = field(default_factory=list)
    queue_depth: dict[str, int] = field(default_factory=dict)
    oldest_pending_seconds: dict[str, float] = field(default_factory=dict)
    certificates: list[CertificateExpiry] = field(default_factory=list)
    latencies: list[LatencySummary] = field(default_factory=list)


def quantile(values: list[float], q: float) -> float:
    """Nearest-rank quantile of sorted ``values`` (q=1.0 is the maximum)."""
    rank = max(1, math.ceil(q * len(values)))
    return values[min(rank, len(values)) - 1]


def summarise(kind: str, samples: Iterable[stats.Latency]) -> list[LatencySummary]:
    """Per-partner quantiles of latency samples."""
    by_partner: dict[str, list[float]] = {}
    for sample in samples:
        by_partner.setdefault(sample.partner, []).append(sample.seconds)
    out = []
    for partner, values in sorted(by_partner.items()):
        values.sort()
        out.append(LatencySummary(kind, partner, len(values), {q: quantile(values, q) for q in QUANTILES}))
    return out


def own_certificates(runtime: Runtime, now: datetime) -> list[CertificateExpiry]:
    """Days to expiry of our own signing and decryption certificates, per partner profile that names them."""
    service = runtime.extras.get("as2")
    if not isinstance(service, As2Service):
        return []
    out = []
    for partner_id, partner in sorted(service.directory.partners.items()):
        for usage, pair in (("our signing", partner.signing_key), ("our decryption", partner.decryption_key)):
            if pair is None:
                continue
            asn1 = pair.certificate.asn1
            not_after: datetime = asn1["tbs_certificate"]["validity"]["not_after"].native
            fingerprint = hashlib.sha256(asn1.dump()).digest().hex(":").upper()
            days = round((not_after - now).total_seconds() / 86400, 3)
            out.append(CertificateExpiry(partner_id, usage, fingerprint, days))
    return out


def store_snapshot(session: Session, now: datetime) -> MetricsSnapshot:
    """Document counts, queue depths and ages, and latencies, read from the store in one session."""
    snapshot = MetricsSnapshot(
documents=stats.document_counts(session))
    kinds = stats.job_queues(session, now)
    starts = [q.oldest for q in kinds if q.oldest is not None]
    # "jobs" is every waiting job of any kind; each kind is also its own queue ("as2.send", "pipeline.deliver"...).
    every_job = stats.QueueStat("jobs", sum(q.depth for q in kinds), min(starts) if starts else None)
    for queue in (every_job, *kinds, stats.pull_queue_stat(session)):
        snapshot.queue_depth[queue.queue] = queue.depth
        if queue.oldest is not None:
            snapshot.oldest_pending_seconds[queue.queue] = max(0.0, (now - queue.oldest).total_seconds())
    snapshot.queue_depth["jobs_dead"] = stats.dead_jobs(session)
    since = now - LATENCY_WINDOW
    snapshot.latencies = [
        *summarise("mdn", stats.mdn_latencies(session, since)),
        *summarise("functional_ack", stats.ack_latencies(session, since, reconcile_stage=Stage.RECONCILE)),
    ]
    return snapshot


class StoreCollector(Collector):
    """Builds gauges from a fresh snapshot at every scrape."""

    def __init__(self, snapshot: Callable[[], MetricsSnapshot]) -> None:
        self._snapshot = snapshot

    def describe(self) -> list[Metric]:
        # Describing must not touch the database: registration happens at app start.
        return []

    def collect(self) -> Iterator[Metric]:
        snap = self._snapshot()
        docs = GaugeMetricFamily(
            "acorn_documents",
            "Documents by partner, transaction set, direction and status.",
            labels=["partner", "document_type", "direction", "status"],
        )
        for row in snap.documents:
            docs.add_metric([row.partner, row.document_type, row.direction, row.status], row.count)
        yield docs
        depth = GaugeMetricFamily("acorn_queue_depth", "Pending items per queue.", labels=["queue"])
        for queue, count in sorted(snap.queue_depth.items()):
            depth.add_metric([queue], count)
        yield depth
        oldest = GaugeMetricFamily(
            "acorn_queue_oldest_pending_age_seconds",
            "Age of the oldest pending item per queue.",
            labels=["queue"],
        )
        for queue, age in sorted(snap.oldest_pending_seconds.items()):
            oldest.add_metric([queue], age)
        yield oldest
        certs = GaugeMetricFamily(
            "acorn_certificate_days_to_expiry",
            "Days until a partner certificate expires.",
            labels=["partner", "usage", "fingerprint"],
        )
        for cert in snap.certificates:
            certs.add_metric([cert.partner, cert.usage, cert.fingerprint], cert.days)
        yield certs
        yield from _latency_families(snap.latencies)


_LATENCY_HELP = {
    "mdn": "Seconds from queueing an outbound AS2 message to storing the partner's MDN (last 24 h).",
    "functional_ack": "Seconds from sending an outbound document to recording the partner's 997/999 (last 24 h).",
}


def _latency_families(latencies: list[LatencySummary]) -> Iterator[Metric]:
    for kind, help_text in _LATENCY_HELP.items():
        values = GaugeMetricFamily(f"acorn_{kind}_latency_seconds", help_text, labels=["partner", "quantile"])
        counts = GaugeMetricFamily(
            f"acorn_{kind}_latency_samples", f"How many samples acorn_{kind}_latency_seconds covers.",
            labels=["partner"],
        )
        for summary in latencies:
            if summary.kind != kind:
                continue
            counts.add_metric([summary.partner], summary.count)
            for q, seconds in sorted(summary.quantiles.items()):
                values.add_metric([summary.partner, str(q)], seconds)
        yield values
        yield counts


def render(snapshot: Callable[[], MetricsSnapshot]) -> bytes:
    """Render one scrape in the Prometheus text format with a private registry."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(snapshot))
    return generate_latest(registry)
