"""Correct oscrypto 1.3.0 on OpenSSL 3 at import time, before pyas2lib first imports it.

Two defects (wbond/oscrypto issues 75, 78, 80; fixed on master, unreleased):

1. ``_libcrypto_cffi`` / ``_libcrypto_ctypes`` parse the libcrypto version with ``\\d\\.\\d\\.\\d``, so a
   two-digit patch number such as ``3.0.19`` is not found and the import fails.
2. ``_libcrypto`` asks ``OSSL_PROVIDER_available(NULL, "legacy")`` before loading the legacy provider, gets 0 and
   disables RC2/RC4/DES, so RC2-40 protected PKCS#12 files cannot be read.

The correction is a meta-path finder that serves those two binding modules from their own source with the
version pattern widened, and loads the ``default`` then ``legacy`` providers through the same library handle
right after the binding module runs (before ``_libcrypto`` checks). Each part is applied only when the installed
source still contains the defect, so this module does nothing once oscrypto is fixed upstream.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType

_BINDINGS = ("oscrypto._openssl._libcrypto_cffi", "oscrypto._openssl._libcrypto_ctypes")
_LIBCRYPTO = "oscrypto._openssl._libcrypto"
# The exact defective literal as it appears in oscrypto 1.3.0's source, and its widened form.
_BAD_VERSION_RE = "re.search('\\\\b(\\\\d\\\\.\\\\d\\\\.\\\\d[a-z]*)\\\\b', version_string)"
_GOOD_VERSION_RE = "re.search('\\\\b(\\\\d+\\\\.\\\\d+\\\\.\\\\d+[a-z]*)\\\\b', version_string)"
_BAD_PROVIDER_CHECK = 'OSSL_PROVIDER_available(null(), "legacy"'


@dataclass(frozen=True)
class FixStatus:
    """What the correction found and did; ``needed`` False means oscrypto is already fine."""

    version_pattern_fixed: bool
    providers_preloaded: bool

    @property
    def needed(self) -> bool:
        return self.version_pattern_fixed or self.providers_preloaded


def _source(name: str) -> str | None:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or not hasattr(spec.loader, "get_source"):
        return None
    source: str | None = spec.loader.get_source(name)
    return source


def version_pattern_is_defective(source: str) -> bool:
    """True when a binding module still uses the single-digit version pattern."""
    return _BAD_VERSION_RE in source


def provider_check_is_defective(source: str) -> bool:
    """True when ``_libcrypto`` checks for the legacy provider without ever loading default/legacy first."""
    return _BAD_PROVIDER_CHECK in source and 'OSSL_PROVIDER_load(null(), "default"' not in source


def _load_providers(module: ModuleType) -> None:
    """Load ``default`` then ``legacy`` into the default library context (order matters: loading any provider
    explicitly stops OpenSSL from loading ``default`` implicitly)."""
    if tuple(module.version_info) < (3,):
        return
    lib = module.libcrypto
    null = module.ffi.NULL if hasattr(module, "ffi") else None
    for provider in (b"default", b"legacy"):
        handle = lib.OSSL_PROVIDER_load(null, provider)
        if not handle:
            # Without the legacy module (e.g. a distro that does not ship it) RC2 stays unavailable; oscrypto then
            # reports it precisely when an RC2 file is read, so there is nothing better to do here.
            return


class _PatchedLoader(importlib.abc.Loader):
    def __init__(self, spec: importlib.machinery.ModuleSpec, fix_version: bool, preload: bool) -> None:
        self._spec = spec
        self._fix_version = fix_version
        self._preload = preload

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        source = _source_of(self._spec)
        if self._fix_version:
            source = source.replace(_BAD_VERSION_RE, _GOOD_VERSION_RE)
        code = compile(source, self._spec.origin or self._spec.name, "exec")
        exec(code, module.__dict__)  # noqa: S102 - oscrypto's own source, with one literal widened
        if self._preload:
            _load_providers(module)


def _source_of(spec: importlib.machinery.ModuleSpec) -> str:
    loader = spec.loader
    source = loader.get_source(spec.name) if loader is not None and hasattr(loader, "get_source") else None
    if source is None:
        raise ImportError(f"cannot read the source of {spec.name} to correct it", name=spec.name)
    return str(source)


class _Finder(importlib.abc.MetaPathFinder):
    def __init__(self, fix_version: bool, preload: bool) -> None:
        self.fix_version = fix_version
        self.preload = preload

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in _BINDINGS:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None:
            return None
        return importlib.util.spec_from_loader(
            fullname, _PatchedLoader(spec, self.fix_version, self.preload), origin=spec.origin
        )


_applied: FixStatus | None = None


def apply() -> FixStatus:
    """Install the correction if (and only if) the installed oscrypto needs it; idempotent."""
    global _applied  # noqa: PLW0603 - the import system is process-wide; apply once per process
    if _applied is not None:
        return _applied
    if any(name in sys.modules for name in (*_BINDINGS, _LIBCRYPTO)):
        # Too late to correct an import that already ran; report the state instead of pretending.
        _applied = FixStatus(False, False)
        return _applied
    if importlib.util.find_spec("oscrypto") is None:
        _applied = FixStatus(False, False)
        return _applied
    binding_sources = [s for s in (_source(n) for n in _BINDINGS) if s is not None]
    fix_version = any(version_pattern_is_defective(s) for s in binding_sources)
    libcrypto_source = _source(_LIBCRYPTO) or ""
    preload = provider_check_is_defective(libcrypto_source)
    if fix_version or preload:
        sys.meta_path.insert(0, _Finder(fix_version, preload))
    _applied = FixStatus(fix_version, preload)
    return _applied
