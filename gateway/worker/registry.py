"""The job-handler registry: one handler per job kind; handler modules contribute theirs through ``handlers()``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from gateway.errors import ConfigError, GrammarError, MappingError, NotFoundError, PermanentJobError, X12ReadError


class Job(Protocol):
    """What a handler sees of a claimed job."""

    @property
    def id(self) -> Any: ...

    @property
    def kind(self) -> str: ...

    @property
    def payload(self) -> dict[str, Any]: ...

    @property
    def attempts(self) -> int: ...


@dataclass(slots=True)
class JobContext:
    """Passed to every handler: the runtime (settings, store, partners, grammars, mappings) and the clock."""

    runtime: Any  # gateway.pipeline.runtime.Runtime; typed loosely so handler modules stay import-cycle free
    worker_id: str
    now: Callable[[], datetime]


Handler = Callable[[JobContext, Job], None]
DeadHook = Callable[[JobContext, Job, str], None]  # called when a job of that kind becomes a dead letter


class RetryLater(Exception):  # noqa: N818 - a signal, not an error
    """Raised by a handler that is waiting on something (an async MDN, a lock): retry after ``delay``."""

    def __init__(self, reason: str, delay: timedelta, *, counts_as_failure: bool = False) -> None:
        self.delay = delay
        self.counts_as_failure = counts_as_failure
        super().__init__(reason)


# Errors that no retry can fix: bad input or bad configuration. Everything else (HTTP, database, delivery
# failures, unexpected exceptions) is retried with backoff until the attempt limit.
PERMANENT_ERRORS: tuple[type[BaseException], ...] = (
    PermanentJobError,
    X12ReadError,
    GrammarError,
    MappingError,
    ConfigError,
    NotFoundError,
)


@dataclass(slots=True)
class Registry:
    """JobKind value -> handler; ``add`` refuses a second handler for the same kind."""

    handlers: dict[str, Handler] = field(default_factory=dict)
    dead_hooks: dict[str, DeadHook] = field(default_factory=dict)

    def add(self, kind: str, handler: Handler, on_dead: DeadHook | None = None) -> None:
        key = str(kind)
        if key in self.handlers:
            raise ConfigError(f"two handlers registered for job kind {key!r}")
        self.handlers[key] = handler
        if on_dead is not None:
            self.dead_hooks[key] = on_dead

    def extend(self, handlers: Mapping[str, Handler]) -> None:
        for kind, handler in handlers.items():
            self.add(kind, handler)

    def get(self, kind: str) -> Handler | None:
        return self.handlers.get(str(kind))

    def on_dead(self, kind: str) -> DeadHook | None:
        return self.dead_hooks.get(str(kind))

    @property
    def kinds(self) -> list[str]:
        return sorted(self.handlers)
