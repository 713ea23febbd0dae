"""What resampling one stream did: counts, rate, stamp skew, gaps and frames flagged.

NaN counts (`nan_samples`, `frames_with_nan`) look at the stream's present columns only (the
entries the robot has: `columns_present` of them); a joint the robot lacks is NaN by design and
never counted. `stamp_source` is the time base the stream was actually put on the grid by:
'header' only when its messages carry header stamps and the policy asked for them, 'receive'
(bag log time) otherwise; `stamp_label` summarizes it over the streams of one episode.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

NS = 1_000_000_000
SKETCH_CAPACITY = 1 << 16
GAPS_KEPT = 20


@dataclass(frozen=True)
class SkewStats:
    """header stamp - log (receive) time, in seconds, over every input sample."""

    count: int
    min_s: float
    mean_s: float
    max_s: float
    # 99th percentile of the signed skew, from a systematic sample of at most 65536 values.
    p99_s: float


@dataclass(frozen=True)
class Gap:
    """Two consecutive samples further apart than the stream's maximum staleness."""

    after_ns: int
    before_ns: int

    @property
    def seconds(self) -> float:
        """Length of the gap."""
        return (self.before_ns - self.after_ns) / NS


@dataclass(frozen=True)
class ResampleReport:
    """Per-stream report of one resampling (goes to the exporter's sidecar file)."""

    stream: str
    method: str
    stamp_source: str  # the stamps actually used: 'header' or 'receive' (log time)
    on_stale: str
    max_staleness_s: float
    tolerance_s: float
    samples_in: int
    samples_used: int
    duplicates_dropped: int  # exact duplicate stamps (the first received is kept)
    out_of_order: int  # samples that arrived with an earlier stamp than their predecessor
    late_dropped: int  # out of order by more than the reorder window: too late to use
    ignored_after_cut: int
    columns_present: int  # columns the robot has: the only ones NaN is counted in
    nan_samples: int  # input samples with a NaN in at least one present column
    first_stamp_ns: int | None
    last_stamp_ns: int | None
    rate_hz: float
    skew: SkewStats | None
    gap_count: int
    largest_gap_s: float
    gaps: tuple[Gap, ...]  # the first 20
    frames: int
    frames_valid: int
    frames_before_start: int  # invalid because the stream had not started yet
    frames_stale: int  # flagged: invalid after the stream started (gap, ended, too far)
    frames_with_nan: int  # valid frames with a NaN in at least one present column
    cut_at_frame: int | None  # with on_stale 'cut': the episode ends before this frame
    frames_cut: int  # frames from cut_at_frame to the end of the grid (0 without a cut)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dictionary."""
        data = asdict(self)
        data['gaps'] = [{'after_ns': g.after_ns, 'before_ns': g.before_ns,
                         'seconds': g.seconds} for g in self.gaps]
        return data


class SkewAccumulator:
    """Running min/mean/max and a bounded systematic sample for the 99th percentile."""

    def __init__(self) -> None:
        self.count = 0
        self.total = 0.0
        self.low = np.inf
        self.high = -np.inf
        self._stride = 1
        self._seen = 0
        self._kept: list[np.ndarray] = []
        self._kept_size = 0

    def add(self, skew_ns: np.ndarray) -> None:
        """Add header - log differences (int64 ns) of one chunk."""
        if not skew_ns.size:
            return
        self.count += skew_ns.size
        self.total += float(skew_ns.sum(dtype=np.float64))
        self.low = min(self.low, float(skew_ns.min()))
        self.high = max(self.high, float(skew_ns.max()))
        first = (-self._seen) % self._stride
        self._seen += skew_ns.size
        picked = skew_ns[first::self._stride].astype(np.float64)
        self._kept.append(picked)
        self._kept_size += picked.size
        while self._kept_size > SKETCH_CAPACITY:
            merged = np.concatenate(self._kept)[::2]
            self._kept, self._kept_size = [merged], merged.size
            self._stride *= 2

    def stats(self) -> SkewStats | None:
        """The statistics in seconds, or None when no header stamps were given."""
        if not self.count:
            return None
        p99 = float(np.percentile(np.concatenate(self._kept), 99))
        return SkewStats(self.count, self.low / NS, self.total / self.count / NS,
                         self.high / NS, p99 / NS)


class TimelineAccumulator:
    """Rate and gaps of the samples actually used, fed in stamp order."""

    def __init__(self, max_gap_ns: int) -> None:
        self.max_gap_ns = max_gap_ns
        self.count = 0
        self.first: int | None = None
        self.last: int | None = None
        self.gap_count = 0
        self.largest_gap_ns = 0
        self.gaps: list[Gap] = []

    def add(self, stamps: np.ndarray) -> None:
        """Add sorted stamps that follow every stamp added before."""
        if not stamps.size:
            return
        chain = stamps if self.last is None else np.concatenate(([self.last], stamps))
        steps = np.diff(chain)
        if steps.size:
            self.largest_gap_ns = max(self.largest_gap_ns, int(steps.max()))
            wide = np.flatnonzero(steps > self.max_gap_ns)
            self.gap_count += wide.size
            for index in wide[:max(0, GAPS_KEPT - len(self.gaps))]:
                self.gaps.append(Gap(int(chain[index]), int(chain[index + 1])))
        self.first = int(stamps[0]) if self.first is None else self.first
        self.last = int(stamps[-1])
        self.count += stamps.size

    @property
    def rate_hz(self) -> float:
        """Mean sample rate over the used samples."""
        if self.count < 2 or self.first is None or self.last is None or self.last == self.first:
            return 0.0
        return (self.count - 1) * NS / (self.last - self.first)


def stamp_label(sources: Iterable[str]) -> str:
    """'header' or 'receive' when every stream used that one, 'mixed' otherwise ('none': no
    stream)."""
    used = set(sources)
    if not used:
        return 'none'
    return used.pop() if len(used) == 1 else 'mixed'
