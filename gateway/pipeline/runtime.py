"""The Runtime: everything a flow, a worker or a route needs, built once per process by ``build_runtime``."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from gateway.errors import ConfigError
from gateway.pipeline.ports import Mappings, Partners, PipelineStore, X12Toolkit
from gateway.settings import Settings

Clock = Callable[[], datetime]
CLOSED_EXTRAS = ("webhook_client", "as2_transport")  # pooled HTTP clients in Runtime.extras, closed with it


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class Runtime:
    """Settings, store, partner profiles, X12 toolkit (reader, grammars, validator), mappings and the clock."""

    settings: Settings
    store: PipelineStore
    partners: Partners
    x12: X12Toolkit
    mappings: Mappings
    queue: Any = None  # gateway.worker.runner.JobQueue over the same database
    database: Any = None  # the store's own handle (engine / session factory) for routes and the monitor
    clock: Clock = utc_now
    extras: dict[str, Any] = field(default_factory=dict)  # components other helpers attach (e.g. AS2 keys)

    def now(self) -> datetime:
        return self.clock()

    def close(self) -> None:
        """Release the pooled HTTP clients and the database connections (application shutdown, worker exit)."""
        for key in CLOSED_EXTRAS:
            close = getattr(self.extras.pop(key, None), "close", None)
            if callable(close):
                close()
        dispose = getattr(self.database, "dispose", None)
        if callable(dispose):
            dispose()


# The adapters that turn the store, X12 engine, mapping engine and partner loader into the ports above.
# Each entry names the module that provides ``build(settings, runtime_parts) -> component``.
WIRING_MODULE = "gateway.pipeline.wiring"


def build_runtime(settings: Settings, *, clock: Clock = utc_now) -> Runtime:
    """Create the data directory, prepare the database (policy by environment), load partners, grammars, maps."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        wiring = importlib.import_module(WIRING_MODULE)
    except ModuleNotFoundError as exc:
        raise ConfigError(
            f"the gateway components are not installed: {exc.name} is missing (needed by {WIRING_MODULE})"
        ) from exc
    runtime: Runtime = wiring.build(settings, clock)
    return runtime


def runtime_from_state(state: Any) -> Runtime:
    """The Runtime an application built at startup (``app.state.runtime``); a clear error when it has none."""
    runtime = getattr(state, "runtime", None)
    if not isinstance(runtime, Runtime):
        raise ConfigError("the application has no runtime: create it with gateway.api.app.create_app()")
    return runtime
