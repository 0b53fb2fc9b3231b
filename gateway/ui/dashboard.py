"""The dashboard over the store: traffic charts, what failed, what is late (per the partners' deadlines)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from gateway.partners.profile import AckKind, PartnerProfile
from gateway.partners.profile import Direction as SetDirection
from gateway.store import Session
from gateway.store import monitor as queries
from gateway.store.columns import as_utc
from gateway.store.enums import DocType
from gateway.store.models import Document
from gateway.ui.partner_view import expiring, when
from gateway.ui.views import Dashboard, Item

WINDOW_FAILED = timedelta(days=7)
WINDOW_ORDERS = timedelta(days=30)  # older orders without their replies are history, not "late"
DEFAULT_MDN_WAIT = timedelta(minutes=10)


def reference(doc: Document) -> str | None:
    """What an analyst calls a document: its PO, shipment or invoice number."""
    return doc.po_number or doc.shipment_id or doc.invoice_number


def label(doc: Document) -> str:
    return f"{doc.doc_type} {reference(doc) or doc.id[:8]}"


def _by(counts: Sequence[queries.TrafficCount], key: str) -> list[tuple[str, dict[str, int]]]:
    grouped: dict[str, dict[str, int]] = defaultdict(dict)
    for c in counts:
        series = grouped[getattr(c, key)]
        series[c.status] = series.get(c.status, 0) + c.count
    return sorted(grouped.items())


def build(session: Session, profiles: Sequence[PartnerProfile], now: datetime) -> Dashboard:
    """Today's and this week's traffic, failures of the week, late items and certificates expiring within 60 days."""
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    week = today - timedelta(days=6)
    later = now + timedelta(seconds=1)
    today_counts = queries.traffic(session, today, later)
    week_counts = queries.traffic(session, week, later)
    return Dashboard(
        today_by_partner=_by(today_counts, "partner_id"),
        week_by_type=_by(week_counts, "doc_type"),
        week_by_direction=_by(week_counts, "direction"),
        failed=failed(session, now - WINDOW_FAILED),
        late=late(session, profiles, now),
        expiring=expiring(profiles, now),
    )


def failed(session: Session, since: datetime) -> list[Item]:
    items = [
        Item(partner=d.partner_id, label=label(d), href=f"/documents/{d.id}", status=str(d.status),
             when=when(d.updated_at), error=f"{d.stage or ''}: {d.error or ''}".strip(": "))
        for d in queries.failed_documents(session, since)
    ]
    items += [
        Item(partner=doc.partner_id, label=f"delivery {dl.target} of {label(doc)}", href=f"/documents/{doc.id}",
             status=str(dl.status), when=when(dl.updated_at), error=dl.last_error or "")
        for dl, doc in queries.dead_deliveries(session, since)
    ]
    items += [
        Item(partner=m.partner_id or "(unknown)", label=f"AS2 {m.direction} {m.message_id}",
             href=f"/messages/{m.id}", status=str(m.status), when=when(m.updated_at), error=m.error or "")
        for m in queries.failed_messages(session, since)
    ]
    return sorted(items, key=lambda i: i.when, reverse=True)


def _sends(profile: PartnerProfile, code: str) -> bool:
    sets = profile.x12.transaction_sets if profile.x12 else {}
    return code in sets and sets[code].direction is SetDirection.OUTBOUND


def late(session: Session, profiles: Sequence[PartnerProfile], now: datetime) -> list[Item]:
    """No MDN, no 997/999, a PO without its 855 (or 856, 810) past the deadline."""
    items: list[Item] = []
    mdn_waits = {p.id: p.deadlines.mdn for p in profiles}
    for m in queries.awaiting_mdn(session, {p: now - w for p, w in mdn_waits.items()}, now - DEFAULT_MDN_WAIT):
        wait = mdn_waits.get(m.partner_id or "", DEFAULT_MDN_WAIT)
        items.append(Item(partner=m.partner_id or "(unknown)", label=f"AS2 {m.message_id}", href=f"/messages/{m.id}",
                          status=str(m.status), waiting_for="MDN", due=when(as_utc(m.updated_at) + wait)))
    expecting = {p.id: p for p in profiles if p.x12 is not None and p.x12.ack_outbound is not AckKind.NONE}
    cutoffs = {pid: now - p.deadlines.functional_ack for pid, p in expecting.items()}
    for d in queries.awaiting_functional_ack(session, cutoffs, None):
        profile = expecting.get(d.partner_id)
        kind = str(profile.x12.ack_outbound) if profile and profile.x12 else "997/999"
        due = as_utc(d.sent_at) + profile.deadlines.functional_ack if profile and d.sent_at else None
        items.append(Item(partner=d.partner_id, label=label(d), href=f"/documents/{d.id}", status=str(d.status),
                          waiting_for=kind, due=when(due)))
    replies = (
        (DocType.PO_ACK_855, "855 PO acknowledgement", {p.id: p.deadlines.acknowledgement_855 for p in profiles
                                                        if _sends(p, "855")}),
        (DocType.ASN_856, "856 ship notice", {p.id: p.deadlines.ship_notice_after_order for p in profiles
                                              if _sends(p, "856")}),
        (DocType.INVOICE_810, "810 invoice", {p.id: p.deadlines.invoice_after_order for p in profiles
                                              if _sends(p, "810")}),
    )
    for doc_type, what, waits in replies:
        cut = {pid: now - wait for pid, wait in waits.items()}
        for d in queries.orders_without(session, doc_type, cut, since=now - WINDOW_ORDERS):
            items.append(Item(partner=d.partner_id, label=label(d), href=f"/documents/{d.id}", status=str(d.status),
                              waiting_for=what, due=when(as_utc(d.created_at) + waits[d.partner_id])))
    return items
