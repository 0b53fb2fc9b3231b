"""Delivery to internal systems: webhook push (Standard Webhooks) and directory drop; the pull queue needs no job.

A delivery is one (document, target) row. The webhook-id and the file name are the document id, so a redelivery
after a crash between the push and its commit is recognisable by the receiver as the same document.
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

import httpx

from gateway.errors import ConfigError
from gateway.pipeline import dropdir, webhooks
from gateway.pipeline.inbound import webhook_body
from gateway.pipeline.ports import DeliveryRecord, DeliveryTarget
from gateway.pipeline.runtime import Runtime
from gateway.pipeline.statuses import Channel, DeliveryStatus, DocumentStatus, Outcome, PipelineJob, Stage

log = logging.getLogger("acorn.pipeline.deliveries")

_DONE = frozenset({DeliveryStatus.DELIVERED, DeliveryStatus.ACKNOWLEDGED})


def deliver(runtime: Runtime, delivery_id: str) -> DeliveryRecord:
    """Push one delivery; raises DeliveryError (retried by the worker with backoff) when the target fails."""
    store = runtime.store
    with store.transaction():  # one read transaction for both rows
        delivery = store.get_delivery(delivery_id)
        if delivery.status in _DONE or delivery.channel is Channel.PULL:
            return delivery  # done by an earlier attempt whose job completion was lost, or waiting to be pulled
        document = store.get_document(delivery.document_id)
    partner = runtime.partners.get(document.partner_id)
    target = _target(partner.deliveries, delivery)
    body = webhook_body(document)
    try:
        if target.channel is Channel.WEBHOOK:
            if not target.url or not target.secret:
                raise ConfigError(f"partner {partner.id}: webhook target {target.name!r} needs url and secret")
            stamp = int(runtime.now().timestamp())
            webhooks.post(_client(runtime), webhooks.WebhookTarget(target.url, target.secret), document.id, stamp, body)
        elif target.channel is Channel.DIRECTORY:
            if not target.directory:
                raise ConfigError(f"partner {partner.id}: directory target {target.name!r} needs a directory")
            name = f"{document.partner_id}_{document.document_type}_{document.id}.json"
            dropdir.drop(Path(target.directory), name, body)
        else:
            raise ConfigError(f"delivery {delivery.id}: channel {target.channel} is not pushed")
    except Exception as exc:
        with store.transaction():
            store.update_delivery(delivery.id, DeliveryStatus.PENDING, error=f"{type(exc).__name__}: {exc}")
            store.add_event(Stage.DELIVER, Outcome.ERROR, f"{target.channel} {target.name}: {exc}",
                            document_id=document.id)
        raise
    with store.transaction():
        store.update_delivery(delivery.id, DeliveryStatus.DELIVERED)
        store.add_event(Stage.DELIVER, Outcome.OK, f"{target.channel} {target.name}", document_id=document.id)
        if document.status is DocumentStatus.TRANSLATED:
            store.update_document(document.id, DocumentStatus.DELIVERED, stage=Stage.DELIVER)
        delivered = store.get_delivery(delivery.id)
    log.info("delivered", extra={"partner": partner.id, "direction": "inbound", "stage": "deliver",
                                 "document": document.id, "channel": str(target.channel)})
    return delivered


def dead(runtime: Runtime, delivery_id: str, error: str) -> None:
    """Mark a delivery dead once the worker gave up; an analyst can replay it."""
    store = runtime.store
    with store.transaction():
        delivery = store.get_delivery(delivery_id)
        store.update_delivery(delivery_id, DeliveryStatus.DEAD, error=error)
        store.add_event(Stage.DELIVER, Outcome.ERROR, f"dead letter: {error}", document_id=delivery.document_id)


def replay(runtime: Runtime, delivery_id: str, *, actor: str = "analyst") -> DeliveryRecord:
    """Hand a delivery over again: a push is queued (same webhook-id / file name), a pull entry is available again."""
    store = runtime.store
    with store.transaction():
        delivery = store.get_delivery(delivery_id)
        if delivery.channel is Channel.PULL:
            store.update_delivery(delivery_id, DeliveryStatus.AVAILABLE)
            what = "back in the pull queue"
        else:
            store.update_delivery(delivery_id, DeliveryStatus.PENDING)
            # A fresh job per replay: the push is signed again with a new timestamp, under the same webhook-id.
            store.enqueue(PipelineJob.DELIVER, {"delivery": delivery_id},
                          dedupe_key=f"replay:{delivery_id}:{uuid.uuid4().hex}")
            what = "queued again"
        store.add_event(Stage.DELIVER, Outcome.OK,
                        f"delivery {delivery_id} ({delivery.channel} {delivery.target}) {what}, replay by {actor}",
                        document_id=delivery.document_id,
                        data={"action": "replay", "actor": actor, "delivery": delivery_id, "was": str(delivery.status)})
        return store.get_delivery(delivery_id)


def _target(targets: tuple[DeliveryTarget, ...], delivery: DeliveryRecord) -> DeliveryTarget:
    for target in targets:
        if target.name == delivery.target:
            return target
    raise ConfigError(f"delivery {delivery.id}: target {delivery.target!r} is no longer in the partner profile")


def _client(runtime: Runtime) -> httpx.Client:
    client = runtime.extras.get("webhook_client")
    if not isinstance(client, httpx.Client):
        client = httpx.Client(follow_redirects=False)
        runtime.extras["webhook_client"] = client
    return client
