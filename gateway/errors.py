"""The one exception tree of the gateway; AS2 errors carry their MDN disposition (RFC 4130 7.4.3)."""

from __future__ import annotations

from enum import StrEnum


class AcornError(Exception):
    """Base of every error the gateway raises on purpose."""


class ConfigError(AcornError):
    """A settings, partner-profile or mapping-file problem; names the file and line where known."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        self.path = path
        self.line = line
        where = f"{path}:{line}: " if path and line else (f"{path}: " if path else "")
        super().__init__(f"{where}{message}")


# --- X12 -------------------------------------------------------------------------------------------


class X12Error(AcornError):
    """Any X12 problem."""


class X12ReadError(X12Error):
    """The bytes cannot be read as X12 at all (empty, garbage, truncated ISA); carries the byte offset."""

    def __init__(self, message: str, *, offset: int | None = None, segment_number: int | None = None) -> None:
        self.offset = offset
        self.segment_number = segment_number
        where = []
        if segment_number is not None:
            where.append(f"segment {segment_number}")
        if offset is not None:
            where.append(f"byte {offset}")
        super().__init__(f"{message} (at {', '.join(where)})" if where else message)


class X12WriteError(X12Error):
    """A document cannot be written with the requested delimiters or envelope."""


class GrammarError(X12Error):
    """A grammar file is invalid or a transaction set has no grammar."""


# --- Mapping ---------------------------------------------------------------------------------------


class MappingError(AcornError):
    """A document cannot be mapped; names partner, document, segment/element or JSON field."""


# --- AS2 -------------------------------------------------------------------------------------------


class Disposition(StrEnum):
    """MDN disposition modifiers (RFC 4130 7.4.3)."""

    PROCESSED = "processed"
    AUTHENTICATION_FAILED = "authentication-failed"
    DECRYPTION_FAILED = "decryption-failed"
    INTEGRITY_CHECK_FAILED = "integrity-check-failed"
    INSUFFICIENT_MESSAGE_SECURITY = "insufficient-message-security"
    UNEXPECTED_PROCESSING_ERROR = "unexpected-processing-error"
    UNKNOWN_TRADING_PARTNER = "unknown-trading-partner"
    UNSUPPORTED_MIC_ALGORITHMS = "unsupported-mic-algorithms"
    DUPLICATE_DOCUMENT = "duplicate-document"
    DECOMPRESSION_FAILED = "decompression-failed"  # RFC 5402 section 5


class AS2Error(AcornError):
    """An AS2 failure; ``disposition`` is what the MDN reports, ``failure`` marks failed/Failure MDNs."""

    disposition: Disposition = Disposition.UNEXPECTED_PROCESSING_ERROR
    failure: bool = False

    def __init__(self, message: str, *, disposition: Disposition | None = None) -> None:
        if disposition is not None:
            self.disposition = disposition
        super().__init__(message)


class UnknownPartnerError(AS2Error):
    disposition = Disposition.UNKNOWN_TRADING_PARTNER


class AuthenticationFailedError(AS2Error):
    disposition = Disposition.AUTHENTICATION_FAILED


class DecryptionFailedError(AS2Error):
    disposition = Disposition.DECRYPTION_FAILED


class IntegrityCheckFailedError(AS2Error):
    disposition = Disposition.INTEGRITY_CHECK_FAILED


class InsufficientSecurityError(AS2Error):
    disposition = Disposition.INSUFFICIENT_MESSAGE_SECURITY


class DecompressionFailedError(AS2Error):
    """Compressed content is corrupt or inflates past the configured limit."""

    disposition = Disposition.DECOMPRESSION_FAILED


class UnsupportedMicAlgorithmError(AS2Error):
    disposition = Disposition.UNSUPPORTED_MIC_ALGORITHMS
    failure = True


class CertificateError(AS2Error):
    """A certificate is expired, not yet valid, or does not match."""

    disposition = Disposition.AUTHENTICATION_FAILED


class TransportError(AS2Error):
    """Sending to a partner failed at the HTTP level (retryable)."""


class MdnError(AS2Error):
    """A returned MDN is malformed, unsigned when required, or its MIC does not match."""


# --- Store / pipeline ------------------------------------------------------------------------------


class StoreError(AcornError):
    """A storage problem."""


class SchemaOutOfDateError(StoreError):
    """The database schema is behind the code; run ``acorn db upgrade``."""


class IdempotencyConflictError(StoreError):
    """The same Idempotency-Key was used with a different body."""


class NotFoundError(AcornError):
    """The requested object does not exist."""


class DeliveryError(AcornError):
    """Handing a document to an internal system failed (retryable)."""


class StateConflictError(AcornError):
    """The object is not in a state that allows the requested action (e.g. resending a delivered AS2 message)."""


class PermanentJobError(AcornError):
    """Raised by a pipeline step when retrying cannot help; its job goes straight to the dead-letter state."""
