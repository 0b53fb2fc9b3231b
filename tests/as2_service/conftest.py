"""AS2 service fixtures: generated identities, profile builders, a receiving gateway over the shared store fixture."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gateway.api.app import create_app
from gateway.as2 import As2Partner, TransportResponse, load_partner
from gateway.as2.certs import GeneratedKey, generate
from gateway.partners.as2_section import AS2Section, Timeouts, TlsClientCert
from gateway.pipeline.as2_context import As2Directory, As2Service
from gateway.pipeline.as2_inbound import receive_message
from gateway.pipeline.as2_outbound import queue_message
from gateway.settings import Settings
from gateway.store import Store
from gateway.worker.as2_jobs import run_send_job

GATEWAY_ID = "ACORN GATEWAY"  # a space: AS2 names are quoted on the wire
PARTNER_ID = "RETAILER-X"


@dataclass(frozen=True)
class Keys:
    gateway: GeneratedKey
    partner: GeneratedKey
    stranger: GeneratedKey


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    root = tmp_path_factory.mktemp("as2svc-keys")
    return Keys(generate("ACORN-GATEWAY", root), generate(PARTNER_ID, root), generate("STRANGER", root))


def section(me: GeneratedKey, other_cert: Path, me_id: str, other_id: str, url: str, **overrides: Any) -> AS2Section:
    """A profile as ``me`` sees ``other``; overrides replace whole top-level keys of the as2 block."""
    data: dict[str, Any] = {
        "our_as2_id": me_id,
        "their_as2_id": other_id,
        "url": url,
        "our_signing_key": {"path": str(me.key_pem)},
        "our_decryption_key": {"path": str(me.key_pem)},
        "their_certificates": [{"path": str(other_cert)}],
        "retry": {"max_attempts": 3, "base_delay_seconds": 0, "max_delay_seconds": 0},
    }
    data.update(overrides)
    return AS2Section.model_validate(data)


@dataclass
class Pair:
    """Our gateway (a service over the test store) and the partner's view of the same relationship."""

    service: As2Service
    partner: As2Partner  # the partner's side: builds messages to us and verifies our MDNs
    ours: As2Partner  # our profile of the partner


PairFactory = Callable[..., Pair]


def make_settings(tmp: Path, url: str, **overrides: Any) -> Settings:
    return Settings(data_dir=tmp, database_url=url, partners_dir=tmp / "no-partners", **overrides)


@pytest.fixture
def pair(keys: Keys, store: Store, migrated_url: str, tmp_path: Path) -> PairFactory:
    """``pair(**as2_overrides)``: the same overrides apply to both profiles (algorithms, MDN policy, ...)."""

    def make(
        settings_overrides: Mapping[str, Any] | None = None, sender: Mapping[str, Any] | None = None,
        receiver: Mapping[str, Any] | None = None, **overrides: Any,
    ) -> Pair:
        """``sender`` overrides only the partner's side (e.g. to send what our profile refuses), ``receiver`` ours."""
        ours = load_partner("retailer", section(keys.gateway, keys.partner.cert_pem, GATEWAY_ID, PARTNER_ID,
                                                "http://127.0.0.1:9/as2", **{**overrides, **dict(receiver or {})}))
        theirs = load_partner("acorn", section(keys.partner, keys.gateway.cert_pem, PARTNER_ID, GATEWAY_ID,
                                               "http://127.0.0.1:9/as2", **{**overrides, **dict(sender or {})}))
        settings = make_settings(tmp_path, migrated_url, **dict(settings_overrides or {}))
        service = As2Service(settings=settings, store=store, directory=As2Directory({"retailer": ours}))
        return Pair(service, theirs, ours)

    return make


@pytest.fixture
def client_for() -> Iterator[Callable[[As2Service], TestClient]]:
    """A TestClient over the real application whose AS2 service is ``service``."""
    clients: list[TestClient] = []

    def make(service: As2Service) -> TestClient:
        app = create_app(service.settings)
        app.state.as2_service = service
        client = TestClient(app, raise_server_exceptions=False)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


class RecordingTransport:
    """A transport that records every POST and answers from a script (status codes, exceptions or callables)."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[str, dict[str, str], bytes]] = []

    def send(
        self, url: str, headers: Mapping[str, str], body: bytes, timeouts: Timeouts,
        auth: tuple[str, str] | None, tls: TlsClientCert | None,
    ) -> TransportResponse:
        self.calls.append((url, dict(headers), body))
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, BaseException):
            raise answer
        if callable(answer):
            result: TransportResponse = answer(url, dict(headers), body)
            return result
        return TransportResponse(int(answer), {}, b"")


OUTBOUND_PAYLOAD = (b"ISA*00*          *00*          *ZZ*ACORN          *ZZ*RETAILER-X     *260101*1200*U*00401"
                    b"*000000007*0*T*>~")
Answer = Callable[[str, dict[str, str], bytes], TransportResponse]


class Gateways:
    """Our sending service and the partner's receiving service, both over the test store."""

    def __init__(self, keys: Keys, store: Store, url: str, tmp: Path, ours: dict[str, Any],
                 theirs: dict[str, Any] | None = None) -> None:
        mine = load_partner("retailer", section(keys.gateway, keys.partner.cert_pem, GATEWAY_ID, PARTNER_ID,
                                                "http://partner.test/as2", **ours))
        peer = load_partner("acorn", section(keys.partner, keys.gateway.cert_pem, PARTNER_ID, GATEWAY_ID,
                                             "http://acorn.test/as2", **(theirs if theirs is not None else ours)))
        settings = make_settings(tmp, url)
        self.ours = As2Service(settings=settings, store=store, directory=As2Directory({"retailer": mine}),
                               rng=random.Random(7), hand_off=False)
        self.peer = As2Service(settings=settings, store=store, directory=As2Directory({"acorn": peer}),
                               hand_off=False)

    def partner_answers(self, alter: Callable[[bytes], bytes] = lambda b: b) -> Answer:
        """The partner's gateway answering in-process (its real inbound flow)."""

        def answer(url: str, headers: dict[str, str], body: bytes) -> TransportResponse:
            reply = receive_message(self.peer, headers, alter(body))
            return TransportResponse(reply.status_code, reply.headers, reply.body)

        return answer

    def send(self) -> tuple[str, Any]:
        ref = queue_message(self.ours, "retailer", OUTBOUND_PAYLOAD, filename="po.edi")
        return ref, run_send_job(self.ours, {"message": ref, "filename": "po.edi"})


@pytest.fixture
def gateways(keys: Keys, store: Store, migrated_url: str, tmp_path: Path) -> Callable[..., Gateways]:
    return lambda ours=None, theirs=None: Gateways(keys, store, migrated_url, tmp_path, ours or {}, theirs)


