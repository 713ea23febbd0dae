"""Per-stream health counters for /diagnostics: rate, age, drops, rejected inputs.

Pure Python; the bridge calls `StreamHealth.received` per message (received or sent) with its
monotonic time and reads `snapshot` once per diagnostics period. A status says what holds
*now*: a problem turns it WARN for the period it happened in (and while it lasts: a silent
stream, a timeout still running), and it is OK again once the stream is healthy, while the
counters keep their totals.

A vendor stream that never starts is named as the vendor's DDS stack names it
(`AwaitedStream`), once it has been silent for the bridge's `vendor_silence_warning_s`
(`SilenceWatch`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from interop_bridge.dds_names import dds_topic, dds_type


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
    crc_errors: int = 0  # messages that failed the vendor's own checksum
    new_problems: int = 0  # malformed, rejected and timeouts since the previous snapshot
    new_timeouts: int = 0  # timeouts since the previous snapshot
    new_reasons: tuple[tuple[str, int], ...] = ()  # rejection reasons since then, with counts

    def as_pairs(self) -> list[tuple[str, str]]:
        """Key/value pairs for diagnostic_msgs/KeyValue."""
        return [('messages', str(self.count)), ('rate_hz', f'{self.rate_hz:.1f}'),
                ('age_s', f'{self.age_s:.3f}'), ('drops', str(self.drops)),
                ('malformed', str(self.malformed)), ('crc_errors', str(self.crc_errors)),
                ('clamped', str(self.clamped)), ('rejected', str(self.rejected)),
                ('timeouts', str(self.timeouts))]


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
    crc_errors: int = 0
    _last: float | None = None
    _window_count: int = 0
    _window_start: float | None = None
    _problems_at_snapshot: int = 0
    _timeouts_at_snapshot: int = 0
    _reasons: dict[str, int] = field(default_factory=dict)
    _new_reasons: dict[str, int] = field(default_factory=dict)

    def received(self, now: float) -> None:
        """Count one message received (or sent) at monotonic time `now` [s]."""
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
        self._new_reasons[reason] = self._new_reasons.get(reason, 0) + 1

    @property
    def reasons(self) -> dict[str, int]:
        """Rejection reasons and their counts, in total."""
        return dict(self._reasons)

    def age(self, now: float) -> float:
        """Seconds since the last message (inf before the first)."""
        return now - self._last if self._last is not None else float('inf')

    def snapshot(self, now: float) -> HealthSnapshot:
        """Figures since the previous snapshot (rate, new problems) and in total (counters).

        The rate is over the time since the previous snapshot (or the first message), so a
        stream that went silent reports 0.
        """
        elapsed = now - self._window_start if self._window_start is not None else 0.0
        rate = self._window_count / elapsed if elapsed > 0 else 0.0
        if self._window_start is not None:
            self._window_start, self._window_count = now, 0
        problems = self.malformed + self.rejected + self.timeouts
        new_problems = problems - self._problems_at_snapshot
        new_timeouts = self.timeouts - self._timeouts_at_snapshot
        self._problems_at_snapshot, self._timeouts_at_snapshot = problems, self.timeouts
        new_reasons, self._new_reasons = tuple(self._new_reasons.items()), {}
        return HealthSnapshot(self.name, self.count, rate, self.age(now), self.drops,
                              self.malformed, self.clamped, self.rejected, self.timeouts,
                              self.crc_errors, new_problems, new_timeouts, new_reasons)


def stream_status(snapshot: HealthSnapshot, ongoing: str | None) -> tuple[bool, str]:
    """Whether a stream's status is WARN, and its message, for one diagnostics period.

    WARN while a condition lasts (`ongoing`: a silent stream, a timeout still running) and
    for the period in which problems were counted; OK ('ok') once neither holds, so a stale
    status clears when the stream resumes.
    """
    problems = [ongoing] if ongoing else []
    problems += [f'{reason} ({count})' for reason, count in snapshot.new_reasons]
    if snapshot.new_timeouts and not ongoing:
        problems.append(f'{snapshot.new_timeouts} timeout(s) since the last report, resumed')
    if snapshot.new_problems and not problems:
        problems.append(f'{snapshot.new_problems} problem(s) since the last report')
    return bool(problems), '; '.join(problems) or 'ok'


@dataclass(frozen=True)
class AwaitedStream:
    """The vendor stream a bridge waits for, named as the vendor's own DDS stack names it."""

    ros_topic: str  # resolved ('/lowstate'), after remapping
    ros_type: str  # 'unitree_hg/msg/LowState'
    domain_id: int

    @property
    def dds_topic(self) -> str:
        """'rt/lowstate'."""
        return dds_topic(self.ros_topic)

    @property
    def dds_type(self) -> str:
        """'unitree_hg::msg::dds_::LowState_'."""
        return dds_type(self.ros_type)

    def silence_message(self, silent_s: float) -> str:
        """What is awaited and what to check, in one line (log and /diagnostics)."""
        return (f'no vendor state for {silent_s:.1f} s since start: waiting for DDS topic '
                f'{self.dds_topic} (ROS {self.ros_topic}) of type {self.dds_type} on domain '
                f'{self.domain_id}; check {SILENCE_CHECKS} (docs/deploy.md)')

    def as_pairs(self) -> list[tuple[str, str]]:
        """Key/value pairs for the vendor state's DiagnosticStatus while it is silent."""
        return [('awaited_dds_topic', self.dds_topic), ('awaited_dds_type', self.dds_type),
                ('awaited_ros_topic', self.ros_topic), ('domain_id', str(self.domain_id)),
                ('check', SILENCE_CHECKS)]


SILENCE_CHECKS = ("ROS_DOMAIN_ID (the robot's domain), the network interface facing the robot "
                  'and its address, ROS_AUTOMATIC_DISCOVERY_RANGE (SYSTEM_DEFAULT with a Fast '
                  'DDS profile: interop dds-profile), the robot as an initial peer')


@dataclass
class SilenceWatch:
    """Whether a stream stayed silent for `after_s` since `start_s` (0: never judged silent).

    `announce` is true once, the first time the stream is found silent; `arrived` once, for
    the first message after that.
    """

    after_s: float
    start_s: float
    announced: bool = False
    resolved: bool = False

    def silent_for(self, now_s: float, count: int) -> float | None:
        """Seconds since start while nothing arrived and the limit has passed, else None."""
        elapsed = now_s - self.start_s
        if count > 0 or self.after_s <= 0 or elapsed < self.after_s:
            return None
        return elapsed

    def announce(self, now_s: float, count: int) -> bool:
        """True exactly once: the first call that finds the stream silent."""
        if self.announced or self.silent_for(now_s, count) is None:
            return False
        self.announced = True
        return True

    def arrived(self, count: int) -> bool:
        """True exactly once: the first call with messages after the stream was announced."""
        if not self.announced or self.resolved or count == 0:
            return False
        self.resolved = True
        return True
