"""Codec round trips (ours to ours) and every negative disposition."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gateway.as2 import MdnStatus, MicCheck, build_message, parse_mdn, receive
from gateway.errors import (
    AuthenticationFailedError,
    CertificateError,
    DecompressionFailedError,
    DecryptionFailedError,
    Disposition,
    InsufficientSecurityError,
    IntegrityCheckFailedError,
    UnknownPartnerError,
    UnsupportedMicAlgorithmError,
)
from tests.as2.conftest import PairFactory

NOW = datetime.now(UTC)
PAYLOAD = b"ISA*00*          *00*          *ZZ*ACORN*ZZ*PARTNER*~\nGS*PO*A*B~\r\nbinary\x00\xff end"
LIMIT = 1_000_000

PROTECTION = {
    "plain": {"encryption": None, "signature": None},
    "signed": {"encryption": None},
    "encrypted": {"signature": None},
    "both": {},
}
MDNS = {
    "none": {"mode": "none"},
    "unsigned": {"mode": "sync", "signed": False},
    "signed": {"mode": "sync", "signed": True},
}


def _inbound_for(protection: str) -> dict[str, Any]:
    return {
        "require_signed": protection in ("signed", "both"),
        "require_encrypted": protection in ("encrypted", "both"),
    }


def _roundtrip(pair: PairFactory, outbound: dict[str, Any], mdn: dict[str, Any], inbound: dict[str, Any]) -> None:
    sender, receiver = pair(outbound=outbound, mdn=mdn, inbound=inbound)
    message = build_message(sender, PAYLOAD, "po 1.edi", "application/edi-x12")
    result = receive(message.headers, message.body, lambda f, t: receiver, NOW, max_decompressed_bytes=LIMIT)
    assert result.error is None, result.error
    assert result.payload == PAYLOAD
    assert result.filename == "po_1.edi"
    assert result.content_type == "application/edi-x12"
    assert result.mic == message.mic and result.mic_algorithm is message.mic_algorithm
    assert result.security.signed == (outbound.get("signature", "x") is not None)
    assert result.security.encrypted == (outbound.get("encryption", "x") is not None)
    if mdn["mode"] == "none":
        assert result.mdn is None
        return
    assert result.mdn is not None and result.mdn.signed == mdn["signed"]
    verdict = parse_mdn(
        result.mdn.headers,
        result.mdn.body,
        sender,
        message.message_id,
        message.mic,
        NOW,
        expected_mic_algorithm=message.mic_algorithm,
    )
    assert verdict.status is MdnStatus.PROCESSED and verdict.mic_check is MicCheck.MATCH


@pytest.mark.parametrize("compression", ["none", "before-signing", "after-signing"])
@pytest.mark.parametrize("mdn", list(MDNS))
@pytest.mark.parametrize("protection", list(PROTECTION))
def test_roundtrip_matrix(pair: PairFactory, protection: str, mdn: str, compression: str) -> None:
    _roundtrip(pair, PROTECTION[protection] | {"compression": compression}, MDNS[mdn], _inbound_for(protection))


@pytest.mark.parametrize("digest", ["sha256", "sha384", "sha512"])
@pytest.mark.parametrize("cipher", ["aes128-cbc", "aes192-cbc", "aes256-cbc"])
def test_every_allowed_digest_and_cipher(pair: PairFactory, digest: str, cipher: str) -> None:
    _roundtrip(
        pair,
        {"encryption": cipher, "signature": digest},
        {"mode": "sync", "signed": True, "mic_algorithm": digest},
        {},
    )


@pytest.mark.parametrize("options", [{"key_transport": "rsaes-oaep"}, {"signature_scheme": "pss"}])
def test_oaep_and_pss(pair: PairFactory, options: dict[str, Any]) -> None:
    _roundtrip(pair, options, MDNS["signed"], {})


def _receive(receiver: Any, headers: dict[str, str], body: bytes, now: datetime = NOW, limit: int = LIMIT) -> Any:
    return receive(headers, body, lambda f, t: receiver, now, max_decompressed_bytes=limit)


def _expect(result: Any, error: type, modifier: str) -> None:
    assert isinstance(result.error, error), result.error
    assert result.payload is None
    assert result.mdn is not None
    assert result.mdn.disposition == f"automatic-action/MDN-sent-automatically; processed/error: {modifier}"
    assert result.disposition.value == modifier


def test_unknown_partner(pair: PairFactory) -> None:
    sender, _ = pair()
    message = build_message(sender, PAYLOAD, None)
    result = receive(message.headers, message.body, lambda f, t: None, NOW, max_decompressed_bytes=LIMIT)
    _expect(result, UnknownPartnerError, "unknown-trading-partner")
    assert not result.mdn.signed  # we have no key for a stranger


def test_bad_signature_unknown_certificate(pair: PairFactory, identities: Any) -> None:
    sender, receiver = pair()
    stranger = {"path": str(identities.stranger.key_pem)}
    impostor, _ = pair(our_signing_key=stranger)
    message = build_message(impostor, PAYLOAD, None)
    _expect(_receive(receiver, message.headers, message.body), AuthenticationFailedError, "authentication-failed")


def test_expired_certificate(pair: PairFactory) -> None:
    sender, receiver = pair()
    message = build_message(sender, PAYLOAD, None)
    result = _receive(receiver, message.headers, message.body, now=NOW + timedelta(days=3650))
    _expect(result, CertificateError, "authentication-failed")
    assert "valid only from" in str(result.error)


def test_certificate_switch_over(pair: PairFactory, identities: Any) -> None:
    """Inbound accepts any currently valid certificate; outbound uses the one whose window started last."""
    later = (NOW + timedelta(days=30)).isoformat()
    certs = [
        {"path": str(identities.theirs.cert_pem), "label": "old", "not_after": later},
        {"path": str(identities.stranger.cert_pem), "label": "new", "not_before": later},
    ]
    sender, _ = pair(their_certificates=certs)
    assert sender.current_certificate(NOW).label == "old"
    assert sender.current_certificate(NOW + timedelta(days=31)).label == "new"


def test_decryption_failure_wrong_key(pair: PairFactory, identities: Any) -> None:
    sender, receiver = pair()
    wrong, _ = pair(our_decryption_key={"path": str(identities.stranger.key_pem)})
    message = build_message(sender, PAYLOAD, None)
    receiver_wrong = type(receiver)(
        receiver.partner_id, receiver.profile, receiver.signing_key, wrong.decryption_key, receiver.certificates
    )
    _expect(_receive(receiver_wrong, message.headers, message.body), DecryptionFailedError, "decryption-failed")


def test_integrity_failure_on_tampered_content(pair: PairFactory) -> None:
    sender, receiver = pair(outbound={"encryption": None}, inbound={"require_encrypted": False})
    message = build_message(sender, PAYLOAD, None)
    tampered = message.body.replace(b"GS*PO", b"GS*IN", 1)
    assert tampered != message.body
    _expect(_receive(receiver, message.headers, tampered), IntegrityCheckFailedError, "integrity-check-failed")


@pytest.mark.parametrize(
    ("outbound", "inbound"),
    [
        ({"signature": None}, {}),  # unsigned where signing is required
        ({"encryption": None}, {}),  # unencrypted where encryption is required
        ({"encryption": "3des"}, {}),  # 3DES outside the allow-list
        ({"signature": "sha1"}, {}),  # SHA-1 outside the allow-list
    ],
)
def test_insufficient_security(pair: PairFactory, outbound: dict[str, Any], inbound: dict[str, Any]) -> None:
    sender, _ = pair(outbound=outbound)
    _, receiver = pair(inbound=inbound)
    message = build_message(sender, PAYLOAD, None)
    result = _receive(receiver, message.headers, message.body)
    _expect(result, InsufficientSecurityError, "insufficient-message-security")


def test_3des_and_sha1_accepted_where_allowed(pair: PairFactory) -> None:
    legacy = {"encryption": ["aes128-cbc", "3des"], "digests": ["sha256", "sha1"]}
    _roundtrip(
        pair,
        {"encryption": "3des", "signature": "sha1"},
        {"mode": "sync", "signed": True, "mic_algorithm": "sha1"},
        legacy,
    )


def test_unsupported_mic_algorithm_gives_failed_mdn(pair: PairFactory) -> None:
    sender, receiver = pair()
    message = build_message(sender, PAYLOAD, None)
    headers = dict(message.headers)
    headers["Disposition-Notification-Options"] = (
        "signed-receipt-protocol=required, pkcs7-signature; signed-receipt-micalg=required, md5, sha1"
    )
    result = _receive(receiver, headers, message.body)
    assert isinstance(result.error, UnsupportedMicAlgorithmError)
    assert result.mdn.disposition.endswith("; failed/Failure: unsupported MIC-algorithms")
    verdict = parse_mdn(result.mdn.headers, result.mdn.body, sender, message.message_id, None, NOW)
    assert verdict.status is MdnStatus.FAILED and verdict.error_disposition is Disposition.UNSUPPORTED_MIC_ALGORITHMS


def test_first_supported_mic_algorithm_is_chosen(pair: PairFactory) -> None:
    sender, receiver = pair()
    message = build_message(sender, PAYLOAD, None)
    headers = dict(message.headers)
    headers["Disposition-Notification-Options"] = (
        "signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, md5, sha384, sha256"
    )
    result = _receive(receiver, headers, message.body)
    assert result.error is None and result.mic_algorithm.value == "sha384"
    assert "micalg=sha384" in result.mdn.headers["Content-Type"]


def test_decompression_bomb_over_limit(pair: PairFactory) -> None:
    sender, receiver = pair(outbound={"compression": "before-signing"})
    big = b"A" * 2_000_000
    message = build_message(sender, big, None)
    assert len(message.body) < 100_000
    result = _receive(receiver, message.headers, message.body, limit=1_000_000)
    _expect(result, DecompressionFailedError, "decompression-failed")


def test_corrupt_compressed_data(pair: PairFactory) -> None:
    from asn1crypto import cms

    sender, receiver = pair(
        outbound={"compression": "after-signing", "encryption": None}, inbound={"require_encrypted": False}
    )
    message = build_message(sender, PAYLOAD, None)
    info = cms.ContentInfo.load(message.body)
    data = info["content"]["encap_content_info"]["content"].native
    assert zlib.decompress(data)
    corrupt = message.body.replace(data[5:15], bytes(10))
    _expect(_receive(receiver, message.headers, corrupt), DecompressionFailedError, "decompression-failed")


def test_resend_keeps_message_id(pair: PairFactory) -> None:
    sender, _ = pair()
    first = build_message(sender, PAYLOAD, None)
    again = build_message(sender, PAYLOAD, None, message_id=first.message_id)
    assert again.headers["Message-ID"] == first.headers["Message-ID"]


def test_mdn_from_wrong_signer_is_refused(pair: PairFactory, identities: Any) -> None:
    sender, receiver = pair()
    message = build_message(sender, PAYLOAD, None)
    result = _receive(receiver, message.headers, message.body)
    impostor, _ = pair(their_certificates=[{"path": str(identities.stranger.cert_pem)}])
    from gateway.errors import MdnError

    with pytest.raises(MdnError, match="not in the profile"):
        parse_mdn(result.mdn.headers, result.mdn.body, impostor, message.message_id, message.mic, NOW)
