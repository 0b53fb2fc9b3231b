"""`openssl cms` as an independent peer (fixed argv lists, no shell)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gateway.as2 import build_message, receive
from gateway.as2.mime import entity_from_http, split_multipart
from tests.as2.conftest import PairFactory

OPENSSL = shutil.which("openssl")
pytestmark = pytest.mark.skipif(OPENSSL is None, reason="openssl CLI not installed")
NOW = datetime.now(UTC)
PAYLOAD = b"ISA*00*          *00*          *ZZ*PEER*ZZ*ACORN*~\r\nIEA*1*000000001~\r\n"


def run(*args: str, stdin: bytes = b"") -> bytes:
    assert OPENSSL is not None
    done = subprocess.run([OPENSSL, *args], input=stdin, capture_output=True, check=False, timeout=30)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return done.stdout


def test_openssl_signed_and_encrypted_message_is_accepted(pair: PairFactory, identities: Any, tmp_path: Path) -> None:
    receiver, _ = pair()  # our own profile: our keys, the partner's certificate
    entity = b"Content-Type: application/edi-x12\r\nContent-Transfer-Encoding: binary\r\n\r\n" + PAYLOAD
    (tmp_path / "entity").write_bytes(entity)
    # The partner signs with its key, then encrypts to our certificate.
    signed = run(
        "cms",
        "-sign",
        "-binary",
        "-md",
        "sha256",
        "-in",
        str(tmp_path / "entity"),
        "-signer",
        str(identities.theirs.cert_pem),
        "-inkey",
        str(identities.theirs.key_pem),
    )
    (tmp_path / "signed").write_bytes(signed)
    encrypted = run(
        "cms",
        "-encrypt",
        "-binary",
        "-aes-256-cbc",
        "-in",
        str(tmp_path / "signed"),
        "-outform",
        "DER",
        str(identities.ours.cert_pem),
    )
    headers = {
        "AS2-From": '"PARTNER TEST"',
        "AS2-To": "ACORNTEST",
        "Message-ID": "<openssl-1@peer>",
        "Content-Type": "application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m",
        "Disposition-Notification-To": "peer",
        "Disposition-Notification-Options": "signed-receipt-protocol=optional, pkcs7-signature; "
        "signed-receipt-micalg=optional, sha256",
    }
    result = receive(headers, encrypted, lambda f, t: receiver, NOW, max_decompressed_bytes=1_000_000)
    assert result.error is None, result.error
    assert result.payload == PAYLOAD
    assert result.security.encryption == "aes256-cbc" and result.security.signature_digest == "sha256"
    expected = run("dgst", "-sha256", "-binary", stdin=entity)
    import base64

    assert result.mic == base64.b64encode(expected).decode()
    # Our signed MDN verifies with openssl against our certificate.
    assert result.mdn is not None and result.mdn.signed
    mime = b"".join(f"{k}: {v}\r\n".encode() for k, v in result.mdn.headers.items()) + b"\r\n" + result.mdn.body
    (tmp_path / "mdn").write_bytes(mime)
    # The MDN is text already in canonical CRLF form: openssl's default (text) S/MIME reading applies.
    run(
        "cms",
        "-verify",
        "-in",
        str(tmp_path / "mdn"),
        "-CAfile",
        str(identities.ours.cert_pem),
        "-purpose",
        "any",
        "-out",
        str(tmp_path / "mdn.out"),
    )
    assert b"Received-Content-MIC: " + result.mic.encode() in (tmp_path / "mdn.out").read_bytes()


def test_our_message_decrypts_and_verifies_with_openssl(pair: PairFactory, identities: Any, tmp_path: Path) -> None:
    sender, _ = pair()
    message = build_message(sender, PAYLOAD, "x.edi")
    (tmp_path / "msg.der").write_bytes(message.body)
    decrypted = run(
        "cms",
        "-decrypt",
        "-binary",
        "-inform",
        "DER",
        "-in",
        str(tmp_path / "msg.der"),
        "-recip",
        str(identities.theirs.cert_pem),
        "-inkey",
        str(identities.theirs.key_pem),
    )
    (tmp_path / "signed").write_bytes(decrypted)
    # openssl 3.0 mis-splits multipart/signed input under -binary; text mode is exact here because PAYLOAD is
    # CRLF-only, so canonicalisation leaves the signed bytes unchanged.
    content = run(
        "cms", "-verify", "-in", str(tmp_path / "signed"), "-CAfile", str(identities.ours.cert_pem), "-purpose", "any"
    )
    assert content.endswith(PAYLOAD)
    inner = split_multipart(entity_from_http({"Content-Type": _ct(decrypted)}, _body(decrypted)))[0]
    assert inner == content  # openssl's output is exactly the entity we signed (and computed the MIC over)


def _ct(entity: bytes) -> str:
    head = entity.split(b"\r\n\r\n", 1)[0].decode()
    return " ".join(head.split("Content-Type:", 1)[1].split())


def _body(entity: bytes) -> bytes:
    return entity.split(b"\r\n\r\n", 1)[1]
