"""StoreMonitor over a real Runtime and database (SQLite and PostgreSQL), seeded through the pipeline."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from gateway.pipeline import as2_outbound
from gateway.pipeline.as2_context import service_for
from gateway.store import as2 as store_as2
from gateway.store import events as store_events
from gateway.store import jobs as store_jobs
from gateway.store.enums import AS2Status, JobStatus
from gateway.ui.actions import AUDIT_STAGE
from gateway.ui.store_monitor import StoreMonitor
from gateway.ui.views import Filters
from tests.ui.seed import MESSAGE_ID, PASSWORDS, PO_NUMBER, Seeded, seeded_runtime

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def seeded(tmp_path: Path, migrated_url: str) -> Iterator[Seeded]:
    data = seeded_runtime(tmp_path, migrated_url)
    yield data
    data.runtime.close()


@pytest.fixture
def monitor(seeded: Seeded) -> StoreMonitor:
    return StoreMonitor(seeded.runtime)


def test_sign_in_checks_the_stored_password(monitor: StoreMonitor) -> None:
    assert monitor.authenticate("ana", PASSWORDS["ana"]) == "analyst"
    assert monitor.authenticate("root", PASSWORDS["root"]) == "admin"
    assert monitor.authenticate("ana", "wrong") is None
    assert monitor.authenticate("nobody", "analyst-password") is None


def test_dashboard_counts_traffic_and_lists_the_dead_delivery(monitor: StoreMonitor, seeded: Seeded) -> None:
    board = monitor.dashboard()
    assert dict(board.today_by_partner)["amazon"] == {"translated": 1, "queued": 2}  # 850 in; 997 and 810 out
    assert set(dict(board.week_by_type)) == {"850", "810", "997"}
    assert set(dict(board.week_by_direction)) == {"inbound", "outbound"}
    [dead] = board.failed
    assert dead.status == "dead" and dead.href == f"/documents/{seeded.po_id}" and "ConnectError" in dead.error
    assert board.late == []
    assert board.expiring == []  # the development certificates are valid for two years


def test_dashboard_a_day_later_shows_the_po_waiting_for_its_855(seeded: Seeded) -> None:
    start = seeded.runtime.now()
    seeded.runtime.clock = lambda: start + timedelta(hours=25)
    late = StoreMonitor(seeded.runtime).dashboard().late
    waiting = {(i.label, i.waiting_for) for i in late}
    assert (f"850 {PO_NUMBER}", "855 PO acknowledgement") in waiting
    assert all(i.partner == "amazon" for i in late)


def test_the_profiles_deadlines_decide_when_a_po_waits_for_its_856_and_810(seeded: Seeded) -> None:
    start = seeded.runtime.now()
    seeded.runtime.clock = lambda: start + timedelta(days=3)
    monitor = StoreMonitor(seeded.runtime)
    waiting = {i.waiting_for for i in monitor.dashboard().late}
    assert "856 ship notice" not in waiting and "810 invoice" not in waiting  # defaults: 7 and 14 days
    amazon = next(p for p in monitor.profiles() if p.id == "amazon")
    deadlines = amazon.deadlines.model_copy(update={"ship_notice_after_order": timedelta(days=2),
                                                    "invoice_after_order": timedelta(days=2)})
    monitor._profiles = [p.model_copy(update={"deadlines": deadlines}) if p is amazon else p
                         for p in monitor.profiles()]
    late = {i.waiting_for for i in monitor.dashboard().late if i.label == f"850 {PO_NUMBER}"}
    assert "856 ship notice" in late
    assert "810 invoice" not in late  # the seed already sent this PO's 810


@pytest.mark.parametrize("text", [PO_NUMBER, "101", "000000101", f"<{MESSAGE_ID}>"])
def test_search_finds_the_po_by_any_reference(monitor: StoreMonitor, seeded: Seeded, text: str) -> None:
    rows, cursor = monitor.search_documents(Filters(q=text, doc_type="850"), None, 50)
    assert [r.id for r in rows] == [seeded.po_id] and cursor is None
    assert rows[0].control == "ISA13 000000101 / GS06 101 / ST02 0101"


def test_search_filters_pages_and_refuses_nothing_silently(monitor: StoreMonitor, seeded: Seeded) -> None:
    first, cursor = monitor.search_documents(Filters(), None, 2)
    assert len(first) == 2 and cursor == "2"
    rest, cursor = monitor.search_documents(Filters(), cursor, 2)
    assert len(rest) == 1 and cursor is None
    assert {r.id for r in first + rest} >= {seeded.po_id, seeded.invoice_id}
    assert monitor.search_documents(Filters(doc_type="999"), None, 50) == ([], None)
    assert monitor.search_documents(Filters(status="no-such-status"), None, 50) == ([], None)
    outbound, _ = monitor.search_documents(Filters(direction="outbound", sort="doc_type", desc=False), None, 50)
    assert [r.doc_type for r in outbound] == ["810", "997"]
    messages, _ = monitor.search_messages(Filters(q=MESSAGE_ID), None, 50)
    assert [m.message_id for m in messages] == [MESSAGE_ID]


def test_document_detail_has_x12_with_names_json_as2_deliveries_timeline_chain(
    monitor: StoreMonitor, seeded: Seeded
) -> None:
    view = monitor.document(seeded.po_id)
    assert view is not None
    beg = next(line for line in view.x12_lines if line.elements[0].value == "BEG")
    assert beg.position == 2 and beg.elements[3].value == PO_NUMBER
    assert beg.elements[3].title.startswith("BEG03")  # plus its name when the grammar module is installed
    assert view.canonical is not None and view.canonical["purchaseOrderNumber"] == PO_NUMBER
    assert ("Message-ID", MESSAGE_ID) in view.as2_fields
    assert ("Disposition", "automatic-action/MDN-sent-automatically; processed") in view.mdn_fields
    assert {d["status"] for d in view.deliveries} == {"dead", "available"}
    assert [e.stage for e in view.events][:3] == ["validate", "acknowledge", "translate"]
    assert [(c.doc_type, c.direction) for c in view.chain] == [("850", "inbound"), ("997", "outbound"),
                                                                ("810", "outbound")]  # our 997 answers the 850
    assert monitor.document("no-such-id") is None


def test_message_detail_and_downloads(monitor: StoreMonitor, seeded: Seeded) -> None:
    view = monitor.message(seeded.message_ref)
    assert view is not None and view.has_payload and view.has_mdn
    assert [d.id for d in view.documents] == [seeded.po_id]
    x12 = monitor.artefact("x12", seeded.po_id)
    assert x12 is not None and x12.content.startswith(b"ISA*00*") and x12.filename.endswith(".x12")
    as_json = monitor.artefact("json", seeded.po_id)
    assert as_json is not None and PO_NUMBER.encode() in as_json.content
    payload = monitor.artefact("as2-payload", seeded.message_ref)
    assert payload is not None and b"BEG*00*NE*4500012345" in payload.content
    mdn = monitor.artefact("mdn", seeded.message_ref)
    assert mdn is not None and mdn.content == b"(signed MDN)"
    assert monitor.artefact("mdn", "no-such-message") is None


def _audit(seeded: Seeded, **where: str) -> list[tuple[str, str, str]]:
    with seeded.database.transaction() as session:
        return [(e.actor, str(e.outcome), e.message) for e in store_events.list_events(session, **where)
                if e.stage == AUDIT_STAGE]


def test_retry_requeues_the_dead_delivery_and_records_who(monitor: StoreMonitor, seeded: Seeded) -> None:
    outcome = monitor.act("retry", seeded.po_id, "ana")
    assert outcome == f"delivery of document {seeded.po_id} to erp-orders queued again"
    view = monitor.document(seeded.po_id)
    assert view is not None
    assert {d["target"]: d["status"] for d in view.deliveries} == {"erp-orders (webhook)": "pending",
                                                                     "pull (pull)": "available"}
    with seeded.database.transaction() as session:
        queued = store_jobs.list_jobs(session, status=JobStatus.PENDING)
        assert any(j.kind == "pipeline.deliver" and j.payload == {"delivery": seeded.webhook_delivery_id}
                   for j in queued)
    assert _audit(seeded, document_id=seeded.po_id) == [("ana", "ok", outcome)]
    assert monitor.dashboard().failed == []


def test_reprocess_sends_the_invoice_back_through_mapping(monitor: StoreMonitor, seeded: Seeded) -> None:
    outcome = monitor.act("reprocess", seeded.invoice_id, "ana")
    assert "reprocess" in outcome and "status accepted" in outcome
    view = monitor.document(seeded.invoice_id)
    assert view is not None and view.doc.status == "accepted"


def test_a_refused_action_is_audited_as_an_error(monitor: StoreMonitor, seeded: Seeded) -> None:
    outcome = monitor.act("resend-mdn", seeded.message_ref, "ana")
    assert outcome.startswith("resend-mdn refused:") and "only asynchronous MDNs" in outcome
    assert _audit(seeded, as2_message_id=seeded.message_ref) == [("ana", "error", outcome)]
    refused = monitor.act("resend-mdn", seeded.po_id, "ana")
    assert "applies to AS2 messages" in refused


def test_admin_manages_users_and_tokens_with_audit_events(monitor: StoreMonitor, seeded: Seeded) -> None:
    monitor.create_user("bea", "a-long-password", "analyst", "root")
    assert monitor.authenticate("bea", "a-long-password") == "analyst"
    assert [u["username"] for u in monitor.users()] == ["ana", "bea", "root"]
    secret = monitor.create_token("erp", "integration", "amazon", "root")
    assert secret.startswith("acorn_")
    [token] = monitor.tokens()
    assert token["partner"] == "amazon" and not token["revoked"]
    monitor.revoke_token(token["id"], "root")
    assert monitor.tokens()[0]["revoked"]
    with seeded.database.transaction() as session:
        admin = [e.message for e in store_events.list_events(session) if e.actor == "root"]
    assert admin[0] == "user bea created with role analyst" and len(admin) == 3
    assert secret not in " ".join(admin)


def test_partner_pages_show_profile_certificates_and_last_traffic(monitor: StoreMonitor) -> None:
    [amazon] = monitor.partners()
    assert amazon.as2_id == "AMAZON-SIM" and amazon.isa == "ZZ AMAZON"
    assert amazon.last_in and amazon.last_out
    fields = dict(amazon.fields)
    assert fields["Deadlines"] == "MDN 10m, 997/999 1d, 855 1d"
    assert fields["AS2 endpoint"] == "http://127.0.0.1:8091/as2"
    uses = {c.use for c in amazon.certificates}
    assert "their certificate (development)" in uses and "our signing" in uses
    assert all(c.days > 60 and len(c.fingerprint) == 95 for c in amazon.certificates)
    assert monitor.partner("amazon") == amazon and monitor.partner("nobody") is None


def test_retry_of_a_dead_outbound_message_sends_it_again(monitor: StoreMonitor, seeded: Seeded) -> None:
    service = service_for(seeded.runtime)
    ref, _ = as2_outbound.message_for_document(service, seeded.invoice_id)
    with seeded.database.transaction() as session:
        store_as2.update_as2_message(session, ref, AS2Status.DEAD, error="HTTP 503 six times")
    outcome = monitor.act("retry", ref, "ana")
    assert outcome.endswith("queued to be sent again") and "outbound" in outcome
    view = monitor.message(ref)
    assert view is not None and view.msg.status == "queued"
    assert [d.id for d in view.documents] == [seeded.invoice_id]
    assert _audit(seeded, as2_message_id=ref) == [("ana", "ok", outcome)]
