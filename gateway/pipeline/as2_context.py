"""What the AS2 flows share: the store, the partners' loaded AS2 keys, the clock, and event + JSON-log recording.

Built once per process (``build_service`` from settings, or ``service_for(runtime)`` inside a worker) and passed to
every stage of ``as2_inbound`` and ``as2_outbound``.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from gateway.as2 import As2Partner, Transport, load_partner
from gateway.as2.certs import ensure_dev_keys
from gateway.errors import ConfigError, NotFoundError
from gateway.partners.as2_section import AS2Section, KeySource
from gateway.partners.loader import load_registry
from gateway.settings import Settings
from gateway.store import Session, Store
from gateway.store.enums import Outcome, SubjectType
from gateway.store.events import NewEvent, append_event, append_events

log = logging.getLogger("acorn.as2")


class As2Stage(StrEnum):
    """The explicit stages of the AS2 flows; every stored event and JSON log line names one."""

    RECEIVE = "as2.receive"  # raw body + headers committed
    DUPLICATE = "as2.duplicate"  # same partner and Message-ID seen before
    UNWRAP = "as2.unwrap"  # decrypt, verify, decompress, MIC
    STORE = "as2.store"  # payload and security facts stored
    MDN = "as2.mdn"  # our MDN built and stored
    HAND_OFF = "as2.hand_off"  # payload queued for the X12 pipeline
    MDN_DELIVERY = "as2.mdn_delivery"  # async MDN POSTed to the partner
    QUEUE = "as2.queue"  # outbound message stored and its send queued
    SEND = "as2.send"  # one outbound HTTP attempt
    MDN_RECEIVED = "as2.mdn_received"  # the partner's MDN verified and reconciled


_OUTCOME_LEVEL = {Outcome.OK: logging.INFO, Outcome.WARNING: logging.WARNING, Outcome.ERROR: logging.ERROR}


class As2Directory:
    """The partners with an ``as2:`` block, their keys loaded, indexed by (AS2-From, AS2-To) of inbound traffic."""

    def __init__(
        self, partners: dict[str, As2Partner] | None = None, mdn_waits: dict[str, timedelta] | None = None
    ) -> None:
        self.partners = dict(partners or {})
        self.mdn_waits = dict(mdn_waits or {})  # partner id -> how long we wait for its async MDN
        self._index: dict[tuple[str, str], As2Partner] = {}
        for partner in self.partners.values():
            key = (partner.profile.their_as2_id, partner.profile.our_as2_id)
            other = self._index.get(key)
            if other is not None:
                raise ConfigError(
                    f"partners {other.partner_id} and {partner.partner_id} both use AS2 IDs {key[0]!r} -> {key[1]!r}"
                )
            self._index[key] = partner

    def lookup(self, as2_from: str, as2_to: str) -> As2Partner | None:
        """The partner sending as ``as2_from`` to our ``as2_to`` (inbound messages and MDNs alike)."""
        return self._index.get((as2_from, as2_to))

    def get(self, partner_id: str) -> As2Partner:
        partner = self.partners.get(partner_id)
        if partner is None:
            known = ", ".join(sorted(self.partners)) or "none"
            raise NotFoundError(f"partner {partner_id!r} has no AS2 profile (partners with one: {known})")
        return partner


def with_dev_keys(section: AS2Section, data_dir: Path) -> AS2Section:
    """Development only: our keys that a profile names but that do not exist are generated under data_dir/dev-keys."""
    missing = [k for k in (section.our_signing_key, section.our_decryption_key) if k and not k.path.exists()]
    if not missing:
        return section
    generated = ensure_dev_keys(data_dir, section.our_as2_id)
    log.warning("development keys in use", extra={"partner": section.their_as2_id, "reason": str(generated.key_pem)})
    source = KeySource(path=generated.key_pem)
    updates = {name: source for name in ("our_signing_key", "our_decryption_key")
               if getattr(section, name) in missing}
    return section.model_copy(update=updates)


def load_directory(partners_dir: Path, *, production: bool, data_dir: Path | None = None) -> As2Directory:
    """Every partner profile (gateway.partners.loader) with an ``as2:`` block, keys and certificates loaded.

    With ``data_dir`` outside production, missing keys of ours are generated there on first run (``with_dev_keys``).
    """
    partners: dict[str, As2Partner] = {}
    waits: dict[str, timedelta] = {}
    if not partners_dir.is_dir():
        return As2Directory(partners)
    for profile in load_registry(partners_dir):
        if profile.as2 is None:
            continue
        section = profile.as2
        if data_dir is not None and not production:
            section = with_dev_keys(section, data_dir)
        partners[profile.id] = load_partner(profile.id, section, production=production)
        waits[profile.id] = profile.deadlines.mdn
    return As2Directory(partners, waits)


@dataclass(slots=True)
class As2Service:
    """Everything the AS2 flows need; ``hand_off`` queues accepted payloads for the X12 pipeline."""

    settings: Settings
    store: Store
    directory: As2Directory
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    transport: Transport | None = None  # None: httpx (gateway.as2.HttpxTransport)
    hand_off: bool = True
    rng: random.Random = field(default_factory=random.Random)
    runtime: Any = None  # the pipeline Runtime, when running inside the gateway (outbound document callbacks)
    async_mdn_wait: timedelta = timedelta(minutes=10)  # unless the profile's deadlines.mdn says otherwise
    duplicate_wait: timedelta = timedelta(seconds=30)  # a repeat racing its first copy waits this long for it

    def mdn_wait(self, partner_id: str) -> timedelta:
        """How long a message to ``partner_id`` may wait for its async MDN before it is mdn_failed."""
        return self.directory.mdn_waits.get(partner_id, self.async_mdn_wait)

    def now(self) -> datetime:
        return self.clock()


def build_service(settings: Settings, *, store: Store | None = None, **options: Any) -> As2Service:
    """Load the partners' AS2 keys and open the store (migrated by the caller: ``prepare_database``)."""
    if store is None:
        from gateway.store import prepare_database

        store = prepare_database(settings)
    directory = load_directory(settings.partners_dir, production=settings.is_production, data_dir=settings.data_dir)
    return As2Service(settings=settings, store=store, directory=directory, **options)


_RUNTIME_LOCK = threading.Lock()


def service_for(runtime: Any) -> As2Service:
    """The AS2 service attached to a pipeline Runtime (built on first use, cached in ``runtime.extras``)."""
    with _RUNTIME_LOCK:
        cached = runtime.extras.get("as2")
        if isinstance(cached, As2Service):
            return cached
        database = runtime.database if isinstance(runtime.database, Store) else None
        service = build_service(runtime.settings, store=database, clock=runtime.clock, runtime=runtime)
        runtime.extras["as2"] = service
        return service


def record(
    session: Session,
    stage: As2Stage,
    outcome: Outcome,
    text: str,
    *,
    message_ref: str | None,
    partner: str | None,
    direction: str,
    message_id: str | None,
    detail: dict[str, Any] | None = None,
    document_id: str | None = None,
) -> None:
    """One stored event on the message's timeline plus one JSON log line with the same facts."""
    append_event(
        session,
        stage,
        outcome,
        text,
        subject_type=SubjectType.AS2_MESSAGE if message_ref else SubjectType.SYSTEM,
        subject_id=message_ref,
        as2_message_id=message_ref,
        document_id=document_id,
        detail=detail,
    )
    log_line(stage, outcome, text, partner=partner, direction=direction, message_id=message_id, detail=detail)


class Timeline:
    """The events of one message in one transaction: each is logged when noted, all are stored by one INSERT."""

    def __init__(self, *, message_ref: str, partner: str | None, direction: str, message_id: str | None) -> None:
        self.message_ref, self.partner, self.direction, self.message_id = message_ref, partner, direction, message_id
        self.events: list[NewEvent] = []

    def note(self, stage: As2Stage, outcome: Outcome, text: str, detail: dict[str, Any] | None = None) -> None:
        self.events.append(NewEvent(stage, outcome, text, SubjectType.AS2_MESSAGE, self.message_ref,
                                    as2_message_id=self.message_ref, detail=detail, occurred_at=datetime.now(UTC)))
        log_line(stage, outcome, text, partner=self.partner, direction=self.direction, message_id=self.message_id,
                 detail=detail)

    def write(self, session: Session) -> None:
        """Store the noted events in the caller's transaction (call once, before it commits)."""
        append_events(session, self.events)
        self.events = []


def log_line(
    stage: As2Stage,
    outcome: Outcome,
    text: str,
    *,
    partner: str | None,
    direction: str,
    message_id: str | None,
    detail: dict[str, Any] | None = None,
) -> None:
    """A JSON log line (see gateway.worker.jsonlog): never the payload, keys or passwords."""
    extra: dict[str, Any] = {"partner": partner, "direction": direction, "message_id": message_id, "stage": stage}
    if detail:
        if "disposition" in detail:
            extra["status"] = detail["disposition"]
        if "error" in detail:
            extra["error"] = detail["error"]
    log.log(_OUTCOME_LEVEL[outcome], text, extra=extra)

