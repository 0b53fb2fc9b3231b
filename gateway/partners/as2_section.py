"""The ``as2:`` block of a partner profile: identities, keys, certificates, algorithms, MDN and transport policy.

Secrets never live in the profile: a password is named by an environment variable or a secrets file. Relative
paths are relative to the profile file; ``AS2Section.with_base_dir`` makes them absolute (the loader calls it).
"""

from __future__ import annotations

import os
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gateway.errors import ConfigError


class EncryptionAlgorithm(StrEnum):
    """Content encryption; 3DES and the legacy ones are accepted inbound only where a profile allows them."""

    AES128_CBC = "aes128-cbc"
    AES192_CBC = "aes192-cbc"
    AES256_CBC = "aes256-cbc"
    TRIPLE_DES = "3des"
    RC2 = "rc2"
    DES = "des"
    RC4 = "rc4"


class KeyTransport(StrEnum):
    RSAES_PKCS1V15 = "rsaes-pkcs1v15"
    RSAES_OAEP = "rsaes-oaep"


class DigestAlgorithm(StrEnum):
    """Signature and MIC digests; the names are the ``micalg`` / ``signed-receipt-micalg`` tokens."""

    SHA256 = "sha256"
    SHA384 = "sha384"
    SHA512 = "sha512"
    SHA224 = "sha224"
    SHA1 = "sha1"
    MD5 = "md5"


class SignatureScheme(StrEnum):
    PKCS1V15 = "pkcs1v15"
    PSS = "pss"


class Compression(StrEnum):
    NONE = "none"
    BEFORE_SIGNING = "before-signing"
    AFTER_SIGNING = "after-signing"


class MdnMode(StrEnum):
    NONE = "none"
    SYNC = "sync"
    ASYNC = "async"


AES_ALGORITHMS = (EncryptionAlgorithm.AES128_CBC, EncryptionAlgorithm.AES192_CBC, EncryptionAlgorithm.AES256_CBC)
SHA2_ALGORITHMS = (DigestAlgorithm.SHA256, DigestAlgorithm.SHA384, DigestAlgorithm.SHA512)
# RFC 4130bis forbids generating these; they may only appear in an inbound allow-list.
LEGACY_ENCRYPTION = (EncryptionAlgorithm.RC2, EncryptionAlgorithm.DES, EncryptionAlgorithm.RC4)
LEGACY_DIGESTS = (DigestAlgorithm.MD5,)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SecretRef(_Strict):
    """Where a password comes from: an environment variable or a file (first line); never the value itself."""

    env: str | None = None
    file: Path | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> SecretRef:
        if (self.env is None) == (self.file is None):
            raise ValueError("a secret needs exactly one of 'env' or 'file'")
        return self

    def resolve(self) -> str:
        """Read the secret now; a missing variable or file is a ConfigError naming it."""
        if self.env is not None:
            value = os.environ.get(self.env)
            if value is None:
                raise ConfigError(f"environment variable {self.env} (a password) is not set")
            return value
        assert self.file is not None
        try:
            return self.file.read_text(encoding="utf-8").splitlines()[0] if self.file.stat().st_size else ""
        except OSError as exc:
            raise ConfigError(f"cannot read secrets file: {exc}", path=str(self.file)) from exc


class KeySource(_Strict):
    """A private key with its certificate: a PEM file holding both, or a PKCS#12 file."""

    path: Path
    password: SecretRef | None = None


class PartnerCertificate(_Strict):
    """One of the partner's certificates; the window defaults to the certificate's own validity."""

    path: Path
    not_before: datetime | None = None
    not_after: datetime | None = None
    label: str | None = None


class OutboundAlgorithms(_Strict):
    """What we generate when sending; ``encryption``/``signature`` null means do not encrypt/sign."""

    encryption: EncryptionAlgorithm | None = EncryptionAlgorithm.AES256_CBC
    key_transport: KeyTransport = KeyTransport.RSAES_PKCS1V15
    signature: DigestAlgorithm | None = DigestAlgorithm.SHA256
    signature_scheme: SignatureScheme = SignatureScheme.PKCS1V15
    compression: Compression = Compression.NONE

    @model_validator(mode="after")
    def _no_forbidden(self) -> OutboundAlgorithms:
        if self.encryption in LEGACY_ENCRYPTION:
            raise ValueError(f"outbound encryption {self.encryption} is forbidden (RFC 4130bis)")
        if self.signature in LEGACY_DIGESTS:
            raise ValueError(f"outbound signature digest {self.signature} is forbidden (RFC 4130bis)")
        return self


class InboundPolicy(_Strict):
    """What we accept; the defaults are the RFC 4130bis floor (AES, SHA-2, signed and encrypted)."""

    encryption: list[EncryptionAlgorithm] = Field(default_factory=lambda: list(AES_ALGORITHMS))
    digests: list[DigestAlgorithm] = Field(default_factory=lambda: list(SHA2_ALGORITHMS))
    require_signed: bool = True
    require_encrypted: bool = True


class MdnPolicy(_Strict):
    """The receipt we request on outbound messages."""

    mode: MdnMode = MdnMode.SYNC
    signed: bool = True
    mic_algorithm: DigestAlgorithm = DigestAlgorithm.SHA256
    async_url: str | None = Field(default=None, description="Our URL for asynchronous MDNs.")

    @model_validator(mode="after")
    def _async_needs_url(self) -> MdnPolicy:
        if self.mode is MdnMode.ASYNC and not self.async_url:
            raise ValueError("mdn.mode async needs mdn.async_url (where the partner posts the MDN)")
        return self


class HttpBasicAuth(_Strict):
    username: str
    password: SecretRef


class TlsClientCert(_Strict):
    """Client certificate for the partner's HTTPS endpoint, and an optional CA bundle to verify it."""

    cert: Path | None = None
    key: Path | None = None
    key_password: SecretRef | None = None
    ca_bundle: Path | None = None
    verify: bool = True


class Timeouts(_Strict):
    connect_seconds: float = Field(default=10.0, gt=0)
    read_seconds: float = Field(default=120.0, gt=0)


class RetryPolicy(_Strict):
    max_attempts: int = Field(default=6, ge=1, le=100)
    base_delay_seconds: float = Field(default=30.0, ge=0)
    max_delay_seconds: float = Field(default=3600.0, ge=0)


class AS2Section(_Strict):
    """AS2 identities, certificates, algorithms and MDN policy of one trading partner."""

    our_as2_id: str = Field(min_length=1, max_length=128)
    their_as2_id: str = Field(min_length=1, max_length=128)
    url: str | None = Field(default=None, description="Their AS2 endpoint.")
    our_signing_key: KeySource | None = None
    our_decryption_key: KeySource | None = None
    their_certificates: list[PartnerCertificate] = Field(default_factory=list)
    outbound: OutboundAlgorithms = Field(default_factory=OutboundAlgorithms)
    inbound: InboundPolicy = Field(default_factory=InboundPolicy)
    mdn: MdnPolicy = Field(default_factory=MdnPolicy)
    http_auth: HttpBasicAuth | None = None
    tls: TlsClientCert | None = None
    timeouts: Timeouts = Field(default_factory=Timeouts)
    retry: RetryPolicy = Field(default_factory=RetryPolicy)
    resend_keeps_message_id: bool = True
    subject: str = "AS2 message"
    content_type: str = "application/edi-x12"

    def with_base_dir(self, base: Path) -> AS2Section:
        """Return a copy whose relative paths are resolved against ``base`` (the profile's directory)."""

        def fix(path: Path | None) -> Path | None:
            return None if path is None or path.is_absolute() else base / path

        def secret(ref: SecretRef | None) -> SecretRef | None:
            return None if ref is None or ref.file is None else ref.model_copy(update={"file": fix(ref.file)})

        def key(src: KeySource | None) -> KeySource | None:
            if src is None:
                return None
            return src.model_copy(
                update={"path": fix(src.path) or src.path, "password": secret(src.password) or src.password}
            )

        update: dict[str, object] = {
            "our_signing_key": key(self.our_signing_key),
            "our_decryption_key": key(self.our_decryption_key),
            "their_certificates": [
                c.model_copy(update={"path": fix(c.path) or c.path}) for c in self.their_certificates
            ],
        }
        if self.http_auth is not None:
            update["http_auth"] = self.http_auth.model_copy(
                update={"password": secret(self.http_auth.password) or self.http_auth.password}
            )
        if self.tls is not None:
            update["tls"] = self.tls.model_copy(
                update={
                    "cert": fix(self.tls.cert) or self.tls.cert,
                    "key": fix(self.tls.key) or self.tls.key,
                    "ca_bundle": fix(self.tls.ca_bundle) or self.tls.ca_bundle,
                    "key_password": secret(self.tls.key_password) or self.tls.key_password,
                }
            )
        return self.model_copy(update=update)
