"""Partner pages from the profiles: summary, endpoints, certificates with their validity, deadlines."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path

from gateway.as2.certs import describe
from gateway.errors import ConfigError
from gateway.partners.profile import PartnerProfile
from gateway.ui.views import CertificateView, PartnerView

EXPIRY_WARNING_DAYS = 60


def when(value: datetime | None) -> str:
    """Timestamps as analysts read them: UTC to the minute."""
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else ""


def duration(value: timedelta) -> str:
    """A deadline as written in profiles: 10m, 24h, 2d."""
    seconds = int(value.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _certificate(partner: str, use: str, path: Path, now: datetime, window: tuple[datetime | None, datetime | None]
                 ) -> CertificateView:
    try:
        info = describe(path)
    except ConfigError as exc:  # an unreadable file is shown as such: the page still answers
        return CertificateView(partner, use, f"unreadable: {exc}", "", "", "", 0)
    not_before = window[0] or info.not_before
    not_after = window[1] or info.not_after
    return CertificateView(partner, use, info.subject, info.sha256, when(not_before), when(not_after),
                           (not_after - now).days)


def certificates(profile: PartnerProfile, now: datetime) -> list[CertificateView]:
    """The partner's certificates and the certificates of our keys for it (a key PEM without one is skipped)."""
    as2 = profile.as2
    if as2 is None:
        return []
    found = [
        _certificate(profile.id, f"their certificate ({cert.label or 'partner'})", cert.path, now,
                     (cert.not_before, cert.not_after))
        for cert in as2.their_certificates
    ]
    for use, key in (("our signing", as2.our_signing_key), ("our decryption", as2.our_decryption_key)):
        if key is not None and key.path.suffix == ".pem" and b"BEGIN CERTIFICATE" in _read(key.path):
            found.append(_certificate(profile.id, use, key.path, now, (None, None)))
    return found


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def expiring(profiles: Iterable[PartnerProfile], now: datetime, days: int = EXPIRY_WARNING_DAYS
             ) -> list[CertificateView]:
    """Certificates that expire within ``days`` (or already have), soonest first."""
    soon = [c for p in profiles for c in certificates(p, now) if c.not_after and c.days <= days]
    return sorted(soon, key=lambda c: c.days)


def partner_view(profile: PartnerProfile, last: dict[tuple[str, str], datetime], now: datetime) -> PartnerView:
    """Summary, endpoints and deadlines of one profile, with its last traffic each way."""
    fields: list[tuple[str, str]] = [("Name", profile.name)]
    x12 = profile.x12
    if x12 is not None:
        fields += [
            ("ISA sender / receiver", f"{x12.their_qualifier}:{x12.their_id} → {x12.our_qualifier}:{x12.our_id}"),
            ("GS sender / receiver", f"{x12.their_gs_id} → {x12.our_gs_id}"),
            ("Transaction sets", ", ".join(f"{code} {s.direction} {s.version}"
                                           for code, s in sorted(x12.transaction_sets.items()))),
            ("Acknowledgements", f"we send {x12.ack_inbound}, we expect {x12.ack_outbound}"),
            ("Usage (ISA15)", "production" if x12.usage == "P" else "test"),
        ]
    as2 = profile.as2
    if as2 is not None:
        fields += [
            ("AS2 IDs", f"{as2.their_as2_id} → {as2.our_as2_id}"),
            ("AS2 endpoint", as2.url or "(inbound only)"),
            ("Outbound security", f"encryption {as2.outbound.encryption or 'none'}, "
                                  f"signature {as2.outbound.signature or 'none'}"),
            ("MDN requested", f"{as2.mdn.mode}, {'signed' if as2.mdn.signed else 'unsigned'}, {as2.mdn.mic_algorithm}"),
        ]
    fields += [(f"Delivery {t.name}", _target(t.webhook_url, t.pull_queue, t.directory, t.document_types))
               for t in profile.deliveries]
    d = profile.deadlines
    fields.append(("Deadlines", f"MDN {duration(d.mdn)}, 997/999 {duration(d.functional_ack)}, "
                                f"855 {duration(d.acknowledgement_855)}"))
    return PartnerView(
        id=profile.id, name=profile.name, as2_id=as2.their_as2_id if as2 else None,
        isa=f"{x12.their_qualifier} {x12.their_id}" if x12 else None,
        last_in=when(last.get((profile.id, "inbound"))) or None,
        last_out=when(last.get((profile.id, "outbound"))) or None,
        fields=fields, certificates=certificates(profile, now),
    )


def _target(url: str | None, pull: bool, directory: Path | None, types: list[str]) -> str:
    where = f"webhook {url}" if url else "pull queue" if pull else f"directory {directory}"
    return f"{where} ({', '.join(types) if types else 'every type'})"
