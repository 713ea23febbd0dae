"""Per-stream health counters for /diagnostics: rate, age, drops, rejected inputs.

Pure Python; the bridge calls `StreamHealth.received` per message with its monotonic receive
time and reads `snapshot` once per diagnostics period.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class HealthSnapshot:
    """What one stream looked like over the last period."""

    name: str
    count: int
    rate_hz: float
    age_s: float  # since the last message; inf before the first
    drops: int  # estimated from arrival gaps longer than 1.5 nominal periods
    malformed: int
    clamped: int
    rejected: int
    timeouts: int

    def as_pairs(self) -> list[tuple[str, str]]:
        """Key/value pairs for diagnostic_msgs/KeyValue."""
        return [('messages', str(self.count)), ('rate_hz', f'{self.rate_hz:.1f}'),
                ('age_s', f'{self.age_s:.3f}'), ('drops', str(self.drops)),
                ('malformed', str(self.malformed)), ('clamped', str(self.clamped)),
                ('rejected', str(self.rejected)), ('timeouts', str(self.timeouts))]


@dataclass
class StreamHealth:
    """Counters of one input or output stream."""

    name: str
    nominal_rate_hz: float = 0.0
    count: int = 0
    drops: int = 0
    malformed: int = 0
    clamped: int = 0
    rejected: int = 0
    timeouts: int = 0
    _last: float | None = None
    _window_count: int = 0
    _window_start: float | None = None
    _reasons: dict[str, int] = field(default_factory=dict)

    def received(self, now: float) -> None:
        """Count one message received at monotonic time `now` [s]."""
        if self._last is not None and self.nominal_rate_hz > 0:
            gap_periods = (now - self._last) * self.nominal_rate_hz
            if gap_periods > 1.5:
                self.drops += int(round(gap_periods)) - 1
        if self._window_start is None:
            self._window_start = now
        self._last = now
        self.count += 1
        self._window_count += 1

    def reject(self, reason: str) -> None:
        """Count a rejected input, keeping how often each reason occurred."""
        self.rejected += 1
        self._reasons[reason] = self._reasons.get(reason, 0) + 1

    @property
    def reasons(self) -> dict[str, int]:
        """Rejection reasons and their counts."""
        return dict(self._reasons)

    def snapshot(self, now: float) -> HealthSnapshot:
        """Figures since the previous snapshot (rate) and in total (counters)."""
        elapsed = now - self._window_start if self._window_start is not None else 0.0
        rate = self._window_count / elapsed if elapsed > 0 else 0.0
        self._window_start, self._window_count = now, 0
        age = now - self._last if self._last is not None else float('inf')
        return HealthSnapshot(self.name, self.count, rate, age, self.drops, self.malformed,
                              self.clamped, self.rejected, self.timeouts)
