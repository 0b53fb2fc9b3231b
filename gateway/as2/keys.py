"""Load a partner's AS2 keys and certificates once, and pick the certificate valid at a given moment."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from oscrypto import asymmetric

from gateway.errors import CertificateError, ConfigError
from gateway.partners.as2_section import AS2Section, KeySource, PartnerCertificate

# Every development certificate made by `acorn certs new --dev` carries this OU; production refuses it.
DEV_MARKER_OU = "Acorn development key - not for production"


@dataclass(frozen=True)
class KeyPair:
    """A private key with its certificate, in the form pyas2lib's CMS functions take."""

    private_key: Any
    certificate: Any

    def as_tuple(self) -> tuple[Any, Any]:
        return (self.private_key, self.certificate)

    @property
    def issuer_serial(self) -> tuple[bytes, int]:
        return issuer_serial(self.certificate)


@dataclass(frozen=True)
class WindowedCertificate:
    """A partner certificate with the window in which we use it (profile override or the cert's own)."""

    certificate: Any
    not_before: datetime
    not_after: datetime
    label: str
    sha256: str

    def valid_at(self, now: datetime) -> bool:
        return self.not_before <= now <= self.not_after

    @property
    def issuer_serial(self) -> tuple[bytes, int]:
        return issuer_serial(self.certificate)


@dataclass(frozen=True)
class As2Partner:
    """A partner profile with its keys loaded; build once per profile, share across messages."""

    partner_id: str
    profile: AS2Section
    signing_key: KeyPair | None
    decryption_key: KeyPair | None
    certificates: tuple[WindowedCertificate, ...]

    def valid_certificates(self, now: datetime) -> list[WindowedCertificate]:
        return [c for c in self.certificates if c.valid_at(now)]

    def current_certificate(self, now: datetime) -> WindowedCertificate:
        """The certificate for outbound use: of those valid now, the one whose window started last."""
        valid = self.valid_certificates(now)
        if not valid:
            windows = ", ".join(f"{c.label} {c.not_before:%Y-%m-%d}..{c.not_after:%Y-%m-%d}" for c in self.certificates)
            raise CertificateError(
                f"partner {self.partner_id}: no certificate valid at {now.isoformat()} (windows: {windows or 'none'})"
            )
        return max(valid, key=lambda c: c.not_before)


def issuer_serial(cert: Any) -> tuple[bytes, int]:
    tbs = cert.asn1["tbs_certificate"]
    return (tbs["issuer"].dump(), int(tbs["serial_number"].native))


def _read(path: Path, what: str, partner_id: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"partner {partner_id}: cannot read {what}: {exc.strerror}", path=str(path)) from exc


def _is_dev_cert(cert: Any) -> bool:
    subject = cert.asn1["tbs_certificate"]["subject"].native
    return DEV_MARKER_OU in str(subject.get("organizational_unit_name", ""))


def load_key_pair(source: KeySource, partner_id: str, *, production: bool) -> KeyPair:
    """Read a PKCS#12 or PEM (key + certificate) file; refuse development keys in production."""
    data = _read(source.path, "key file", partner_id)
    password = source.password.resolve() if source.password is not None else None
    key = cert = None
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            for block in _pem_blocks(data):
                if b"CERTIFICATE" in block.split(b"\n", 1)[0]:
                    cert = cert or asymmetric.load_certificate(block)
                else:
                    key = asymmetric.load_private_key(block, password)
        else:
            key, cert, _ = asymmetric.load_pkcs12(data, password)
    except (ValueError, TypeError, OSError) as exc:
        raise ConfigError(f"partner {partner_id}: cannot load key ({exc})", path=str(source.path)) from exc
    if key is None or cert is None:
        raise ConfigError(
            f"partner {partner_id}: key file needs both a private key and its certificate", path=str(source.path)
        )
    if production and _is_dev_cert(cert):
        raise ConfigError(
            f"partner {partner_id}: development key refused in production (subject OU '{DEV_MARKER_OU}')",
            path=str(source.path),
        )
    return KeyPair(key, cert)


def _pem_blocks(data: bytes) -> list[bytes]:
    blocks, current = [], b""
    for line in data.splitlines(keepends=True):
        if line.startswith(b"-----BEGIN"):
            current = line
        elif current:
            current += line
            if line.startswith(b"-----END"):
                blocks.append(current)
                current = b""
    return blocks


def load_certificate(entry: PartnerCertificate, partner_id: str) -> WindowedCertificate:
    data = _read(entry.path, "certificate", partner_id)
    try:
        blocks = _pem_blocks(data) if data.lstrip().startswith(b"-----BEGIN") else [data]
        cert = asymmetric.load_certificate(blocks[0])
    except (ValueError, TypeError, IndexError) as exc:
        raise ConfigError(f"partner {partner_id}: not a certificate ({exc})", path=str(entry.path)) from exc
    validity = cert.asn1["tbs_certificate"]["validity"]
    return WindowedCertificate(
        certificate=cert,
        not_before=_aware(entry.not_before) or validity["not_before"].native,
        not_after=_aware(entry.not_after) or validity["not_after"].native,
        label=entry.label or entry.path.name,
        sha256=hashlib.sha256(cert.asn1.dump()).hexdigest(),
    )


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def load_partner(
    partner_id: str, section: AS2Section, *, base_dir: Path | None = None, production: bool = False
) -> As2Partner:
    """Load the keys and certificates a profile names (relative paths against ``base_dir``)."""
    if base_dir is not None:
        section = section.with_base_dir(base_dir)
    sign = (
        load_key_pair(section.our_signing_key, partner_id, production=production) if section.our_signing_key else None
    )
    decrypt = (
        load_key_pair(section.our_decryption_key, partner_id, production=production)
        if section.our_decryption_key
        else None
    )
    certs: Sequence[WindowedCertificate] = [load_certificate(c, partner_id) for c in section.their_certificates]
    if production:
        for cert in certs:
            if _is_dev_cert(cert.certificate):
                raise ConfigError(f"partner {partner_id}: development certificate {cert.label} refused in production")
    return As2Partner(partner_id, section, sign, decrypt, tuple(certs))
