"""cms_sign: the same SignedData pyas2lib builds, byte for byte, and it verifies (ours, pyas2lib's verifier)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pyas2lib import cms as p_cms

from gateway.as2 import cms_ops, cms_sign
from gateway.partners.as2_section import DigestAlgorithm, SignatureScheme
from tests.as2.conftest import PairFactory

DATA = b"Content-Type: multipart/report; boundary=x\r\n\r\n--x\r\nprocessed\r\n--x--\r\n" * 40
SIGNED_AT = datetime(2026, 12, 1, 2, 3, 4, tzinfo=UTC)


class _FixedClock:
    """Stands in for pyas2lib's ``datetime`` so its signing time is ours."""

    @staticmethod
    def utcnow() -> datetime:
        return SIGNED_AT.replace(tzinfo=None)


@pytest.mark.parametrize("digest", list(DigestAlgorithm))
def test_same_bytes_as_pyas2lib(pair: PairFactory, digest: DigestAlgorithm, monkeypatch: pytest.MonkeyPatch) -> None:
    _, receiver = pair()
    key = receiver.signing_key
    assert key is not None
    monkeypatch.setattr(p_cms, "datetime", _FixedClock)
    theirs = p_cms.sign_message(DATA, digest.value, key.as_tuple(), "rsassa_pkcs1v15")
    assert cms_sign.sign(DATA, digest, key, SignatureScheme.PKCS1V15, SIGNED_AT) == theirs


@pytest.mark.parametrize("scheme", list(SignatureScheme))
def test_verifies_and_names_its_signer(pair: PairFactory, scheme: SignatureScheme) -> None:
    sender, receiver = pair()
    key = receiver.signing_key
    assert key is not None
    signature = cms_sign.sign(DATA, DigestAlgorithm.SHA384, key, scheme)
    facts = cms_ops.signer_facts(signature)
    assert facts.digest is DigestAlgorithm.SHA384 and facts.issuer_serial == key.issuer_serial
    certificate = next(c for c in sender.certificates if c.issuer_serial == key.issuer_serial)
    cms_ops.verify(DATA, signature, certificate)
    with pytest.raises(Exception, match="does not match"):
        cms_ops.verify(DATA + b"x", signature, certificate)


def test_long_and_short_lengths() -> None:
    assert cms_sign._tlv(0x04, b"a" * 5) == b"\x04\x05" + b"a" * 5
    assert cms_sign._tlv(0x04, b"a" * 200) == b"\x04\x81\xc8" + b"a" * 200
    assert cms_sign._tlv(0x04, b"a" * 300) == b"\x04\x82\x01\x2c" + b"a" * 300
