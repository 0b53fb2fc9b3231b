"""The real Runtime (gateway.pipeline.wiring) over SQLite and PostgreSQL: flows run on the real components."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from wiring_support import (
    SECRET_ENV,
    WEBHOOK_SECRET,
    accepted_message,
    golden_850,
    invoice_810,
    settings_for,
    write_partners,
)

from gateway.errors import SchemaOutOfDateError
from gateway.pipeline import inbound, outbound
from gateway.pipeline.runtime import Runtime, build_runtime
from gateway.pipeline.statuses import Channel, DeliveryStatus, DocumentStatus
from gateway.store.deliveries import deliveries_of
from gateway.store.documents import DocumentFilter, search_documents
from gateway.store.enums import DocType
from gateway.store.jobs import list_jobs
from gateway.store.lineage import lineage
from gateway.worker.jobs import build_registry
from gateway.worker.registry import JobContext
from gateway.worker.runner import Runner
from gateway.x12.ack_parse import AckStatus, parse_acknowledgements
from gateway.x12.reader import read


@pytest.fixture
def runtime(tmp_path: Path, migrated_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Runtime]:
    monkeypatch.setenv(SECRET_ENV, WEBHOOK_SECRET)
    built = build_runtime(settings_for(tmp_path, migrated_url, write_partners(tmp_path)))
    yield built
    built.close()


def _kinds(runtime: Runtime) -> list[str]:
    with runtime.database.transaction() as session:
        return sorted(str(job.kind) for job in list_jobs(session))


def test_partner_view_comes_from_the_profile(runtime: Runtime) -> None:
    partner = runtime.partners.get("amazon")
    assert (partner.isa_qualifier, partner.isa_id, partner.our_isa_id) == ("ZZ", "AMAZON", "ACORNVENDOR")
    assert partner.ack_kind == "997"
    assert [(t.name, t.channel, t.secret) for t in partner.deliveries] == [
        ("erp", Channel.WEBHOOK, WEBHOOK_SECRET), ("pull", Channel.PULL, None)]
    assert runtime.partners.by_isa("ZZ", "AMAZON         ") == partner


def test_inbound_850_is_stored_translated_acknowledged_and_planned(runtime: Runtime) -> None:
    ref = accepted_message(runtime, golden_850())
    [document] = inbound.process(runtime, ref)
    assert document.status is DocumentStatus.TRANSLATED
    assert (document.isa13, document.gs06, document.st02) == ("000000101", "101", "0101")
    assert document.canonical is not None and document.canonical["purchaseOrderNumber"] == "4500012345"
    assert document.message_ref == ref
    # A second run (a crash before the job completed) creates nothing new.
    assert [d.id for d in inbound.process(runtime, ref)] == [document.id]
    assert _kinds(runtime) == ["as2.send", "pipeline.deliver"]
    with runtime.database.transaction() as session:
        statuses = {d.target: d.status.value for d in deliveries_of(session, document.id)}
        trail = lineage(session, document.id)
    assert statuses == {"erp": DeliveryStatus.PENDING.value, "pull": DeliveryStatus.AVAILABLE.value}
    assert trail.transaction_set is not None and trail.transaction_set.st02 == "0101"
    assert trail.as2_message is not None and trail.as2_message.id == ref
    # Our own 997 is never the target of a partner's acknowledgement.
    assert runtime.store.find_outbound("amazon", isa13="000000001", gs06=None, st02=None) == []
    acks = _997s(runtime)
    assert len(acks) == 1
    [ic] = read(acks[0])
    assert ic.control_number == "000000001" and ic.sender == ("ZZ", "ACORNVENDOR")
    [group] = parse_acknowledgements(ic).groups
    assert (group.control_number, group.status) == ("101", AckStatus.ACCEPTED)


def _997s(runtime: Runtime) -> list[bytes]:
    with runtime.database.transaction() as session:
        page = search_documents(session, DocumentFilter(doc_type=DocType.FA_997))
        ids = [d.id for d in page.items]
    return [runtime.store.get_document(i).x12 or b"" for i in ids]


def test_outbound_810_is_mapped_and_enveloped_by_the_worker(runtime: Runtime) -> None:
    document, created = outbound.submit(runtime, "amazon", "810", invoice_810(), "key-1")
    assert created and document.status is DocumentStatus.ACCEPTED
    again, created = outbound.submit(runtime, "amazon", "810", invoice_810(), "key-1")
    assert not created and again.id == document.id
    registry = build_registry()
    runner = Runner(runtime.queue, registry, JobContext(runtime, "test-worker", runtime.now))
    jobs = runtime.queue.claim("test-worker", ["pipeline.prepare_outbound"], 10, timedelta(minutes=1))
    assert len(jobs) == 1
    runner.run_job(jobs[0])
    prepared = runtime.store.get_document(document.id)
    assert prepared.status is DocumentStatus.QUEUED, prepared.error
    assert (prepared.isa13, prepared.gs06, prepared.st02) == ("000000001", "1", "0001")
    [ic] = read(prepared.x12 or b"")
    assert ic.receiver == ("ZZ", "AMAZON") and ic.groups[0].transaction_sets[0].code == "810"
    assert "as2.send" in _kinds(runtime)


def test_production_refuses_an_out_of_date_schema(tmp_path: Path, database_url: str) -> None:
    settings = settings_for(tmp_path, database_url, write_partners(tmp_path), environment="production")
    with pytest.raises(SchemaOutOfDateError, match="acorn db upgrade"):
        build_runtime(settings)


def test_development_upgrades_an_empty_database(tmp_path: Path, database_url: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, WEBHOOK_SECRET)
    runtime = build_runtime(settings_for(tmp_path, database_url, write_partners(tmp_path)))
    try:
        assert runtime.queue.counts() == {}
    finally:
        runtime.close()
