"""View models the monitor renders; filled by a MonitorBackend from the services ring."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Row:
    """One line of a list: a document or an AS2 message."""

    id: str
    created_at: str
    partner: str | None
    direction: str
    status: str
    doc_type: str = ""
    reference: str | None = None
    control: str | None = None
    message_id: str | None = None
    disposition: str | None = None


@dataclass(frozen=True, slots=True)
class Item:
    """An entry in the dashboard's failed or late lists."""

    partner: str
    label: str
    href: str
    status: str = ""
    when: str = ""
    error: str = ""
    waiting_for: str = ""
    due: str = ""


@dataclass(frozen=True, slots=True)
class CertificateView:
    partner: str
    use: str
    subject: str
    fingerprint: str
    not_before: str
    not_after: str
    days: int


@dataclass(slots=True)
class Dashboard:
    today_by_partner: list[tuple[str, dict[str, int]]] = field(default_factory=list)
    week_by_type: list[tuple[str, dict[str, int]]] = field(default_factory=list)
    week_by_direction: list[tuple[str, dict[str, int]]] = field(default_factory=list)
    failed: list[Item] = field(default_factory=list)
    late: list[Item] = field(default_factory=list)
    expiring: list[CertificateView] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class X12Element:
    value: str
    title: str


@dataclass(frozen=True, slots=True)
class X12Line:
    position: int
    elements: list[X12Element]
    sep: str
    term: str
    bad: bool = False


@dataclass(frozen=True, slots=True)
class EventView:
    when: str
    stage: str
    outcome: str
    actor: str
    message: str


@dataclass(slots=True)
class DocumentView:
    doc: Row
    canonical: dict[str, Any] | None
    x12_lines: list[X12Line] = field(default_factory=list)
    issues: list[tuple[int | None, str]] = field(default_factory=list)
    as2_fields: list[tuple[str, str]] = field(default_factory=list)
    as2_message_id: str | None = None
    mdn_fields: list[tuple[str, str]] = field(default_factory=list)
    acks: list[dict[str, str]] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    events: list[EventView] = field(default_factory=list)
    chain: list[Row] = field(default_factory=list)


@dataclass(slots=True)
class MessageView:
    msg: Row
    fields: list[tuple[str, str]]
    headers: list[tuple[str, str]]
    mdn_fields: list[tuple[str, str]]
    documents: list[Row]
    events: list[EventView]
    has_payload: bool = False
    has_mdn: bool = False


@dataclass(frozen=True, slots=True)
class PartnerView:
    id: str
    name: str
    as2_id: str | None
    isa: str | None
    last_in: str | None
    last_out: str | None
    fields: list[tuple[str, str]] = field(default_factory=list)
    certificates: list[CertificateView] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Artefact:
    filename: str
    media_type: str
    content: bytes


@dataclass(frozen=True, slots=True)
class Filters:
    q: str | None = None
    partner: str | None = None
    doc_type: str | None = None
    direction: str | None = None
    status: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    sort: str = "created_at"
    desc: bool = True


class MonitorBackend(Protocol):
    """What the monitor needs from the services ring; nothing in gateway.ui touches the database."""

    def authenticate(self, username: str, password: str) -> str | None:
        """The user's role when the password is right and the user active, else None."""

    def dashboard(self) -> Dashboard: ...

    def search_documents(self, filters: Filters, cursor: str | None, limit: int) -> tuple[list[Row], str | None]: ...

    def document(self, document_id: str) -> DocumentView | None: ...

    def search_messages(self, filters: Filters, cursor: str | None, limit: int) -> tuple[list[Row], str | None]: ...

    def message(self, message_id: str) -> MessageView | None: ...

    def partners(self) -> list[PartnerView]: ...

    def partner(self, partner_id: str) -> PartnerView | None: ...

    def artefact(self, kind: str, object_id: str) -> Artefact | None: ...

    def act(self, action: str, object_id: str, actor: str) -> str:
        """Run retry / reprocess / redeliver / resend-mdn; returns a one-line outcome; records an audit event."""

    def users(self) -> list[dict[str, Any]]: ...

    def create_user(self, username: str, password: str, role: str, actor: str) -> None: ...

    def tokens(self) -> list[dict[str, Any]]: ...

    def create_token(self, name: str, role: str, partner: str | None, actor: str) -> str: ...

    def revoke_token(self, token_id: str, actor: str) -> None: ...
