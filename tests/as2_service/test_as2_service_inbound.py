"""The inbound AS2 flow through POST /as2 (FastAPI TestClient) on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from gateway.as2 import TransportResponse, build_message, parse_mdn
from gateway.pipeline import as2_inbound
from gateway.pipeline.as2_inbound import MdnDeliveryError, deliver_mdn
from gateway.store import Store
from gateway.store.as2 import mdn_for, search_as2_messages
from gateway.store.blobs import blob_content
from gateway.store.enums import AS2Status, Direction, JobKind, MdnStatus
from gateway.store.events import list_events
from gateway.store.jobs import list_jobs
from tests.as2_service.conftest import GATEWAY_ID, Keys, PairFactory, RecordingTransport, section

PAYLOAD = b"ISA*00*          *00*          *ZZ*RETAILER-X     *ZZ*ACORN          *260101*1200*U*00401*000000001*0*T*>~"


def disposition(response: httpx.Response) -> str:
    found = re.search(rb"Disposition:\s*([^\r\n]+)", response.content)
    assert found, f"no Disposition in the answer (HTTP {response.status_code}): {response.content[:300]!r}"
    return found.group(1).decode()


def inbound_rows(store: Store) -> list[Any]:
    with store.transaction() as session:
        return list(search_as2_messages(session, direction=Direction.INBOUND).items)


def stages(store: Store, ref: str) -> list[tuple[str, str]]:
    with store.transaction() as session:
        return [(e.stage, str(e.outcome)) for e in list_events(session, as2_message_id=ref)]


def test_accepted_message_raw_committed_before_processing(
    pair: PairFactory, client_for: Any, migrated_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = pair()
    message = build_message(p.partner, PAYLOAD, "po.edi")
    seen: dict[str, Any] = {}
    real_receive = as2_inbound.receive

    def checking_receive(*args: Any, **kwargs: Any) -> Any:
        # Another connection must already see the committed raw body before the codec runs (and the MDN leaves).
        other = Store.from_url(migrated_url)
        try:
            rows = inbound_rows(other)
            seen["rows"] = [(r.status, r.message_id) for r in rows]
            with other.transaction() as session:
                seen["body"] = blob_content(session, rows[0].body_blob_id) if rows else None
        finally:
            other.dispose()
        return real_receive(*args, **kwargs)

    monkeypatch.setattr(as2_inbound, "receive", checking_receive)
    response = client_for(p.service).post("/as2", content=message.body, headers=message.headers)
    assert response.status_code == 200
    assert seen["rows"] == [(AS2Status.RECEIVED, message.message_id)]
    assert seen["body"] == message.body
    mdn = parse_mdn(response.headers, response.content, p.partner, message.message_id, message.mic,
                    datetime.now(UTC), expected_mic_algorithm=message.mic_algorithm)
    assert mdn.ok and mdn.signed and mdn.mic_check == "match"
    [row] = inbound_rows(p.service.store)
    assert row.status is AS2Status.PROCESSED and row.partner_id == "retailer"
    assert row.signed and row.encrypted and row.mic == message.mic
    assert "authorization" not in {k.lower() for k in (row.headers or {})}
    with p.service.store.transaction() as session:
        assert blob_content(session, row.payload_blob_id) == PAYLOAD
        stored = mdn_for(session, row.id, Direction.OUTBOUND)
        assert stored is not None and stored.status is MdnStatus.SENT
        assert blob_content(session, stored.blob_id) == response.content
        jobs = list_jobs(session, kind="pipeline.process_inbound")
    assert [j.payload for j in jobs] == [{"message": row.id}]
    assert [s for s, _ in stages(p.service.store, row.id)] == [
        "as2.receive", "as2.unwrap", "as2.store", "as2.mdn", "as2.hand_off"]


def test_authorization_header_is_not_stored(pair: PairFactory, client_for: Any) -> None:
    p = pair()
    message = build_message(p.partner, PAYLOAD, "po.edi")
    headers = {**message.headers, "Authorization": "Basic c2VjcmV0OnNlY3JldA=="}
    assert client_for(p.service).post("/as2", content=message.body, headers=headers).status_code == 200
    [row] = inbound_rows(p.service.store)
    assert "authorization" not in {k.lower() for k in (row.headers or {})}
    assert "as2-from" in {k.lower() for k in (row.headers or {})}


def test_duplicate_message_id_returns_the_stored_mdn(pair: PairFactory, client_for: Any) -> None:
    p = pair()
    client = client_for(p.service)
    message = build_message(p.partner, PAYLOAD, "po.edi")
    first = client.post("/as2", content=message.body, headers=message.headers)
    second = client.post("/as2", content=message.body, headers=message.headers)
    assert first.status_code == second.status_code == 200
    assert second.content == first.content  # the very same MDN bytes, not a new one
    assert second.headers["content-type"] == first.headers["content-type"]
    [row] = inbound_rows(p.service.store)
    assert [s for s, _ in stages(p.service.store, row.id)].count("as2.duplicate") == 1
    with p.service.store.transaction() as session:
        assert len(list_jobs(session, kind="pipeline.process_inbound")) == 1


def _negative_cases(keys: Keys) -> dict[str, tuple[dict[str, Any], dict[str, Any], str]]:
    """name -> (as2 overrides for both, sender-only overrides, expected Disposition ending)."""
    plain = {"outbound": {"encryption": None, "signature": "sha256"}}
    return {
        "authentication-failed": ({}, {"our_signing_key": {"path": str(keys.stranger.key_pem)}},
                                  "processed/error: authentication-failed"),
        "decryption-failed": ({}, {"their_certificates": [{"path": str(keys.stranger.cert_pem)}]},
                              "processed/error: decryption-failed"),
        "insufficient-message-security": ({}, plain, "processed/error: insufficient-message-security"),
        "weak-algorithm": ({}, {"outbound": {"signature": "sha1"}}, "processed/error: insufficient-message-security"),
    }


@pytest.mark.parametrize("case", ["authentication-failed", "decryption-failed", "insufficient-message-security",
                                  "weak-algorithm"])
def test_negative_dispositions_keep_the_raw_bytes(
    case: str, keys: Keys, pair: PairFactory, client_for: Any
) -> None:
    both, sender, expected = _negative_cases(keys)[case]
    p = pair(sender=sender, **both)
    message = build_message(p.partner, PAYLOAD, "po.edi")
    response = client_for(p.service).post("/as2", content=message.body, headers=message.headers)
    assert response.status_code == 200
    assert disposition(response).endswith(expected)
    [row] = inbound_rows(p.service.store)
    assert row.status is AS2Status.FAILED and row.disposition == expected.rpartition(": ")[2]
    with p.service.store.transaction() as session:
        assert blob_content(session, row.body_blob_id) == message.body
        assert row.payload_blob_id is None
        assert not list_jobs(session, kind="pipeline.process_inbound")
    assert ("as2.unwrap", "error") in stages(p.service.store, row.id)


def test_partner_certificate_outside_its_window(keys: Keys, pair: PairFactory, client_for: Any) -> None:
    expired = {"their_certificates": [{"path": str(keys.partner.cert_pem), "not_before": "2020-01-01T00:00:00Z",
                                       "not_after": "2021-01-01T00:00:00Z", "label": "old"}]}
    p = pair(receiver=expired)
    message = build_message(p.partner, PAYLOAD, "po.edi")
    response = client_for(p.service).post("/as2", content=message.body, headers=message.headers)
    assert disposition(response).endswith("processed/error: authentication-failed")
    [row] = inbound_rows(p.service.store)
    assert row.status is AS2Status.FAILED and "valid only from" in (row.error or "")


def test_integrity_check_failed_when_signed_content_altered(pair: PairFactory, client_for: Any) -> None:
    p = pair(outbound={"encryption": None, "signature": "sha256"}, inbound={"require_encrypted": False})
    message = build_message(p.partner, PAYLOAD, "po.edi")
    tampered = message.body.replace(b"RETAILER-X     ", b"RETAILER-Y     ", 1)
    assert tampered != message.body
    response = client_for(p.service).post("/as2", content=tampered, headers=message.headers)
    assert disposition(response).endswith("processed/error: integrity-check-failed")
    [row] = inbound_rows(p.service.store)
    with p.service.store.transaction() as session:
        assert blob_content(session, row.body_blob_id) == tampered


def test_decompression_limit(pair: PairFactory, client_for: Any) -> None:
    p = pair({"max_decompressed_bytes": 2000}, outbound={"compression": "before-signing"})
    message = build_message(p.partner, PAYLOAD * 100, "big.edi")
    response = client_for(p.service).post("/as2", content=message.body, headers=message.headers)
    assert disposition(response).endswith("processed/error: decompression-failed")
    [row] = inbound_rows(p.service.store)
    assert row.status is AS2Status.FAILED and row.compressed


def test_unsupported_mic_algorithm(pair: PairFactory, client_for: Any) -> None:
    p = pair()
    message = build_message(p.partner, PAYLOAD, "po.edi")
    headers = {**message.headers, "Disposition-Notification-Options":
               "signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, md5"}
    response = client_for(p.service).post("/as2", content=message.body, headers=headers)
    assert disposition(response).endswith("failed/Failure: unsupported MIC-algorithms")


def test_unknown_partner_gets_unsigned_mdn(keys: Keys, pair: PairFactory, client_for: Any) -> None:
    from gateway.as2 import load_partner

    p = pair()
    stranger = load_partner("x", section(keys.stranger, keys.gateway.cert_pem, "NOBODY", GATEWAY_ID, "http://x/"))
    message = build_message(stranger, PAYLOAD, "po.edi")
    response = client_for(p.service).post("/as2", content=message.body, headers=message.headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("multipart/report")  # unsigned
    assert disposition(response).endswith("processed/error: unknown-trading-partner")
    [row] = inbound_rows(p.service.store)
    assert row.partner_id is None and row.as2_from == "NOBODY" and row.status is AS2Status.FAILED
    with p.service.store.transaction() as session:
        assert blob_content(session, row.body_blob_id) == message.body


def test_codec_crash_becomes_unexpected_processing_error(
    pair: PairFactory, client_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = pair()

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("simulated codec defect")

    monkeypatch.setattr(as2_inbound, "receive", broken)
    message = build_message(p.partner, PAYLOAD, "po.edi")
    response = client_for(p.service).post("/as2", content=message.body, headers=message.headers)
    assert response.status_code == 200
    assert disposition(response).endswith("processed/error: unexpected-processing-error")
    [row] = inbound_rows(p.service.store)
    assert row.status is AS2Status.FAILED and "simulated codec defect" in (row.error or "")


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_store_down_never_500(mode: str, pair: PairFactory, client_for: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    p = pair(mdn={"mode": mode, "signed": True, "async_url": "http://127.0.0.1:9/mdn"})

    def down(*_args: Any, **_kwargs: Any) -> Any:
        raise OSError("database unreachable")

    monkeypatch.setattr(as2_inbound, "_commit_raw", down)
    message = build_message(p.partner, PAYLOAD, "po.edi")
    response = client_for(p.service).post("/as2", content=message.body, headers=message.headers)
    if mode == "sync":
        assert response.status_code == 200
        assert disposition(response).endswith("processed/error: unexpected-processing-error")
        assert b"database unreachable" not in response.content  # internals stay in the log
    else:
        assert response.status_code == 503 and "incident" in response.text


def test_oversize_body_413(pair: PairFactory, client_for: Any) -> None:
    p = pair({"max_as2_body_bytes": 1000})
    message = build_message(p.partner, PAYLOAD * 20, "po.edi")
    assert len(message.body) > 1000
    response = client_for(p.service).post("/as2", content=message.body, headers=message.headers)
    assert response.status_code == 413
    assert inbound_rows(p.service.store) == []


def test_async_mdn_queued_then_delivered_with_retry(pair: PairFactory, client_for: Any) -> None:
    p = pair(mdn={"mode": "async", "signed": True, "async_url": "http://127.0.0.1:9/their-mdn"})
    message = build_message(p.partner, PAYLOAD, "po.edi")
    response = client_for(p.service).post("/as2", content=message.body, headers=message.headers)
    assert response.status_code == 200 and response.content == b""
    with p.service.store.transaction() as session:
        [job] = list_jobs(session, kind=JobKind.AS2_SEND_MDN)
        [row] = list(search_as2_messages(session, direction=Direction.INBOUND).items)
        stored = mdn_for(session, row.id, Direction.OUTBOUND)
        assert stored is not None and stored.status is MdnStatus.PENDING
    transport = RecordingTransport(503, lambda url, headers, body: TransportResponse(200, {}, b""))
    p.service.transport = transport
    with pytest.raises(MdnDeliveryError) as failed:
        deliver_mdn(p.service, job.payload["mdn"], job.payload["url"], attempt=1)
    assert failed.value.delay.total_seconds() > 0
    deliver_mdn(p.service, job.payload["mdn"], job.payload["url"], attempt=2)
    url, headers, body = transport.calls[-1]
    assert url == "http://127.0.0.1:9/their-mdn"
    mdn = parse_mdn(headers, body, p.partner, message.message_id, message.mic, datetime.now(UTC),
                    expected_mic_algorithm=message.mic_algorithm)
    assert mdn.ok and mdn.signed
    with p.service.store.transaction() as session:
        stored = mdn_for(session, row.id, Direction.OUTBOUND)
        assert stored is not None and stored.status is MdnStatus.SENT
    outcomes = [o for s, o in stages(p.service.store, row.id) if s == "as2.mdn_delivery"]
    assert outcomes == ["warning", "ok"]


def test_garbage_and_missing_message_id_are_stored_not_500(pair: PairFactory, client_for: Any) -> None:
    p = pair()
    client = client_for(p.service)
    garbage = client.post("/as2", content=b"\x00\x01 not an AS2 message", headers={"Content-Type": "text/plain"})
    assert garbage.status_code == 200 and garbage.content == b""  # no MDN requested, nothing to answer
    message = build_message(p.partner, PAYLOAD, "po.edi")
    headers = {k: v for k, v in message.headers.items() if k != "Message-ID"}
    missing = client.post("/as2", content=message.body, headers=headers)
    assert missing.status_code == 200
    assert disposition(missing).endswith("processed/error: unexpected-processing-error")
    rows = inbound_rows(p.service.store)
    assert len(rows) == 2 and all(r.status is AS2Status.FAILED for r in rows)
    assert all(r.message_id.startswith("missing-message-id-") for r in rows)
    with p.service.store.transaction() as session:
        assert sorted(blob_content(session, r.body_blob_id) for r in rows) == sorted(
            [b"\x00\x01 not an AS2 message", message.body])


def test_failure_writes_a_specific_json_log_line(
    keys: Keys, pair: PairFactory, client_for: Any, caplog: pytest.LogCaptureFixture
) -> None:
    import json

    from gateway.worker.jsonlog import JsonLinesFormatter

    p = pair(sender={"their_certificates": [{"path": str(keys.stranger.cert_pem)}]})
    message = build_message(p.partner, PAYLOAD, "po.edi")
    with caplog.at_level("INFO", logger="acorn.as2"):
        client_for(p.service).post("/as2", content=message.body, headers=message.headers)
    lines = [json.loads(JsonLinesFormatter().format(r)) for r in caplog.records if r.name == "acorn.as2"]
    [failure] = [line for line in lines if line["level"] == "error"]
    assert failure["stage"] == "as2.unwrap" and failure["status"] == "decryption-failed"
    assert failure["partner"] == "retailer" and failure["message_id"] == message.message_id
    assert failure["direction"] == "inbound" and "error" in failure
    assert [line["stage"] for line in lines] == ["as2.receive", "as2.unwrap", "as2.mdn"]
    assert all(PAYLOAD.decode()[:20] not in json.dumps(line) for line in lines)  # never the payload


def test_concurrent_repeats_process_once_and_share_the_mdn(pair: PairFactory, client_for: Any) -> None:
    from concurrent.futures import ThreadPoolExecutor

    p = pair()
    client = client_for(p.service)
    message = build_message(p.partner, PAYLOAD, "po.edi")
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _i: client.post("/as2", content=message.body, headers=message.headers),
                                range(4)))
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1  # one MDN, returned to every copy
    [row] = inbound_rows(p.service.store)
    with p.service.store.transaction() as session:
        assert len(list_jobs(session, kind="pipeline.process_inbound")) == 1
    assert [s for s, _ in stages(p.service.store, row.id)].count("as2.unwrap") == 1


def test_repeat_of_a_crashed_first_copy_is_processed(
    pair: PairFactory, client_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import timedelta

    p = pair()
    p.service.duplicate_wait = timedelta(seconds=0.3)
    message = build_message(p.partner, PAYLOAD, "po.edi")

    def crash(*_args: Any, **_kwargs: Any) -> Any:
        raise OSError("process killed after committing the raw body")

    with monkeypatch.context() as patched:
        patched.setattr(as2_inbound, "_finish", crash)
        client_for(p.service).post("/as2", content=message.body, headers=message.headers)
    [row] = inbound_rows(p.service.store)
    assert row.status is AS2Status.RECEIVED
    repeat = client_for(p.service).post("/as2", content=message.body, headers=message.headers)
    assert disposition(repeat).endswith("processed")
    [row] = inbound_rows(p.service.store)
    assert row.status is AS2Status.PROCESSED


def test_pipeline_reads_the_accepted_payload(keys: Keys, pair: PairFactory, client_for: Any) -> None:
    from gateway.errors import NotFoundError
    from gateway.pipeline.as2_inbound import load_inbound_payload

    p = pair()
    message = build_message(p.partner, PAYLOAD, "po.edi")
    client_for(p.service).post("/as2", content=message.body, headers=message.headers)
    bad = pair(sender={"our_signing_key": {"path": str(keys.stranger.key_pem)}})
    rejected = build_message(bad.partner, PAYLOAD, "po.edi")
    client_for(p.service).post("/as2", content=rejected.body, headers=rejected.headers)
    by_id = {r.message_id: r.id for r in inbound_rows(p.service.store)}
    with p.service.store.transaction() as session:
        accepted = load_inbound_payload(session, by_id[message.message_id])
        assert (accepted.partner_id, accepted.message_id, accepted.body) == ("retailer", message.message_id, PAYLOAD)
        with pytest.raises(NotFoundError, match="not an accepted inbound message"):
            load_inbound_payload(session, by_id[rejected.message_id])


def test_async_mdn_only_to_http_urls(pair: PairFactory, client_for: Any) -> None:
    p = pair(mdn={"mode": "async", "signed": True, "async_url": "http://127.0.0.1:9/their-mdn"})
    message = build_message(p.partner, PAYLOAD, "po.edi")
    headers = {**message.headers, "Receipt-Delivery-Option": "file:///etc/passwd"}
    assert client_for(p.service).post("/as2", content=message.body, headers=headers).status_code == 200
    [row] = inbound_rows(p.service.store)
    assert row.status is AS2Status.PROCESSED
    with p.service.store.transaction() as session:
        assert not list_jobs(session, kind=JobKind.AS2_SEND_MDN)
    assert ("as2.mdn_delivery", "error") in stages(p.service.store, row.id)
