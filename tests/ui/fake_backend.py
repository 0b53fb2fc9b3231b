"""An in-memory MonitorBackend for page and permission tests that need no database."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gateway.ui.views import (
    Artefact,
    CertificateView,
    Dashboard,
    DocumentView,
    EventView,
    Filters,
    Item,
    MessageView,
    PartnerView,
    Row,
    X12Element,
    X12Line,
)


@dataclass
class FakeMonitor:
    users_by_name: dict[str, tuple[str, str]] = field(
        default_factory=lambda: {"ana": ("analyst-password", "analyst"), "root": ("admin-password!", "admin")}
    )
    actions: list[tuple[str, str, str]] = field(default_factory=list)
    status: str = "failed"

    def _row(self) -> Row:
        return Row(id="doc-1", created_at="2026-11-22 10:00", partner="amazon", direction="inbound",
                   status=self.status, doc_type="850", reference="4500012345", control="ISA13 1 / GS06 1 / ST02 0001")

    def authenticate(self, username: str, password: str) -> str | None:
        entry = self.users_by_name.get(username)
        return entry[1] if entry and entry[0] == password else None

    def dashboard(self) -> Dashboard:
        return Dashboard(
            today_by_partner=[("amazon", {"delivered": 3, "failed": 1})],
            failed=[Item(partner="amazon", label="850 4500012345", href="/documents/doc-1", status="failed",
                         error="webhook answered 500")],
            expiring=[CertificateView("amazon", "their signing", "CN=amazon", "ab:cd", "2026-01-01", "2026-12-01", 9)],
        )

    def search_documents(self, filters: Filters, cursor: str | None, limit: int) -> tuple[list[Row], str | None]:
        row = self._row()
        if filters.q and filters.q not in (row.reference or ""):
            return [], None
        return [row], None

    def document(self, document_id: str) -> DocumentView | None:
        if document_id != "doc-1":
            return None
        line = X12Line(1, [X12Element("BEG", "Beginning Segment for Purchase Order"),
                           X12Element("00", "BEG01 Transaction Set Purpose Code")], "*", "~")
        return DocumentView(
            doc=self._row(), canonical={"purchaseOrderNumber": "4500012345"}, x12_lines=[line],
            deliveries=[{"id": "dl-1", "target": "webhook", "status": self.status, "attempts": 3, "error": "500"}],
            events=[EventView("2026-11-22 10:00", "deliver", self.status, "worker", "webhook answered 500")],
            chain=[self._row()],
        )

    def search_messages(self, filters: Filters, cursor: str | None, limit: int) -> tuple[list[Row], str | None]:
        return [Row(id="m-1", created_at="2026-11-22", partner="amazon", direction="inbound", status="processed",
                    message_id="<abc@amazon>")], None

    def message(self, message_id: str) -> MessageView | None:
        return None

    def partners(self) -> list[PartnerView]:
        return [PartnerView("amazon", "Amazon Vendor Central", "AMAZON", "ZZ AMAZON", None, None)]

    def partner(self, partner_id: str) -> PartnerView | None:
        return self.partners()[0] if partner_id == "amazon" else None

    def artefact(self, kind: str, object_id: str) -> Artefact | None:
        return Artefact("doc-1.x12", "application/edi-x12", b"ISA*...~") if object_id == "doc-1" else None

    def act(self, action: str, object_id: str, actor: str) -> str:
        self.actions.append((action, object_id, actor))
        self.status = "delivered"
        return f"{action} done"

    def users(self) -> list[dict[str, Any]]:
        return [{"username": name, "role": role, "disabled": False} for name, (_, role) in self.users_by_name.items()]

    def create_user(self, username: str, password: str, role: str, actor: str) -> None:
        self.users_by_name[username] = (password, role)

    def tokens(self) -> list[dict[str, Any]]:
        return []

    def create_token(self, name: str, role: str, partner: str | None, actor: str) -> str:
        return "tok_secret"

    def revoke_token(self, token_id: str, actor: str) -> None:
        return None
