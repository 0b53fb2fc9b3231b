"""Third-party captures (Mendelson, IBM Sterling) decode and verify; expiry is relaxed for these fixtures only."""

from __future__ import annotations

import base64
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import cms

from gateway.as2 import MdnStatus, MicCheck, load_partner, parse_mdn, receive
from gateway.as2.mdn_parse import _report
from gateway.as2.mime import entity_from_http, parse_entity, split_multipart
from gateway.errors import (
    AuthenticationFailedError,
    CertificateError,
    Disposition,
    InsufficientSecurityError,
    MdnError,
)
from gateway.partners.as2_section import AS2Section
from tests.as2.capture import read_capture
from tests.as2.conftest import SAMPLES

pytestmark = pytest.mark.samples
NOW = datetime(2022, 6, 1, tzinfo=UTC)
FAR_FUTURE = "2099-01-01T00:00:00Z"


@pytest.fixture(autouse=True)
def _passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACORN_TEST_P12_PASSWORD", "test")
    monkeypatch.setenv("ACORN_TEST_OLDPYAS2_PASSWORD", "password")


def mendelson(**inbound: Any) -> Any:
    """Receiver 'pyas2lib' (cert_test.p12) talking to Mendelson 'mecas2': 3DES allowed for this partner only."""
    key = {"path": "cert_test.p12", "password": {"env": "ACORN_TEST_P12_PASSWORD"}}
    policy = {"encryption": ["aes128-cbc", "3des"], "digests": ["sha256", "sha1"]}
    policy.update(inbound)
    section = AS2Section.model_validate(
        {
            "our_as2_id": "pyas2lib",
            "their_as2_id": "mecas2",
            "our_signing_key": key,
            "our_decryption_key": key,
            # The capture's certificate window is overridden (relaxed) for this fixture partner only.
            "their_certificates": [{"path": "cert_mecas2_public.pem", "not_after": FAR_FUTURE}],
            "inbound": policy,
            "mdn": {"mode": "sync", "signed": True},
        }
    )
    return load_partner("mendelson", section, base_dir=SAMPLES)


def test_samples_folder_present() -> None:
    assert SAMPLES.is_dir(), f"{SAMPLES} missing: the shared samples must be present"


def _signature_digest(headers: dict[str, str], body: bytes, partner: Any) -> str | None:
    """The messageDigest signed attribute: an independent reference for the MIC of a signed message."""
    from gateway.as2 import cms_ops

    entity = entity_from_http(headers, body)
    if entity.content_type != "multipart/signed":
        entity = parse_entity(cms_ops.decrypt(entity.decoded_body(), partner.decryption_key))
    if entity.content_type != "multipart/signed":
        return None
    signature = parse_entity(split_multipart(entity)[1]).decoded_body()
    signer = cms.ContentInfo.load(signature)["content"]["signer_infos"][0]
    for attr in signer["signed_attrs"]:
        if attr["type"].native == "message_digest":
            return base64.b64encode(attr["values"][0].native).decode()
    return None


@pytest.mark.parametrize(
    ("name", "signed", "encrypted", "compressed"),
    [
        ("mecas2_encrypted.as2", False, True, False),
        ("mecas2_signed.as2", True, False, False),
        ("mecas2_compressed.as2", True, False, True),
        ("mecas2_signed_encrypted.as2", True, True, False),
        ("mecas2_compressed_signed_encrypted.as2", True, True, True),
    ],
)
def test_samples_mendelson_messages_decode(name: str, signed: bool, encrypted: bool, compressed: bool) -> None:
    partner = mendelson(require_signed=False, require_encrypted=False)
    headers, body = read_capture(SAMPLES / name)
    result = receive(
        headers,
        body,
        lambda f, t: partner if (f, t) == ("mecas2", "pyas2lib") else None,
        NOW,
        max_decompressed_bytes=1_000_000,
    )
    assert result.error is None, result.error
    assert result.payload is not None
    assert result.payload.replace(b"\r\n", b"\n") == (SAMPLES / "payload.txt").read_bytes().replace(b"\r\n", b"\n")
    assert (result.security.signed, result.security.encrypted, result.security.compressed) == (
        signed,
        encrypted,
        compressed,
    )
    if encrypted:
        assert result.security.encryption == "3des"
    reference = _signature_digest(headers, body, partner)
    if signed:
        assert result.mic == reference  # SHA-256 signature digest == SHA-256 MIC over the same signed entity
    assert result.mic is not None and result.mdn is not None
    assert result.mdn.disposition.endswith("; processed")
    assert f"Received-Content-MIC: {result.mic}, sha256".encode() in result.mdn.body or result.mdn.signed


def test_samples_3des_refused_without_allow_list() -> None:
    partner = mendelson(encryption=["aes128-cbc"], require_signed=False)
    headers, body = read_capture(SAMPLES / "mecas2_encrypted.as2")
    result = receive(headers, body, lambda f, t: partner, NOW, max_decompressed_bytes=1_000_000)
    assert isinstance(result.error, InsufficientSecurityError)
    assert result.mdn is not None and "processed/error: insufficient-message-security" in result.mdn.disposition


def test_samples_expired_without_override_is_refused() -> None:
    partner = mendelson(require_signed=False, require_encrypted=False)
    headers, body = read_capture(SAMPLES / "mecas2_signed.as2")
    result = receive(
        headers, body, lambda f, t: partner, datetime(2100, 1, 1, tzinfo=UTC), max_decompressed_bytes=1_000_000
    )
    assert isinstance(result.error, CertificateError)


def test_samples_mendelson_signed_mdn() -> None:
    """Its signer (serial 1467024405) is not among the sample certificates, so it must be refused, not trusted;
    the report inside is still read exactly."""
    partner = mendelson()
    headers, body = read_capture(SAMPLES / "mecas2_signed.mdn")
    original = "20161230102456.10748.40759@imac.local"
    mic = "O4bvrm5t2YunRfwvZicNdEUmPaPZ9vUslX8loVLDck0="
    with pytest.raises(MdnError, match="not in the profile") as info:
        parse_mdn(headers, body, partner, original, mic, NOW)
    assert info.value.disposition is Disposition.AUTHENTICATION_FAILED
    signed_part = split_multipart(entity_from_http(headers, body))[0]
    text, fields = _report(parse_entity(signed_part))
    assert fields["original-message-id"] == f"<{original}>"
    assert fields["received-content-mic"] == f"{mic}, sha-256"
    assert fields["disposition"].endswith("; processed")


def test_samples_mendelson_unsigned_error_mdn() -> None:
    partner = mendelson()
    headers, body = read_capture(SAMPLES / "mecas2_unsigned.mdn")
    with pytest.raises(MdnError, match="unsigned"):
        parse_mdn(headers, body, partner, "20161230102316.10728.85252@imac.local", None, NOW)
    lenient = partner.profile.model_copy(update={"mdn": partner.profile.mdn.model_copy(update={"signed": False})})
    relaxed = type(partner)(
        partner.partner_id, lenient, partner.signing_key, partner.decryption_key, partner.certificates
    )
    result = parse_mdn(headers, body, relaxed, "20161230102316.10728.85252@imac.local", None, NOW)
    assert result.status is MdnStatus.ERROR and result.modifier == "authentication-failed"


def test_samples_sterling_signed_mdn() -> None:
    section = AS2Section.model_validate(
        {
            "our_as2_id": "AS2 Server",
            "their_as2_id": "Sterling B2B Integrator",
            "our_signing_key": {
                "path": "cert_oldpyas2_private.pem",
                "password": {"env": "ACORN_TEST_OLDPYAS2_PASSWORD"},
            },
            "their_certificates": [{"path": "cert_sb2bi_public.pem", "not_after": FAR_FUTURE}],
            "inbound": {"digests": ["sha256", "sha1"]},
        }
    )
    partner = load_partner("sterling", section, base_dir=SAMPLES)
    headers, body = read_capture(SAMPLES / "sb2bi_signed.mdn")
    original = "151694007918.24690.7052273208458909245@ip-172-31-14-209.ec2.internal"
    result = parse_mdn(headers, body, partner, original, "wNh76aEicfBurg/et2wio4zk/2I=", NOW)
    assert result.signed and result.ok and result.mic_check is MicCheck.MATCH
    with pytest.raises(MdnError, match="does not match"):
        parse_mdn(headers, body, partner, original, "AAAAAAAAAAAAAAAAAAAAAAAAAAA=", NOW)
    sha2_only = AS2Section.model_validate(section.model_dump() | {"inbound": {"digests": ["sha256"]}})
    with pytest.raises(MdnError, match="sha1"):
        parse_mdn(headers, body, load_partner("sterling", sha2_only, base_dir=SAMPLES), original, None, NOW)


def test_samples_sterling_signed_compressed_message_refused() -> None:
    """The capture's signature does not verify with the published Sterling certificate (pyas2lib skips this
    fixture too); the gateway must answer authentication-failed, not accept it."""
    section = AS2Section.model_validate(
        {
            "our_as2_id": "as2server",
            "their_as2_id": "SIAS2PRD",
            "their_certificates": [{"path": "cert_sb2bi_public.pem", "not_after": FAR_FUTURE}],
            "inbound": {"digests": ["sha256", "sha1"], "require_encrypted": False},
        }
    )
    partner = load_partner("sterling", section, base_dir=SAMPLES)
    headers, body = read_capture(SAMPLES / "sb2bi_signed_cmp.msg")
    result = receive(headers, body, lambda f, t: partner, NOW, max_decompressed_bytes=1_000_000)
    assert isinstance(result.error, AuthenticationFailedError)
    assert result.mdn is not None and "processed/error: authentication-failed" in result.mdn.disposition


def test_samples_p12_password_from_file(tmp_path: Path) -> None:
    secret = tmp_path / "p12.secret"
    secret.write_text("test\n")
    section = AS2Section.model_validate(
        {
            "our_as2_id": "a",
            "their_as2_id": "b",
            "our_decryption_key": {"path": str(SAMPLES / "cert_test.p12"), "password": {"file": str(secret)}},
        }
    )
    assert load_partner("p", section).decryption_key is not None
    os.environ.pop("ACORN_TEST_MISSING", None)
