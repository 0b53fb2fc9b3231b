"""Stateless translation, partner summaries and canonical schemas, computed from the Runtime's pure-core parts."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from gateway.api.schemas import CertificateOut, PartnerSummary, TranslateRequest, TranslateResponse
from gateway.errors import GrammarError, NotFoundError
from gateway.pipeline.ports import ControlNumbers, PartnerView
from gateway.pipeline.runtime import Runtime
from gateway.x12.issues import Issue, Severity

# Stateless translation never allocates control numbers; these mark the output as a preview.
_PREVIEW_NUMBERS = ControlNumbers(isa13=1, gs06=1, st02=1)


def translate(runtime: Runtime, request: TranslateRequest) -> TranslateResponse:
    """X12 -> canonical JSON (every transaction set) or canonical JSON -> X12, for one partner; stores nothing."""
    partner = runtime.partners.get(request.partner)
    if request.direction == "json-to-x12":
        assert request.document is not None and request.document_type is not None  # checked by the route
        segments = runtime.mappings.from_canonical(partner, request.document_type, request.document)
        x12 = runtime.x12.envelope(partner, request.document_type, segments, _PREVIEW_NUMBERS)
        return TranslateResponse(partner=partner.id, x12=x12.decode("utf-8", errors="replace"))
    assert request.x12 is not None
    documents: list[dict[str, Any]] = []
    for interchange in runtime.x12.read(request.x12.encode("utf-8")):
        errors = [i for i in runtime.x12.validate(interchange) if _is_error(i)]
        if errors:
            failure = GrammarError(
                f"partner {partner.id}, ISA13 {interchange.control_number}: {len(errors)} validation error(s); "
                f"first: {errors[0]}"
            )
            failure.issues = errors  # type: ignore[attr-defined]
            raise failure
        for group in interchange.groups:
            for tset in group.transaction_sets:
                canonical = runtime.mappings.to_canonical(partner, interchange, group, tset)
                documents.append(
                    {
                        "document_type": canonical.document_type,
                        "isa13": interchange.control_number,
                        "gs06": group.control_number,
                        "st02": tset.control_number,
                        "document": canonical.data,
                    }
                )
    return TranslateResponse(partner=partner.id, documents=documents)


def _is_error(issue: Issue) -> bool:
    return getattr(issue, "severity", None) == Severity.ERROR


def certificate_out(usage: str, pem: bytes, now: datetime | None = None) -> CertificateOut:
    """Fingerprint and validity of one PEM certificate; never the key."""
    cert = x509.load_pem_x509_certificate(pem)
    now = now or datetime.now(UTC)
    fingerprint = cert.fingerprint(hashes.SHA256()).hex(":").upper()
    not_after = cert.not_valid_after_utc
    return CertificateOut(
        usage=usage,
        subject=cert.subject.rfc4514_string(),
        fingerprint_sha256=fingerprint,
        not_before=cert.not_valid_before_utc,
        not_after=not_after,
        days_to_expiry=(not_after - now).days,
    )


def partner_summary(partner: PartnerView) -> PartnerSummary:
    """Read-only summary of a partner profile; certificates come from the profile's AS2 section when loaded."""
    certificates = [certificate_out(usage, pem) for usage, pem in getattr(partner, "certificates", ())]
    return PartnerSummary(
        id=partner.id,
        name=str(getattr(partner, "name", "") or partner.id),
        isa_id=f"{partner.isa_qualifier}:{partner.isa_id}",
        as2_id=getattr(partner, "as2_id", None),
        document_types=sorted({t for d in partner.deliveries for t in d.document_types}),
        certificates=certificates,
    )


def canonical_models() -> dict[str, Any]:
    """Canonical pydantic models by transaction set, from gateway.canonical's ``MODELS`` registry."""
    module = importlib.import_module("gateway.canonical")
    models = getattr(module, "MODELS", None)
    return dict(models) if isinstance(models, dict) else {}


def canonical_schema(document_type: str) -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of one canonical document type."""
    if document_type not in canonical_models():
        raise NotFoundError(f"no canonical model for transaction set {document_type!r}")
    schema: dict[str, Any] = importlib.import_module("gateway.canonical").json_schema(document_type)
    return schema
