"""Fixed-rate pacing on absolute deadlines, so a publisher never drifts or falls behind.

Each tick is due at start + k * period. A late tick runs at once (the next one is still due at
its own deadline, so the average rate stays exact); after a long stall (more than `max_behind`
periods) the schedule restarts from now instead of bursting through every missed tick.

A publishing thread passes `sleep=stop_event.wait`: a sleep that returns True ends the wait at
once (None instead of a due time), so setting the event stops the thread mid-period, however
long the period is.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from interop_bridge.errors import MappingError


class Pacer:
    """Sleeps until the next deadline of a fixed-period schedule."""

    def __init__(self, period_s: float, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], bool | None] = time.sleep,
                 max_behind: int = 10) -> None:
        if period_s <= 0.0:
            msg = f'pacing period {period_s!r} s: expected a period > 0'
            raise MappingError(msg)
        self.period_s = period_s
        self.max_behind = max_behind
        self._clock = clock
        self._sleep = sleep
        self._next = clock()
        self.resyncs = 0  # how often a stall made the schedule restart

    def wait(self) -> float | None:
        """Block until the next tick is due; return the time it was due (None: stopped)."""
        now = self._clock()
        if now - self._next > self.max_behind * self.period_s:
            self._next = now
            self.resyncs += 1
        while now < self._next:
            if self._sleep(self._next - now):
                return None
            now = self._clock()
        due = self._next
        self._next += self.period_s
        return due
