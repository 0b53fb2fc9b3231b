"""Aggregate reads for operations (Prometheus metrics, `acorn demo` summaries): counts, queue ages, latencies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from gateway.store.columns import as_utc
from gateway.store.enums import ChannelKind, DeliveryStatus, Direction, JobStatus
from gateway.store.models import Acknowledgement, AS2Message, Delivery, Document, Mdn
from gateway.store.models_ops import Event, Job

# A latency sample window is bounded so one scrape never reads an unbounded number of rows.
LATENCY_SAMPLE_CAP = 10_000
_WAITING_JOBS = (JobStatus.PENDING, JobStatus.FAILED)


@dataclass(frozen=True, slots=True)
class DocumentCount:
    """How many documents share one partner, transaction set, direction and status."""

    partner: str
    document_type: str
    direction: str
    status: str
    count: int


@dataclass(frozen=True, slots=True)
class QueueStat:
    """Items waiting in one queue and when the oldest of them was created (None when empty)."""

    queue: str
    depth: int
    oldest: datetime | None


@dataclass(frozen=True, slots=True)
class Latency:
    """One observed latency in seconds for a partner."""

    partner: str
    seconds: float


def document_counts(session: Session) -> list[DocumentCount]:
    """Documents grouped by partner, transaction set, direction and status."""
    labels = (col(Document.partner_id), col(Document.doc_type), col(Document.direction), col(Document.status))
    query = sa_select(*labels, func.count()).group_by(*labels)
    counts = [DocumentCount(str(p), str(t), str(d), str(s), int(n)) for p, t, d, s, n in session.execute(query)]
    return sorted(counts, key=lambda c: (c.partner, c.document_type, c.direction, c.status))


def job_queues(session: Session, now: datetime) -> list[QueueStat]:
    """Jobs due by ``now`` and not yet taken, per kind, with the time the oldest became due.

    Jobs scheduled for later (deadline checks, retries waiting for their backoff) are not a backlog; they count
    once they are due.
    """
    query = (
        select(Job.kind, func.count(), func.min(Job.run_after))
        .where(col(Job.status).in_(_WAITING_JOBS), col(Job.run_after) <= now)
        .group_by(col(Job.kind))
    )
    return sorted((QueueStat(str(kind), int(n), _utc(oldest)) for kind, n, oldest in session.exec(query)),
                  key=lambda q: q.queue)


def dead_jobs(session: Session) -> int:
    """Jobs that used up their attempts and wait for an analyst."""
    return int(session.exec(select(func.count()).select_from(Job).where(Job.status == JobStatus.DEAD)).one())


def pull_queue_stat(session: Session) -> QueueStat:
    """Documents available in the pull queue and the oldest of them."""
    query = select(func.count(), func.min(Delivery.created_at)).where(
        Delivery.target_kind == ChannelKind.PULL, Delivery.status == DeliveryStatus.AVAILABLE
    )
    count, oldest = session.exec(query).one()
    return QueueStat("pull", int(count), _utc(oldest))


def mdn_latencies(session: Session, since: datetime) -> list[Latency]:
    """Outbound AS2 messages created since ``since``: seconds from queueing to the partner's MDN being stored."""
    query = (
        select(AS2Message.partner_id, AS2Message.created_at, Mdn.created_at)
        .join(Mdn, col(Mdn.as2_message_id) == col(AS2Message.id))
        .where(AS2Message.direction == Direction.OUTBOUND, Mdn.direction == Direction.INBOUND)
        .where(col(AS2Message.created_at) >= since)
        .order_by(col(AS2Message.created_at).desc())
        .limit(LATENCY_SAMPLE_CAP)
    )
    return [_latency(partner, start, end) for partner, start, end in session.exec(query)]


def ack_latencies(session: Session, since: datetime, *, reconcile_stage: str | None = None) -> list[Latency]:
    """Outbound documents sent since ``since``: seconds from sending to the partner's 997/999.

    The answer time is the earliest of an Acknowledgement row for the document and, when ``reconcile_stage`` is
    given, the first event of that stage on the document (the pipeline's reconciliation records one).
    """
    first: dict[str, tuple[str | None, datetime, datetime]] = {}
    keys = (col(Document.id), col(Document.partner_id), col(Document.sent_at))
    recorded = (
        sa_select(*keys, func.min(Acknowledgement.created_at))
        .join(Acknowledgement, col(Acknowledgement.document_id) == col(Document.id))
        .where(col(Acknowledgement.direction) == Direction.INBOUND)
    )
    queries = [recorded]
    if reconcile_stage is not None:
        queries.append(
            sa_select(*keys, func.min(Event.occurred_at))
            .join(Event, col(Event.document_id) == col(Document.id))
            .where(col(Event.stage) == reconcile_stage)
        )
    for query in queries:
        query = (
            query.where(col(Document.direction) == Direction.OUTBOUND, col(Document.sent_at).is_not(None),
                        col(Document.sent_at) >= since)
            .group_by(*keys)
            .limit(LATENCY_SAMPLE_CAP)
        )
        for document_id, partner, sent, answered in session.execute(query):
            end = _utc(answered)
            if sent is None or end is None:
                continue
            known = first.get(document_id)
            if known is None or end < known[2]:
                first[document_id] = (partner, sent, end)
    return [_latency(partner, sent, end) for partner, sent, end in first.values()]


def _latency(partner: str | None, start: datetime, end: datetime) -> Latency:
    return Latency(partner or "", max(0.0, (as_utc(end) - as_utc(start)).total_seconds()))


def _utc(value: datetime | str | None) -> datetime | None:
    # MIN() over a SQLite text column comes back as text: the TypeDecorator does not see aggregates.
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return as_utc(value)


@dataclass(frozen=True, slots=True)
class PartnerTraffic:
    """One partner's documents and how many AS2 messages, MDNs and acknowledgements there are in each state."""

    documents: list[Document]
    messages: dict[tuple[str, str], int]  # (direction, AS2 status) -> count
    mdns: dict[tuple[str, str], int]  # (direction, MDN status) -> count
    acknowledgements: dict[tuple[str, str], int]  # (direction, ack status) -> count


def partner_traffic(session: Session, partner_id: str, limit: int = 10_000) -> PartnerTraffic:
    """Everything ``acorn demo`` and the deployment tests reconcile for one partner (oldest documents first)."""
    query = select(Document).where(Document.partner_id == partner_id)
    documents = list(session.exec(query.order_by(col(Document.created_at), col(Document.id)).limit(limit)))
    messages = sa_select(col(AS2Message.direction), col(AS2Message.status), func.count()).where(
        col(AS2Message.partner_id) == partner_id
    ).group_by(col(AS2Message.direction), col(AS2Message.status))
    mdns = (
        sa_select(col(Mdn.direction), col(Mdn.status), func.count())
        .join(AS2Message, col(Mdn.as2_message_id) == col(AS2Message.id))
        .where(col(AS2Message.partner_id) == partner_id)
        .group_by(col(Mdn.direction), col(Mdn.status))
    )
    acks = sa_select(col(Acknowledgement.direction), col(Acknowledgement.status), func.count()).where(
        col(Acknowledgement.partner_id) == partner_id
    ).group_by(col(Acknowledgement.direction), col(Acknowledgement.status))
    return PartnerTraffic(
        documents=documents,
        messages={(str(d), str(s)): int(n) for d, s, n in session.execute(messages)},
        mdns={(str(d), str(s)): int(n) for d, s, n in session.execute(mdns)},
        acknowledgements={(str(d), str(s)): int(n) for d, s, n in session.execute(acks)},
    )
