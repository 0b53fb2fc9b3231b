"""Prometheus exposition: a collector that reads the store at scrape time (no global registry)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@dataclass(frozen=True, slots=True)
class MessageCount:
    """How many documents share one partner/type/direction/status."""

    partner: str
    document_type: str
    direction: str
    status: str
    count: int


@dataclass(frozen=True, slots=True)
class CertificateExpiry:
    """Days until one partner certificate expires (negative once expired)."""

    partner: str
    usage: str
    fingerprint: str
    days: float


@dataclass(slots=True)
class MetricsSnapshot:
    """Everything one scrape reports, read from the store and partner registry."""

    documents: list[MessageCount] = field(default_factory=list)
    queue_depth: dict[str, int] = field(default_factory=dict)
    oldest_pending_seconds: dict[str, float] = field(default_factory=dict)
    certificates: list[CertificateExpiry] = field(default_factory=list)


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


def render(snapshot: Callable[[], MetricsSnapshot]) -> bytes:
    """Render one scrape in the Prometheus text format with a private registry."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(snapshot))
    return generate_latest(registry)
