"""Generate and describe AS2 keys and certificates (cryptography)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from gateway.as2.keys import DEV_MARKER_OU
from gateway.errors import ConfigError


@dataclass(frozen=True)
class GeneratedKey:
    key_pem: Path  # private key followed by its certificate (what KeySource.path takes)
    cert_pem: Path  # certificate only, to hand to the partner


def generate(
    as2_id: str, out_dir: Path, *, key_size: int = 2048, days: int = 730, development: bool = True,
    valid_from: datetime | None = None,
) -> GeneratedKey:
    """An RSA key and self-signed SHA-256 certificate for ``as2_id``; development ones carry the refusal marker."""
    if key_size < 2048:
        raise ValueError("RSA keys shorter than 2048 bits are not accepted")
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    attributes = [
        x509.NameAttribute(NameOID.COMMON_NAME, as2_id),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Acorn"),
    ]
    if development:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, DEV_MARKER_OU))
    name = x509.Name(attributes)
    now = datetime.now(UTC)
    # Five minutes back by default so a partner whose clock runs a little behind still accepts the certificate.
    not_before = valid_from or now - timedelta(minutes=5)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_encipherment=True,
                content_commitment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in as2_id.lower())
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    key_path, cert_path = out_dir / f"{stem}.key.pem", out_dir / f"{stem}.cert.pem"
    key_path.write_bytes(key_pem + cert_pem)
    key_path.chmod(0o600)
    cert_path.write_bytes(cert_pem)
    return GeneratedKey(key_path, cert_path)


@dataclass(frozen=True)
class CertificateInfo:
    subject: str
    issuer: str
    serial: str
    sha1: str
    sha256: str
    not_before: datetime
    not_after: datetime
    key_bits: int | None
    development: bool

    def valid_at(self, now: datetime) -> bool:
        return self.not_before <= now <= self.not_after


def describe(path: Path) -> CertificateInfo:
    """Subject, issuer, serial, fingerprints and validity of the first certificate in a PEM or DER file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read certificate: {exc.strerror}", path=str(path)) from exc
    try:
        if b"-----BEGIN CERTIFICATE-----" in data:
            cert = x509.load_pem_x509_certificate(data[data.index(b"-----BEGIN CERTIFICATE-----") :])
        else:
            cert = x509.load_der_x509_certificate(data)
    except ValueError as exc:
        raise ConfigError(f"not an X.509 certificate: {exc}", path=str(path)) from exc
    public = cert.public_key()
    bits = public.key_size if isinstance(public, rsa.RSAPublicKey) else None
    ou = cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)
    return CertificateInfo(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        serial=format(cert.serial_number, "x"),
        sha1=cert.fingerprint(hashes.SHA1()).hex(":").upper(),
        sha256=cert.fingerprint(hashes.SHA256()).hex(":").upper(),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        key_bits=bits,
        development=any(a.value == DEV_MARKER_OU for a in ou),
    )


def ensure_dev_keys(data_dir: Path, as2_id: str) -> GeneratedKey:
    """Development keys under ``data_dir/dev-keys``, created on first run and reused afterwards."""
    out = data_dir / "dev-keys"
    stem = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in as2_id.lower())
    existing = GeneratedKey(out / f"{stem}.key.pem", out / f"{stem}.cert.pem")
    if existing.key_pem.exists() and existing.cert_pem.exists():
        return existing
    return generate(as2_id, out, development=True)
