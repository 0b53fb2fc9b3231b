"""Parse and verify an MDN returned by a partner, and reconcile its MIC with the one we computed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.parser import BytesHeaderParser
from email.policy import compat32
from enum import StrEnum

from gateway.as2.cms_ops import digest_from_token
from gateway.as2.inbound import SecurityFacts, verify_signed
from gateway.as2.keys import As2Partner
from gateway.as2.mime import Entity, entity_from_http, header, parse_entity, split_multipart, strip_angle
from gateway.errors import AS2Error, Disposition, MdnError
from gateway.partners.as2_section import DigestAlgorithm, MdnMode


class MdnStatus(StrEnum):
    PROCESSED = "processed"
    PROCESSED_WARNING = "processed-warning"
    ERROR = "error"  # processed/error: <modifier>
    FAILED = "failed"  # failed/Failure: ...


class MicCheck(StrEnum):
    MATCH = "match"
    NOT_RETURNED = "not-returned"  # e.g. an error MDN without Received-Content-MIC
    OTHER_ALGORITHM = "other-algorithm"  # cannot compare: the partner used another digest


@dataclass(frozen=True)
class MdnResult:
    original_message_id: str
    status: MdnStatus
    disposition: str
    modifier: str | None
    error_disposition: Disposition | None
    mic: str | None
    mic_algorithm: DigestAlgorithm | None
    mic_check: MicCheck
    signed: bool
    text: str
    message_id: str | None

    @property
    def ok(self) -> bool:
        return self.status in (MdnStatus.PROCESSED, MdnStatus.PROCESSED_WARNING)


def _parse_disposition(value: str) -> tuple[MdnStatus, str | None]:
    """``automatic-action/MDN-sent-automatically; processed/error: authentication-failed`` -> (ERROR, modifier)."""
    _, _, outcome = value.partition(";")
    outcome = " ".join(outcome.split()).strip()
    kind, _, modifier = outcome.partition("/")
    kind = kind.strip().lower()
    modifier_text = modifier.partition(":")[2].strip() if ":" in modifier else None
    mod_kind = modifier.partition(":")[0].strip().lower()
    if kind == "processed" and not modifier:
        return MdnStatus.PROCESSED, None
    if kind == "processed" and mod_kind == "warning":
        return MdnStatus.PROCESSED_WARNING, modifier_text
    if kind == "processed" and mod_kind == "error":
        return MdnStatus.ERROR, modifier_text
    if kind == "failed":
        return MdnStatus.FAILED, modifier_text
    raise MdnError(f"unrecognised Disposition {value!r}")


def _report(entity: Entity) -> tuple[str, Mapping[str, str]]:
    if entity.content_type != "multipart/report":
        raise MdnError(f"MDN content is {entity.content_type}, expected multipart/report")
    text, fields = "", None
    for raw in split_multipart(entity):
        part = parse_entity(raw)
        if part.content_type == "message/disposition-notification":
            body = part.decoded_body().strip() + b"\r\n\r\n"
            parsed = BytesHeaderParser(policy=compat32).parsebytes(body)
            fields = {k.lower(): " ".join(str(v).split()) for k, v in parsed.items()}
        elif part.content_type.startswith("text/") and not text:
            text = part.decoded_body().decode("utf-8", "replace").strip()
    if fields is None:
        raise MdnError("MDN has no message/disposition-notification part")
    return text, fields


def parse_mdn(
    headers: Mapping[str, str],
    body: bytes,
    partner: As2Partner,
    original_message_id: str,
    expected_mic: str | None,
    now: datetime,
    *,
    expected_mic_algorithm: DigestAlgorithm | None = None,
) -> MdnResult:
    """Verify and read an MDN; bad signature, wrong message or a MIC mismatch raise MdnError."""
    where = f"partner {partner.partner_id}, MDN for Message-ID {original_message_id}"
    entity = entity_from_http(headers, body)
    signed = entity.content_type == "multipart/signed"
    try:
        if signed:
            entity = parse_entity(verify_signed(entity, partner, now, SecurityFacts()))
        text, fields = _report(entity)
    except MdnError as exc:
        raise MdnError(f"{where}: {exc}") from exc
    except AS2Error as exc:
        raise MdnError(f"{where}: signature check failed: {exc}", disposition=exc.disposition) from exc
    requested_signed = partner.profile.mdn.signed and partner.profile.mdn.mode is not MdnMode.NONE
    if requested_signed and not signed:
        raise MdnError(f"{where}: we requested a signed MDN and received an unsigned one")
    returned_id = strip_angle(fields.get("original-message-id", ""))
    if returned_id != strip_angle(original_message_id):
        raise MdnError(f"{where}: MDN answers Original-Message-ID {returned_id!r}")
    disposition = fields.get("disposition")
    if not disposition:
        raise MdnError(f"{where}: Disposition field missing")
    status, modifier = _parse_disposition(disposition)
    mic = mic_alg = None
    mic_field = fields.get("received-content-mic")
    if mic_field:
        value, _, alg = mic_field.rpartition(",")
        mic, mic_alg = value.strip(), digest_from_token(alg)
    check = MicCheck.NOT_RETURNED
    if mic is not None and expected_mic is not None:
        if expected_mic_algorithm is not None and mic_alg is not expected_mic_algorithm:
            check = MicCheck.OTHER_ALGORITHM
        elif mic != expected_mic:
            raise MdnError(
                f"{where}: Received-Content-MIC {mic} ({mic_alg}) does not match ours {expected_mic}",
                disposition=Disposition.INTEGRITY_CHECK_FAILED,
            )
        else:
            check = MicCheck.MATCH
    if status is MdnStatus.PROCESSED and expected_mic is not None and check is MicCheck.NOT_RETURNED and signed:
        raise MdnError(f"{where}: signed 'processed' MDN carries no Received-Content-MIC")
    error_disposition = None
    if modifier:
        key = modifier.lower().replace("unsupported mic-algorithms", "unsupported-mic-algorithms")
        error_disposition = next((d for d in Disposition if d.value == key), None)
    return MdnResult(
        original_message_id=returned_id,
        status=status,
        disposition=disposition,
        modifier=modifier,
        error_disposition=error_disposition,
        mic=mic,
        mic_algorithm=mic_alg,
        mic_check=check,
        signed=signed,
        text=text,
        message_id=strip_angle(header(headers, "Message-ID") or "") or None,
    )
