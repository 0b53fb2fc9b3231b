"""Build the MDN we return (RFC 4130 7.4, RFC 3798): multipart/report, optionally signed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from email.utils import formatdate

from gateway.as2 import cms_ops
from gateway.as2.keys import KeyPair
from gateway.as2.mime import CRLF, b64_lines, build_entity, multipart, new_boundary, quote_as2_name
from gateway.errors import AS2Error, Disposition
from gateway.partners.as2_section import DigestAlgorithm, MdnMode, SignatureScheme

REPORTING_UA = "Acorn EDI gateway"


@dataclass(frozen=True)
class OutboundMdn:
    """An MDN ready to send: sync in the HTTP response, async POSTed to ``url``."""

    mode: MdnMode
    url: str | None
    message_id: str
    headers: dict[str, str]
    body: bytes
    disposition: str  # the full Disposition field value
    signed: bool
    mic: str | None
    mic_algorithm: DigestAlgorithm | None


@dataclass(frozen=True)
class MdnFacts:
    original_message_id: str
    our_as2_id: str
    their_as2_id: str
    mic: str | None = None
    mic_algorithm: DigestAlgorithm | None = None
    error: AS2Error | None = None
    extra_text: list[str] = field(default_factory=list)


def disposition_value(error: AS2Error | None) -> str:
    """``processed``, ``processed/error: <modifier>`` or ``failed/Failure: unsupported MIC-algorithms``."""
    prefix = "automatic-action/MDN-sent-automatically; "
    if error is None:
        return prefix + "processed"
    if error.failure and error.disposition is Disposition.UNSUPPORTED_MIC_ALGORITHMS:
        return prefix + "failed/Failure: unsupported MIC-algorithms"
    if error.failure:
        return prefix + f"failed/Failure: {error.disposition.value}"
    return prefix + f"processed/error: {error.disposition.value}"


def build_mdn(
    facts: MdnFacts,
    *,
    mode: MdnMode,
    url: str | None,
    sign_with: KeyPair | None,
    sign_digest: DigestAlgorithm | None,
    scheme: SignatureScheme = SignatureScheme.PKCS1V15,
) -> OutboundMdn:
    """The receipt; signed when a key and digest are given (the digest is the chosen MIC algorithm)."""
    disposition = disposition_value(facts.error)
    if facts.error is None:
        text = f"The AS2 message {facts.original_message_id} was received and processed."
    else:
        text = f"The AS2 message {facts.original_message_id} could not be processed: {facts.error}"
    fields = [
        ("Reporting-UA", REPORTING_UA),
        ("Original-Recipient", f"rfc822; {quote_as2_name(facts.our_as2_id)}"),
        ("Final-Recipient", f"rfc822; {quote_as2_name(facts.our_as2_id)}"),
        ("Original-Message-ID", f"<{facts.original_message_id}>"),
    ]
    if facts.mic and facts.mic_algorithm:
        fields.append(("Received-Content-MIC", f"{facts.mic}, {facts.mic_algorithm.value}"))
    fields.append(("Disposition", disposition))
    notification = b"".join(f"{k}: {v}".encode() + CRLF for k, v in fields)
    human = build_entity(
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Transfer-Encoding", "7bit")],
        (" ".join(text.split()) + "\r\n").encode("utf-8", "replace"),
    )
    machine = build_entity(
        [("Content-Type", "message/disposition-notification"), ("Content-Transfer-Encoding", "7bit")], notification
    )
    boundary = new_boundary()
    report_type = f'multipart/report; report-type=disposition-notification; boundary="{boundary}"'
    report_body = multipart("report", [human, machine], boundary)
    signed = sign_with is not None and sign_digest is not None
    if sign_with is not None and sign_digest is not None:
        report_entity = build_entity([("Content-Type", report_type)], report_body)
        signature = cms_ops.sign(report_entity, sign_digest, sign_with, scheme)
        sig_part = build_entity(
            [
                ("Content-Type", 'application/pkcs7-signature; name="smime.p7s"; smime-type=signed-data'),
                ("Content-Transfer-Encoding", "base64"),
                ("Content-Disposition", 'attachment; filename="smime.p7s"'),
            ],
            b64_lines(signature),
        )
        outer_boundary = new_boundary()
        content_type = (
            f'multipart/signed; protocol="application/pkcs7-signature"; micalg={sign_digest.value}; '
            f'boundary="{outer_boundary}"'
        )
        body = multipart("signed", [report_entity, sig_part], outer_boundary)
    else:
        content_type, body = report_type, report_body
    message_id = f"{uuid.uuid4().hex}@acorn.{_domain(facts.our_as2_id)}"
    headers = {
        "AS2-Version": "1.2",
        "AS2-From": quote_as2_name(facts.our_as2_id),
        "AS2-To": quote_as2_name(facts.their_as2_id),
        "Message-ID": f"<{message_id}>",
        "Date": formatdate(usegmt=True),
        "Subject": "AS2 MDN",
        "MIME-Version": "1.0",
        "ediint-features": "CMS",
        "Content-Type": content_type,
    }
    return OutboundMdn(mode, url, message_id, headers, body, disposition, signed, facts.mic, facts.mic_algorithm)


def _domain(as2_id: str) -> str:
    cleaned = "".join(ch if ch.isalnum() or ch in "-." else "-" for ch in as2_id.lower()).strip("-.")
    return cleaned or "as2"
