"""Receive one AS2 message: identify, decrypt, verify, decompress, compute the MIC, build the MDN.

MIC (RFC 4130 7.3.1, RFC 5402): signed -> over the signed entity (headers + content, canonical) with the
requested algorithm; unsigned but encrypted and/or compressed -> over the innermost MIME entity (headers +
content) after decryption/decompression; plain -> over the content alone, without MIME headers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from gateway.as2 import cms_ops
from gateway.as2.keys import As2Partner
from gateway.as2.mdn_build import MdnFacts, OutboundMdn, build_mdn
from gateway.as2.mdn_request import MdnRequest, mdn_request
from gateway.as2.mime import (
    Entity,
    canonical_candidates,
    entity_from_http,
    header,
    parse_entity,
    split_multipart,
    strip_angle,
)
from gateway.as2.mime import unquote_as2_name as unquote
from gateway.errors import (
    AS2Error,
    AuthenticationFailedError,
    CertificateError,
    Disposition,
    InsufficientSecurityError,
    IntegrityCheckFailedError,
    UnknownPartnerError,
)
from gateway.partners.as2_section import DigestAlgorithm, EncryptionAlgorithm, KeyTransport, MdnMode

PartnerLookup = Callable[[str, str], As2Partner | None]
"""(AS2-From, AS2-To) -> the partner whose profile has their_as2_id == AS2-From and our_as2_id == AS2-To."""

_SIGNATURE_TYPES = ("application/pkcs7-signature", "application/x-pkcs7-signature")
_PKCS7_MIME = ("application/pkcs7-mime", "application/x-pkcs7-mime")


@dataclass
class SecurityFacts:
    """What protection the message actually had."""

    signed: bool = False
    encrypted: bool = False
    compressed: bool = False
    encryption: str | None = None  # EncryptionAlgorithm value, or the raw ASN.1 name if unknown
    key_transport: KeyTransport | None = None
    signature_digest: str | None = None
    signer_certificate_sha256: str | None = None


@dataclass
class InboundResult:
    """The outcome of ``receive``: payload on success, ``error`` (with its disposition) otherwise."""

    message_id: str
    as2_from: str
    as2_to: str
    partner_id: str | None
    payload: bytes | None = None
    filename: str | None = None
    content_type: str | None = None
    mic: str | None = None
    mic_algorithm: DigestAlgorithm | None = None
    security: SecurityFacts = field(default_factory=SecurityFacts)
    error: AS2Error | None = None
    mdn: OutboundMdn | None = None
    mdn_request: MdnRequest | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def disposition(self) -> Disposition:
        return Disposition.PROCESSED if self.error is None else self.error.disposition


def receive(
    headers: Mapping[str, str],
    body: bytes,
    lookup: PartnerLookup,
    now: datetime,
    *,
    max_decompressed_bytes: int,
) -> InboundResult:
    """Process one inbound message; never raises for message faults (they become ``error`` + an MDN)."""
    result = InboundResult(
        message_id=strip_angle(header(headers, "Message-ID") or ""),
        as2_from=unquote(header(headers, "AS2-From") or ""),
        as2_to=unquote(header(headers, "AS2-To") or ""),
        partner_id=None,
    )
    partner: As2Partner | None = None
    mic_alg: DigestAlgorithm | None = None
    try:
        result.mdn_request = request = mdn_request(headers)
        if not result.message_id:
            raise AS2Error("Message-ID header missing")
        partner = lookup(result.as2_from, result.as2_to)
        if partner is None:
            raise UnknownPartnerError(
                f"no partner profile for AS2-From {result.as2_from!r} to AS2-To {result.as2_to!r}"
            )
        result.partner_id = partner.partner_id
        if request.mode is not MdnMode.NONE:
            mic_alg = request.choose_mic_algorithm(partner.profile.inbound.digests)
        _unwrap(result, entity_from_http(headers, body), partner, now, max_decompressed_bytes, mic_alg)
    except AS2Error as exc:
        result.error = exc
        result.payload = None
    result.mdn = _mdn(result, partner, mic_alg)
    return result


def _unwrap(
    result: InboundResult,
    entity: Entity,
    partner: As2Partner,
    now: datetime,
    limit: int,
    mic_alg: DigestAlgorithm | None,
) -> None:
    policy = partner.profile.inbound
    facts = result.security
    mic_source: bytes | None = None
    top_filename = entity.filename
    for _depth in range(8):  # at most a few layers; a deeper nest is hostile
        if (
            entity.content_type in _PKCS7_MIME
            and entity.smime_type == "enveloped-data"
            or (entity.content_type in _PKCS7_MIME and entity.smime_type is None and not facts.encrypted)
        ):
            if facts.encrypted:
                raise AS2Error("message is encrypted twice")
            der = entity.decoded_body()
            env = cms_ops.envelope_facts(der)
            facts.encrypted, facts.encryption, facts.key_transport = True, env.encryption_name, env.key_transport
            if env.encryption is None or env.encryption not in policy.encryption:
                raise InsufficientSecurityError(
                    f"partner {partner.partner_id}: encryption {env.encryption or env.encryption_name} is not in "
                    f"the inbound allow-list ({', '.join(a.value for a in policy.encryption)})"
                )
            if partner.decryption_key is None:
                raise AS2Error(f"partner {partner.partner_id}: profile has no our_decryption_key")
            entity = parse_entity(cms_ops.decrypt(der, partner.decryption_key))
            facts.encryption = env.encryption.value
        elif entity.content_type in _PKCS7_MIME and entity.smime_type == "compressed-data":
            if facts.compressed:
                raise AS2Error("message is compressed twice")
            facts.compressed = True
            entity = parse_entity(cms_ops.decompress(entity.decoded_body(), limit))
        elif entity.content_type == "multipart/signed":
            if facts.signed:
                raise AS2Error("message is signed twice")
            signed_raw = verify_signed(entity, partner, now, facts)
            if mic_alg is None:
                mic_alg = DigestAlgorithm(facts.signature_digest) if facts.signature_digest else None
            mic_source = signed_raw
            entity = parse_entity(signed_raw)
        else:
            break
    else:
        raise AS2Error("too many nested MIME layers")
    if policy.require_encrypted and not facts.encrypted:
        raise InsufficientSecurityError(f"partner {partner.partner_id} requires encrypted messages; this one is not")
    if policy.require_signed and not facts.signed:
        raise InsufficientSecurityError(f"partner {partner.partner_id} requires signed messages; this one is not")
    if mic_source is None:
        mic_source = entity.raw if (facts.encrypted or facts.compressed) else entity.body
    result.mic_algorithm = mic_alg or DigestAlgorithm.SHA256
    result.mic = cms_ops.mic(mic_source, result.mic_algorithm)
    result.payload = entity.decoded_body()
    result.content_type = entity.headers.get("Content-Type") and entity.content_type
    result.filename = entity.filename or top_filename


def verify_signed(entity: Entity, partner: As2Partner, now: datetime, facts: SecurityFacts) -> bytes:
    """Verify a multipart/signed entity; returns the raw signed first part (what the MIC is computed over)."""
    parts = split_multipart(entity)
    if len(parts) != 2:
        raise AuthenticationFailedError(f"multipart/signed has {len(parts)} parts, expected 2")
    signed_raw, signature_entity = parts[0], parse_entity(parts[1])
    if signature_entity.content_type not in _SIGNATURE_TYPES:
        raise AuthenticationFailedError(f"second part is {signature_entity.content_type}, not a pkcs7-signature")
    signature = signature_entity.decoded_body()
    signer = cms_ops.signer_facts(signature)
    facts.signed, facts.signature_digest = True, signer.digest.value if signer.digest else signer.digest_name
    policy = partner.profile.inbound
    if signer.digest is None or signer.digest not in policy.digests:
        raise InsufficientSecurityError(
            f"partner {partner.partner_id}: signature digest {facts.signature_digest} is not in the inbound "
            f"allow-list ({', '.join(a.value for a in policy.digests)})"
        )
    cert = cms_ops.find_signer(signer, partner.certificates)
    if cert is None:
        raise AuthenticationFailedError(
            f"partner {partner.partner_id}: message signed with a certificate that is not in the profile"
        )
    if not cert.valid_at(now):
        raise CertificateError(
            f"partner {partner.partner_id}: certificate {cert.label} is valid only from "
            f"{cert.not_before.isoformat()} to {cert.not_after.isoformat()} (now {now.isoformat()})"
        )
    facts.signer_certificate_sha256 = cert.sha256
    try:
        cms_ops.verify(signed_raw, signature, cert)
    except IntegrityCheckFailedError:
        # The bytes may have lost their CR on the way (or in a capture); try the canonical forms it was signed in.
        for candidate in canonical_candidates(signed_raw):
            try:
                cms_ops.verify(candidate, signature, cert)
            except IntegrityCheckFailedError:
                continue
            return candidate
        raise
    return signed_raw


def _mdn(result: InboundResult, partner: As2Partner | None, mic_alg: DigestAlgorithm | None) -> OutboundMdn | None:
    request = result.mdn_request
    if request is None or request.mode is MdnMode.NONE:
        return None
    facts = MdnFacts(
        original_message_id=result.message_id,
        our_as2_id=result.as2_to,
        their_as2_id=result.as2_from,
        mic=result.mic,
        mic_algorithm=result.mic_algorithm,
        error=result.error,
    )
    # Sign only when asked, when the partner is known, and with an algorithm both sides support.
    key = partner.signing_key if partner is not None and request.signed else None
    digest = mic_alg if key is not None else None
    if key is not None and digest is None:
        digest = DigestAlgorithm.SHA256
    scheme = partner.profile.outbound.signature_scheme if partner is not None else None
    if scheme is None:
        return build_mdn(facts, mode=request.mode, url=request.url, sign_with=None, sign_digest=None)
    return build_mdn(facts, mode=request.mode, url=request.url, sign_with=key, sign_digest=digest, scheme=scheme)


__all__ = ["InboundResult", "PartnerLookup", "SecurityFacts", "receive", "EncryptionAlgorithm"]
