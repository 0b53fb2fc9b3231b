"""CMS operations over pyas2lib.cms, with the checks it lacks: algorithm facts, signer lookup, bounded inflate."""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from asn1crypto import cms
from pyas2lib import cms as p_cms
from pyas2lib.exceptions import AS2Exception, DecryptionError, IntegrityError

from gateway.as2 import cms_sign
from gateway.as2.keys import KeyPair, WindowedCertificate
from gateway.errors import (
    AuthenticationFailedError,
    DecompressionFailedError,
    DecryptionFailedError,
    IntegrityCheckFailedError,
)
from gateway.partners.as2_section import (
    DigestAlgorithm,
    EncryptionAlgorithm,
    KeyTransport,
    SignatureScheme,
)

_CIPHER_FROM_ASN1 = {
    "aes128_cbc": EncryptionAlgorithm.AES128_CBC,
    "aes192_cbc": EncryptionAlgorithm.AES192_CBC,
    "aes256_cbc": EncryptionAlgorithm.AES256_CBC,
    "tripledes_3key": EncryptionAlgorithm.TRIPLE_DES,
    "rc2": EncryptionAlgorithm.RC2,
    "des": EncryptionAlgorithm.DES,
    "rc4": EncryptionAlgorithm.RC4,
}
_CIPHER_TO_PYAS2LIB = {
    EncryptionAlgorithm.AES128_CBC: "aes_128_cbc",
    EncryptionAlgorithm.AES192_CBC: "aes_192_cbc",
    EncryptionAlgorithm.AES256_CBC: "aes_256_cbc",
    EncryptionAlgorithm.TRIPLE_DES: "tripledes_192_cbc",
}
_KEY_TRANSPORT_FROM_ASN1 = {
    "rsaes_pkcs1v15": KeyTransport.RSAES_PKCS1V15,
    "rsa": KeyTransport.RSAES_PKCS1V15,
    "rsaes_oaep": KeyTransport.RSAES_OAEP,
}
_DIGEST_ALIASES = {"sha-256": "sha256", "sha-384": "sha384", "sha-512": "sha512", "sha-1": "sha1", "sha-224": "sha224"}


def digest_from_token(token: str) -> DigestAlgorithm | None:
    """A micalg token (``sha256``, ``sha-256``, ``SHA256``) as our enum, or None if unknown."""
    name = token.strip().lower()
    name = _DIGEST_ALIASES.get(name, name)
    try:
        return DigestAlgorithm(name)
    except ValueError:
        return None


def mic(data: bytes, algorithm: DigestAlgorithm) -> str:
    """The base64 digest as it appears in Received-Content-MIC."""
    return base64.b64encode(hashlib.new(algorithm.value, data).digest()).decode("ascii")


@dataclass(frozen=True)
class EnvelopeFacts:
    encryption: EncryptionAlgorithm | None
    encryption_name: str
    key_transport: KeyTransport | None


def envelope_facts(der: bytes) -> EnvelopeFacts:
    """Which content cipher and key transport an enveloped-data object uses (read before decrypting)."""
    try:
        info = cms.ContentInfo.load(der)
        if info["content_type"].native != "enveloped_data":
            raise DecryptionFailedError(f"expected CMS enveloped-data, found {info['content_type'].native}")
        content = info["content"]
        name = content["encrypted_content_info"]["content_encryption_algorithm"]["algorithm"].native
        recipient = content["recipient_infos"][0].chosen
        transport = recipient["key_encryption_algorithm"]["algorithm"].native
    except DecryptionFailedError:
        raise
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise DecryptionFailedError(f"enveloped-data cannot be parsed: {exc}") from exc
    return EnvelopeFacts(_CIPHER_FROM_ASN1.get(name), str(name), _KEY_TRANSPORT_FROM_ASN1.get(str(transport)))


def decrypt(der: bytes, key: KeyPair) -> bytes:
    try:
        _, content = p_cms.decrypt_message(der, key.as_tuple())
    except (DecryptionError, AS2Exception, ValueError, TypeError, OSError) as exc:
        raise DecryptionFailedError(f"decryption failed: {exc}") from exc
    if content is None:
        raise DecryptionFailedError("decryption produced no content")
    return bytes(content)


def encrypt(data: bytes, algorithm: EncryptionAlgorithm, cert: Any, transport: KeyTransport) -> bytes:
    name = _CIPHER_TO_PYAS2LIB.get(algorithm)
    if name is None:
        raise ValueError(f"we do not generate {algorithm} (RFC 4130bis)")
    return bytes(p_cms.encrypt_message(data, name, cert, transport.value.replace("-", "_")))


def sign(data: bytes, digest: DigestAlgorithm, key: KeyPair, scheme: SignatureScheme) -> bytes:
    """A detached CMS signature over ``data`` (pyas2lib's structure, its constant parts encoded once: cms_sign)."""
    return cms_sign.sign(data, digest, key, scheme)


@dataclass(frozen=True)
class SignerFacts:
    digest: DigestAlgorithm | None
    digest_name: str
    issuer_serial: tuple[bytes, int]


def signer_facts(signature_der: bytes) -> SignerFacts:
    try:
        info = cms.ContentInfo.load(signature_der)
        if info["content_type"].native != "signed_data":
            raise AuthenticationFailedError(f"expected CMS signed-data, found {info['content_type'].native}")
        signer = info["content"]["signer_infos"][0]
        sid = signer["sid"]
        if sid.name != "issuer_and_serial_number":
            raise AuthenticationFailedError("signer identified by subject key identifier; issuer and serial expected")
        ias = sid.chosen
        digest_name = str(signer["digest_algorithm"]["algorithm"].native)
        return SignerFacts(
            digest_from_token(digest_name),
            digest_name,
            (ias["issuer"].dump(), int(ias["serial_number"].native)),
        )
    except AuthenticationFailedError:
        raise
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise AuthenticationFailedError(f"signature cannot be parsed: {exc}") from exc


def find_signer(facts: SignerFacts, certificates: Sequence[WindowedCertificate]) -> WindowedCertificate | None:
    for cert in certificates:
        if cert.issuer_serial == facts.issuer_serial:
            return cert
    return None


def verify(data: bytes, signature_der: bytes, cert: WindowedCertificate) -> None:
    """Check the detached signature; a digest mismatch is integrity, a bad signature authentication."""
    try:
        p_cms.verify_message(data, signature_der, cert.certificate)
    except IntegrityError as exc:
        if "Message Digest does not match" in str(exc):
            raise IntegrityCheckFailedError(f"content does not match its signature: {exc}") from exc
        raise AuthenticationFailedError(f"signature does not verify with {cert.label}: {exc}") from exc
    except Exception as exc:  # pyas2lib raises bare Exception for unknown digests
        raise AuthenticationFailedError(f"signature cannot be verified: {exc}") from exc


def compress(data: bytes) -> bytes:
    return bytes(p_cms.compress_message(data))


def decompress(der: bytes, limit: int) -> bytes:
    """Inflate CMS compressed-data (RFC 3274) refusing output beyond ``limit`` bytes."""
    try:
        info = cms.ContentInfo.load(der)
        if info["content_type"].native != "compressed_data":
            raise DecompressionFailedError(f"expected CMS compressed-data, found {info['content_type'].native}")
        content = info["content"]
        algorithm = content["compression_algorithm"]["algorithm"].native
        if algorithm != "zlib":
            raise DecompressionFailedError(f"unsupported compression algorithm {algorithm}")
        data = content["encap_content_info"]["content"].native
    except DecompressionFailedError:
        raise
    except (ValueError, TypeError, KeyError) as exc:
        raise DecompressionFailedError(f"compressed-data cannot be parsed: {exc}") from exc
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(bytes(data), limit + 1)
    except zlib.error as exc:
        raise DecompressionFailedError(f"compressed content is corrupt: {exc}") from exc
    if len(out) > limit or inflater.unconsumed_tail:
        raise DecompressionFailedError(f"decompressed content exceeds the limit of {limit} bytes")
    return out
