"""The oscrypto correction: pyas2lib imports on OpenSSL 3.0.x with two-digit patch numbers, RC2-40 p12 loads."""

from __future__ import annotations

import importlib.util

import pytest

from gateway.as2 import oscrypto_fix
from tests.as2.conftest import SAMPLES

pytestmark = pytest.mark.samples


def test_pyas2lib_imports_after_fix() -> None:
    import pyas2lib
    from oscrypto._openssl import _libcrypto

    assert pyas2lib.Message is not None
    assert _libcrypto.libcrypto_legacy_support is True
    assert len(_libcrypto.libcrypto_version_info) >= 3


def test_rc2_protected_pkcs12_loads() -> None:
    from oscrypto import asymmetric

    key, cert, _ = asymmetric.load_pkcs12((SAMPLES / "cert_test.p12").read_bytes(), "test")
    assert key is not None
    assert cert.asn1.subject.native["common_name"] == "pyas2lib"


def test_detection_on_installed_source_matches_status() -> None:
    spec = importlib.util.find_spec("oscrypto._openssl._libcrypto")
    assert spec is not None and spec.loader is not None
    source = spec.loader.get_source("oscrypto._openssl._libcrypto")  # type: ignore[attr-defined]
    status = oscrypto_fix.apply()
    assert status.providers_preloaded == oscrypto_fix.provider_check_is_defective(source)


def test_fixed_upstream_source_is_left_alone() -> None:
    fixed_binding = "version_match = re.search('\\\\b(\\\\d+\\\\.\\\\d+\\\\.\\\\d+[a-z]*)\\\\b', version_string)"
    fixed_libcrypto = (
        'libcrypto.OSSL_PROVIDER_load(null(), "default".encode("ascii"))\n'
        'if libcrypto.OSSL_PROVIDER_available(null(), "legacy".encode("ascii")): pass\n'
    )
    assert not oscrypto_fix.version_pattern_is_defective(fixed_binding)
    assert not oscrypto_fix.provider_check_is_defective(fixed_libcrypto)
    broken = "version_match = re.search('\\\\b(\\\\d\\\\.\\\\d\\\\.\\\\d[a-z]*)\\\\b', version_string)"
    assert oscrypto_fix.version_pattern_is_defective(broken)
