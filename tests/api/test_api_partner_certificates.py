"""Partner summaries show certificate fingerprints and days to expiry, never keys."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from gateway.api.translation import certificate_out, partner_summary
from gateway.pipeline.ports import DeliveryTarget, PartnerView
from gateway.pipeline.statuses import Channel

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def _pem(days_left: int) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "amazon-as2")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(NOW - timedelta(days=300))
        .not_valid_after(NOW + timedelta(days=days_left, hours=1))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


def test_certificate_fingerprint_and_expiry() -> None:
    pem = _pem(40)
    out = certificate_out("signing", pem, now=NOW)
    der = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
    assert out.fingerprint_sha256.replace(":", "") == hashlib.sha256(der).hexdigest().upper()
    assert out.subject == "CN=amazon-as2"
    assert out.days_to_expiry == 40
    assert certificate_out("signing", _pem(-3), now=NOW).days_to_expiry == -3


@dataclass(frozen=True)
class _ProfileWithCerts(PartnerView):
    certificates: tuple[tuple[str, bytes], ...] = ()
    as2_id: str | None = None


def test_partner_summary_lists_certificates() -> None:
    view = _ProfileWithCerts(
        id="amazon",
        isa_qualifier="ZZ",
        isa_id="AMAZON",
        our_isa_qualifier="ZZ",
        our_isa_id="ACORN",
        deliveries=(DeliveryTarget("erp", Channel.WEBHOOK, document_types=("850", "180")),),
        certificates=(("signing", _pem(10)), ("encryption", _pem(400))),
        as2_id="AMAZON_AS2",
    )
    summary = partner_summary(view)
    assert summary.isa_id == "ZZ:AMAZON" and summary.as2_id == "AMAZON_AS2"
    assert summary.document_types == ["180", "850"]
    assert [c.usage for c in summary.certificates] == ["signing", "encryption"]
    assert "PRIVATE" not in summary.model_dump_json()
