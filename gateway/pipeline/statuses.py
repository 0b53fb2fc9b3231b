"""Pipeline vocabulary: directions, document statuses, stages, event outcomes, delivery channels, job kinds."""

from __future__ import annotations

from enum import StrEnum


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class DocumentStatus(StrEnum):
    """Where a document is; inbound and outbound share failure states so one search finds every problem."""

    # inbound
    RECEIVED = "received"  # transaction set stored, not yet translated
    TRANSLATED = "translated"  # canonical JSON produced, deliveries created
    DELIVERED = "delivered"  # every delivery acknowledged by the internal system
    # outbound
    ACCEPTED = "accepted"  # committed with its Idempotency-Key, not yet mapped
    ENVELOPED = "enveloped"  # mapped to X12 with ISA13/GS06/ST02 allocated
    QUEUED = "queued"  # AS2 send job queued
    SENT = "sent"  # HTTP 2xx from the partner, waiting for the MDN
    MDN_RECEIVED = "mdn_received"  # positive MDN with a matching MIC, waiting for the 997/999
    ACKNOWLEDGED = "acknowledged"  # 997/999 AK5/IK5 A
    ACKNOWLEDGED_WITH_ERRORS = "acknowledged_with_errors"  # AK5/IK5 E (or group P)
    REJECTED = "rejected"  # AK5/IK5 R, or a negative MDN
    OVERDUE = "overdue"  # no 997/999 within the partner's deadline
    # both
    FAILED = "failed"  # a stage failed permanently; ``stage`` and ``error`` say where and why


TERMINAL_OUTBOUND = frozenset(
    {DocumentStatus.ACKNOWLEDGED, DocumentStatus.ACKNOWLEDGED_WITH_ERRORS, DocumentStatus.REJECTED}
)


class Stage(StrEnum):
    """The explicit stages of both flows; every event names one."""

    RECEIVE = "receive"
    READ = "read"
    VALIDATE = "validate"
    STORE = "store"
    ACKNOWLEDGE = "acknowledge"  # our 997/999 back to the partner
    TRANSLATE = "translate"
    DELIVER = "deliver"
    MAP = "map"
    ENVELOPE = "envelope"
    SEND = "send"
    MDN = "mdn"
    RECONCILE = "reconcile"  # the partner's 997/999/TA1 against our outbound documents
    DEADLINE = "deadline"


class Outcome(StrEnum):
    OK = "ok"
    WARNING = "warning"
    ERROR = "error"


class AckResult(StrEnum):
    """AK5/IK5 (transaction set) and AK9 (group) acknowledgement codes as outcomes."""

    ACCEPTED = "accepted"  # A
    ACCEPTED_WITH_ERRORS = "accepted_with_errors"  # E, or group P (partially accepted)
    REJECTED = "rejected"  # R, M, W, X

    @classmethod
    def from_code(cls, code: str) -> AckResult:
        if code == "A":
            return cls.ACCEPTED
        if code in ("E", "P"):
            return cls.ACCEPTED_WITH_ERRORS
        return cls.REJECTED


class Channel(StrEnum):
    """How a canonical document reaches an internal system."""

    WEBHOOK = "webhook"
    PULL = "pull"
    DIRECTORY = "directory"


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # queued or retrying
    DELIVERED = "delivered"  # webhook 2xx, file renamed into place
    AVAILABLE = "available"  # in the pull queue, not yet acknowledged
    ACKNOWLEDGED = "acknowledged"  # pulled and acknowledged by id
    DEAD = "dead"  # retries exhausted; an analyst can replay it


class PipelineJob(StrEnum):
    """Job kinds the pipeline handles (the AS2 service adds its own, e.g. the send job)."""

    PROCESS_INBOUND = "pipeline.process_inbound"  # an accepted AS2 payload -> X12 -> documents
    DELIVER = "pipeline.deliver"  # push one delivery (webhook or directory drop)
    PREPARE_OUTBOUND = "pipeline.prepare_outbound"  # canonical document -> X12 -> AS2 send job
    CHECK_DEADLINES = "pipeline.check_deadlines"  # mark outbound documents overdue for their 997/999
