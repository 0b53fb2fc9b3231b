"""Build an outbound AS2 message from a partner profile (compress, sign, encrypt, request the MDN)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import formatdate

from gateway.as2 import cms_ops
from gateway.as2.keys import As2Partner
from gateway.as2.mime import b64_lines, build_entity, multipart, new_boundary, parse_entity, quote_as2_name
from gateway.errors import AS2Error
from gateway.partners.as2_section import Compression, DigestAlgorithm, MdnMode

_SAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True)
class OutboundMessage:
    """Headers and body to POST, with the MIC we expect back in the MDN."""

    headers: dict[str, str]
    body: bytes
    message_id: str
    mic: str
    mic_algorithm: DigestAlgorithm


def new_message_id(as2_id: str) -> str:
    domain = re.sub(r"[^a-z0-9-]", "-", as2_id.lower()).strip("-") or "as2"
    return f"{uuid.uuid4().hex}@acorn.{domain}"


def _compressed(entity: bytes) -> bytes:
    return build_entity(
        [
            ("Content-Type", 'application/pkcs7-mime; smime-type=compressed-data; name="smime.p7z"'),
            ("Content-Transfer-Encoding", "binary"),
            ("Content-Disposition", 'attachment; filename="smime.p7z"'),
        ],
        cms_ops.compress(entity),
    )


def build_message(
    partner: As2Partner,
    payload: bytes,
    filename: str | None,
    content_type: str | None = None,
    message_id: str | None = None,
    *,
    now: datetime | None = None,
) -> OutboundMessage:
    """One AS2 message for ``partner``; pass the original ``message_id`` to resend it unchanged."""
    profile = partner.profile
    algorithms = profile.outbound
    now = now or datetime.now(UTC)
    message_id = message_id or new_message_id(profile.our_as2_id)
    if len(message_id) > 250 or any(ch in message_id for ch in "<>\r\n "):
        raise AS2Error(f"Message-ID {message_id!r} is not usable (max 250 characters, no <, >, spaces)")
    fields = [("Content-Type", content_type or profile.content_type), ("Content-Transfer-Encoding", "binary")]
    if filename:
        fields.append(("Content-Disposition", f'attachment; filename="{_SAFE_FILENAME.sub("_", filename)}"'))
    entity = build_entity(fields, payload)
    if algorithms.compression is Compression.BEFORE_SIGNING:
        entity = _compressed(entity)
    # With a signed receipt the partner uses the micalg we request; otherwise it has only the signature's digest
    # (or, unsigned, the SHA-256 default) to go by.
    if profile.mdn.signed and profile.mdn.mode is not MdnMode.NONE:
        mic_alg = profile.mdn.mic_algorithm
    else:
        mic_alg = algorithms.signature or DigestAlgorithm.SHA256
    if algorithms.signature is not None:
        if partner.signing_key is None:
            raise AS2Error(f"partner {partner.partner_id}: outbound signing configured but no our_signing_key")
        mic = cms_ops.mic(entity, mic_alg)
        signature = cms_ops.sign(entity, algorithms.signature, partner.signing_key, algorithms.signature_scheme)
        sig_part = build_entity(
            [
                ("Content-Type", 'application/pkcs7-signature; name="smime.p7s"; smime-type=signed-data'),
                ("Content-Transfer-Encoding", "base64"),
                ("Content-Disposition", 'attachment; filename="smime.p7s"'),
            ],
            b64_lines(signature),
        )
        boundary = new_boundary()
        entity = build_entity(
            [
                (
                    "Content-Type",
                    f'multipart/signed; protocol="application/pkcs7-signature"; '
                    f'micalg={algorithms.signature.value}; boundary="{boundary}"',
                )
            ],
            multipart("signed", [entity, sig_part], boundary),
        )
    elif algorithms.encryption is not None or algorithms.compression is not Compression.NONE:
        # Unsigned but wrapped: MIC over the innermost entity, headers included (see inbound.py).
        mic = cms_ops.mic(build_entity(fields, payload), mic_alg)
    else:
        mic = cms_ops.mic(payload, mic_alg)
    if algorithms.compression is Compression.AFTER_SIGNING:
        entity = _compressed(entity)
    if algorithms.encryption is not None:
        cert = partner.current_certificate(now)
        entity = build_entity(
            [
                ("Content-Type", 'application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"'),
                ("Content-Transfer-Encoding", "binary"),
                ("Content-Disposition", 'attachment; filename="smime.p7m"'),
            ],
            cms_ops.encrypt(entity, algorithms.encryption, cert.certificate, algorithms.key_transport),
        )
    top = parse_entity(entity)
    headers = {
        "AS2-Version": "1.2",
        "ediint-features": "CMS",
        "AS2-From": quote_as2_name(profile.our_as2_id),
        "AS2-To": quote_as2_name(profile.their_as2_id),
        "Message-ID": f"<{message_id}>",
        "Date": formatdate(now.timestamp(), usegmt=True),
        "Subject": profile.subject,
        "MIME-Version": "1.0",
    }
    for name in ("Content-Type", "Content-Transfer-Encoding", "Content-Disposition"):
        value = top.headers.get(name)
        if value:
            headers[name] = str(value)
    mdn = profile.mdn
    if mdn.mode is not MdnMode.NONE:
        headers["Disposition-Notification-To"] = quote_as2_name(profile.our_as2_id)
        if mdn.signed:
            headers["Disposition-Notification-Options"] = (
                "signed-receipt-protocol=optional, pkcs7-signature; "
                f"signed-receipt-micalg=optional, {mdn.mic_algorithm.value}"
            )
        if mdn.mode is MdnMode.ASYNC and mdn.async_url:
            headers["Receipt-Delivery-Option"] = mdn.async_url
    return OutboundMessage(headers, top.body, message_id, mic, mic_alg)
