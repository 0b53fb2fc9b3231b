"""POST /as2 hands a keep-alive connection back (Connection: close) only when a worker process of several is busy."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.api import as2_routes
from gateway.api.as2_routes import WorkerShare
from gateway.as2 import build_message
from tests.as2_service.conftest import PairFactory


def test_only_every_nth_response_of_a_busy_worker_closes() -> None:
    share = WorkerShare(enabled=True, busy=2, every=3)
    share.in_flight = 1
    assert [share.close_after() for _ in range(6)] == [False] * 6  # not busy: keep every connection
    share.in_flight = 2
    assert [share.close_after() for _ in range(6)] == [False, False, True, False, False, True]
    single = WorkerShare(enabled=False, busy=0, every=1)
    assert not any(single.close_after() for _ in range(5))  # one process: a reconnect would land here again


@pytest.mark.parametrize("busy", [True, False])
def test_endpoint_says_connection_close_when_asked(
    busy: bool, pair: PairFactory, client_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = pair()
    monkeypatch.setattr(as2_routes, "_SHARE", WorkerShare(enabled=True, busy=0 if busy else 99, every=1))
    message = build_message(p.partner, b"ISA*00*~", "po.edi")
    response = client_for(p.service).post("/as2", content=message.body, headers=message.headers)
    assert response.status_code == 200 and response.headers["content-type"].startswith("multipart/signed")
    assert (response.headers.get("connection") == "close") is busy
    assert as2_routes._SHARE.in_flight == 0 and as2_routes._SHARE.answered == 1
