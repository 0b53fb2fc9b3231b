"""The order cycle as the store records it: 850 in, 855/856/810 out, every MDN and 997 reconciled."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gateway.store import Store, stats

REPLY_TYPES = ("855", "856", "810")
ACKNOWLEDGED = {"acknowledged"}
DONE_INBOUND = {"delivered", "acknowledged"}


def _po_of(document: Any) -> str | None:
    """The PO number a document answers (the 856 carries it per order, not at the top)."""
    if document.po_number:
        return str(document.po_number)
    orders = (document.canonical or {}).get("orders") or []
    value = orders[0].get("purchaseOrderNumber") if orders else None
    return str(value) if value is not None else None


@dataclass
class CycleReport:
    """One partner's order cycles and what is still open."""

    orders: list[str] = field(default_factory=list)  # PO numbers of inbound 850s, oldest first
    replies: dict[str, dict[str, str]] = field(default_factory=dict)  # PO -> {type: status}
    documents: dict[tuple[str, str, str], int] = field(default_factory=dict)  # (type, direction, status) -> count
    messages: dict[tuple[str, str], int] = field(default_factory=dict)
    mdns: dict[tuple[str, str], int] = field(default_factory=dict)
    acknowledgements: dict[tuple[str, str], int] = field(default_factory=dict)
    open_items: list[str] = field(default_factory=list)

    @property
    def complete_orders(self) -> int:
        return sum(
            1 for po in self.orders
            if all(self.replies.get(po, {}).get(t) in ACKNOWLEDGED for t in REPLY_TYPES)
        )

    def complete(self, expected_orders: int) -> bool:
        return len(self.orders) >= expected_orders and not self.open_items

    def line(self) -> str:
        out = sum(n for (t, d, _), n in self.documents.items() if d == "outbound" and t in REPLY_TYPES)
        acknowledged = sum(
            n for (t, d, s), n in self.documents.items() if d == "outbound" and t in REPLY_TYPES and s in ACKNOWLEDGED
        )
        mdn_in = sum(n for (d, _), n in self.mdns.items() if d == "inbound")
        return (f"{len(self.orders)} orders in, {out} replies out ({acknowledged} acknowledged by a 997), "
                f"{mdn_in} MDNs received, {self.complete_orders} cycles complete; {len(self.open_items)} open")


def cycle_report(store: Store, partner_id: str) -> CycleReport:
    """Read the partner's traffic and list every order, reply, message, MDN or 997 not yet reconciled."""
    with store.transaction() as session:
        traffic = stats.partner_traffic(session, partner_id)
        report = CycleReport(messages=traffic.messages, mdns=traffic.mdns, acknowledgements=traffic.acknowledgements)
        for document in traffic.documents:
            kind, direction, status = str(document.doc_type), str(document.direction), str(document.status)
            key = (kind, direction, status)
            report.documents[key] = report.documents.get(key, 0) + 1
            po = _po_of(document)
            if kind == "850" and direction == "inbound":
                report.orders.append(po or document.id)
                if status not in DONE_INBOUND:
                    report.open_items.append(f"850 {po}: {status}")
            elif kind in REPLY_TYPES and direction == "outbound":
                report.replies.setdefault(po or "?", {})[kind] = status
                if status not in ACKNOWLEDGED:
                    report.open_items.append(f"{kind} {po}: {status}")
    our_acks = sum(n for (t, d, _), n in report.documents.items() if (t, d) == ("997", "outbound"))
    if our_acks < len(report.orders):
        report.open_items.append(f"{len(report.orders) - our_acks} 850(s) without our 997")
    for po in report.orders:
        missing = [t for t in REPLY_TYPES if t not in report.replies.get(po, {})]
        if missing:
            report.open_items.append(f"PO {po}: no {', '.join(missing)} yet")
    for (direction, status), count in report.messages.items():
        expected = "mdn_received" if direction == "outbound" else "processed"
        if status != expected:
            report.open_items.append(f"{count} {direction} AS2 message(s) {status}")
    for (direction, status), count in report.mdns.items():
        if status not in ("received", "sent"):
            report.open_items.append(f"{count} {direction} MDN(s) {status}")
    return report
