"""Store vocabulary: every status and kind column holds one of these StrEnum values as a plain string."""

from __future__ import annotations

from enum import StrEnum


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class BlobKind(StrEnum):
    AS2_BODY = "as2_body"  # the raw HTTP body as received or sent
    AS2_PAYLOAD = "as2_payload"  # the payload after decryption, signature check and decompression
    MDN = "mdn"
    X12 = "x12"
    ACK = "ack"  # a 997/999/TA1 we generated or received
    JSON = "json"  # canonical JSON as handed over or accepted


class AS2Status(StrEnum):
    # inbound
    RECEIVED = "received"
    PROCESSED = "processed"
    FAILED = "failed"
    DUPLICATE = "duplicate"
    # outbound
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    AWAITING_MDN = "awaiting_mdn"
    MDN_RECEIVED = "mdn_received"
    MDN_FAILED = "mdn_failed"
    DEAD = "dead"


class MdnMode(StrEnum):
    NONE = "none"
    SYNC = "sync"
    ASYNC = "async"


class MdnStatus(StrEnum):
    PENDING = "pending"  # async MDN built, not yet delivered to the partner
    SENT = "sent"
    RECEIVED = "received"
    FAILED = "failed"  # could not be delivered, or a received MDN could not be verified


class DocType(StrEnum):
    PO_850 = "850"
    PO_ACK_855 = "855"
    ASN_856 = "856"
    INVOICE_810 = "810"
    PRODUCT_180 = "180"
    FA_997 = "997"
    FA_999 = "999"
    TA1 = "TA1"


class DocumentStatus(StrEnum):
    """Superset of the pipeline's document statuses (gateway.pipeline.statuses uses the same values)."""

    RECEIVED = "received"
    TRANSLATED = "translated"
    DELIVERED = "delivered"
    ACCEPTED = "accepted"
    ENVELOPED = "enveloped"
    QUEUED = "queued"
    SENT = "sent"
    MDN_RECEIVED = "mdn_received"
    ACKNOWLEDGED = "acknowledged"
    ACKNOWLEDGED_WITH_ERRORS = "acknowledged_with_errors"
    REJECTED = "rejected"
    OVERDUE = "overdue"
    FAILED = "failed"


class AckStatus(StrEnum):
    """Where an outbound document stands with the partner's 997/999."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    ACCEPTED_WITH_ERRORS = "accepted_with_errors"
    REJECTED = "rejected"
    OVERDUE = "overdue"


class TransactionSetStatus(StrEnum):
    VALID = "valid"
    VALID_WITH_WARNINGS = "valid_with_warnings"
    INVALID = "invalid"


class AckKind(StrEnum):
    FA_997 = "997"
    FA_999 = "999"
    TA1 = "TA1"


class ChannelKind(StrEnum):
    WEBHOOK = "webhook"
    PULL = "pull"
    DIRECTORY = "directory"


class DeliveryStatus(StrEnum):
    """Same values as gateway.pipeline.statuses.DeliveryStatus."""

    PENDING = "pending"
    DELIVERED = "delivered"
    AVAILABLE = "available"  # in the pull queue
    ACKNOWLEDGED = "acknowledged"  # pulled and acknowledged
    DEAD = "dead"


class SubjectType(StrEnum):
    DOCUMENT = "document"
    AS2_MESSAGE = "as2_message"
    INTERCHANGE = "interchange"
    TRANSACTION_SET = "transaction_set"
    DELIVERY = "delivery"
    ACKNOWLEDGEMENT = "acknowledgement"
    JOB = "job"
    PARTNER = "partner"
    SYSTEM = "system"


class Outcome(StrEnum):
    OK = "ok"
    WARNING = "warning"
    ERROR = "error"


class ControlLevel(StrEnum):
    ISA13 = "ISA13"
    GS06 = "GS06"
    ST02 = "ST02"


class JobKind(StrEnum):
    """Job kinds known so far; the column takes any namespaced string so services can add their own."""

    PROCESS_INBOUND = "pipeline.process_inbound"
    DELIVER = "pipeline.deliver"
    PREPARE_OUTBOUND = "pipeline.prepare_outbound"
    CHECK_DEADLINES = "pipeline.check_deadlines"
    AS2_SEND = "as2.send"
    AS2_SEND_MDN = "as2.send_mdn"


class JobStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"  # failed at least once, waiting for its retry (run_after)
    DEAD = "dead"


class Role(StrEnum):
    INTEGRATION = "integration"
    ANALYST = "analyst"
    ADMIN = "admin"
