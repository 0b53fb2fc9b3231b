"""Retry schedule: exponential backoff with full jitter, capped, so retrying workers never move in lockstep."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class Backoff:
    """Delay before attempt ``n + 1`` after ``n`` failures; ``max_attempts`` failures make a dead letter."""

    base_seconds: float = 10.0
    factor: float = 2.0
    cap_seconds: float = 3600.0
    max_attempts: int = 8

    def delay(self, failures: int, rng: random.Random | None = None) -> timedelta:
        """A random delay in [ceiling / 2, ceiling] where ceiling grows exponentially with ``failures``."""
        exponent = max(failures - 1, 0)
        ceiling = min(self.cap_seconds, self.base_seconds * (self.factor**exponent))
        draw = (rng or random).uniform(0.5, 1.0)  # "equal jitter": never zero, never above the ceiling
        return timedelta(seconds=ceiling * draw)

    def exhausted(self, failures: int) -> bool:
        """True once ``failures`` reached the limit: the job goes to the dead-letter state."""
        return failures >= self.max_attempts
