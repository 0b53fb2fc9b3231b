"""Builds the real Runtime from Settings: database, partner profiles, X12 toolkit, mappings, job queue, AS2 keys.

Loaded by ``gateway.pipeline.runtime.build_runtime``; every adapter lives in its own module next to this one.
"""

from __future__ import annotations

import logging

from gateway.pipeline.as2_context import build_service
from gateway.pipeline.as2_transport import PooledTransport
from gateway.pipeline.job_queue import StoreJobQueue
from gateway.pipeline.mapping_adapter import MapCache, MappingPort
from gateway.pipeline.partner_adapter import PartnerDirectory
from gateway.pipeline.runtime import Clock, Runtime
from gateway.pipeline.store_adapter import StorePort
from gateway.pipeline.x12_adapter import X12Port, load_grammar_validator
from gateway.settings import Settings
from gateway.store import prepare_database

log = logging.getLogger("acorn.pipeline")

AS2_KEY = "as2"  # Runtime.extras key of the AS2 service (gateway.pipeline.as2_context.service_for reads it)


def build(settings: Settings, clock: Clock) -> Runtime:
    """Prepare the database (development upgrades, production refuses an old schema), then load everything else."""
    store = prepare_database(settings)
    try:
        partners = PartnerDirectory.load(settings.partners_dir, production=settings.is_production)
        maps = MapCache(partners, settings.maps_dir)
        runtime = Runtime(
            settings=settings,
            store=StorePort(store),
            partners=partners,
            x12=X12Port(maps, clock, load_grammar_validator(settings.maps_dir)),
            mappings=MappingPort(maps),
            queue=StoreJobQueue(store),
            database=store,
            clock=clock,
        )
        # AS2 keys and certificates are loaded now, so a bad key file stops the start rather than the first send.
        transport = runtime.extras["as2_transport"] = PooledTransport()
        runtime.extras[AS2_KEY] = build_service(settings, store=store, clock=clock, runtime=runtime,
                                                transport=transport)
    except BaseException:
        store.dispose()
        raise
    log.info("runtime ready", extra={"count": sum(1 for _ in partners), "status": settings.environment})
    return runtime
