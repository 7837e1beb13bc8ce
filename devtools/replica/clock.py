"""The live replica's clock: site time runs from `live_start` at `speed` × wall time.

    site_now = start + speed × (time_source() − t0)

`time_source` defaults to `time.monotonic` (the wall clock may jump; the site clock must not);
tests inject `ManualTime` and advance it instead of sleeping.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from ground.core.timeutil import KST


class LiveClock:
    """Site time of a live replica. Thread-safe; `now()` is a subtraction and a timedelta."""

    def __init__(self, start: datetime, speed: float = 1.0,
                 time_source: Callable[[], float] = time.monotonic):
        if start.tzinfo is None:
            raise ValueError("LiveClock start must be timezone-aware")
        if not 0 < speed <= 3600:
            raise ValueError(f"speed {speed!r} must be > 0 and <= 3600")
        self.start = start.astimezone(KST)
        self.speed = float(speed)
        self._time = time_source
        self._lock = threading.Lock()
        self._t0 = time_source()
        self._paused_at: float | None = None  # time_source() when paused

    @classmethod
    def for_config(cls, config, time_source: Callable[[], float] = time.monotonic) -> LiveClock:
        """The clock of a live ReplicaConfig (`live_start`, `speed`)."""
        if not config.live or config.live_start is None:
            raise ValueError("LiveClock.for_config needs a live config")
        return cls(config.live_start, config.speed, time_source)

    def reset(self) -> None:
        """Start over: site time is `start` again now (the server calls it when it begins serving)."""
        with self._lock:
            self._t0 = self._time()
            self._paused_at = None

    def elapsed(self) -> float:
        """Wall seconds the clock has run since it started (or was reset), pauses excluded."""
        with self._lock:
            return (self._paused_at if self._paused_at is not None else self._time()) - self._t0

    @property
    def paused(self) -> bool:
        return self._paused_at is not None

    def pause(self) -> None:
        """Stop site time (benchmarks: a quiet site, nothing more is released)."""
        with self._lock:
            if self._paused_at is None:
                self._paused_at = self._time()

    def resume(self) -> None:
        """Site time runs on from where it stopped."""
        with self._lock:
            if self._paused_at is not None:
                self._t0 += self._time() - self._paused_at
                self._paused_at = None

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.speed * self.elapsed())


class ManualTime:
    """A time source for tests: `clock = LiveClock(start, speed, t := ManualTime()); t.advance(60)`."""

    def __init__(self, t: float = 0.0):
        self.t = float(t)

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds
