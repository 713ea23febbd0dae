"""Put one stream of timestamped samples onto an episode's frame grid t_k = t0 + k/fps.

Streaming: a `StreamResampler` is fed chunks of samples (any size, in log-time order) and keeps
only what the next grid frames still need: the last sample at or before the next unresolved
frame plus the samples of the reorder window. Memory is the output (frames x width) plus one
chunk, whatever the stream's length or rate; a caller that takes the resolved frames as they
come (`resolved`, `window`, `release`, then `close`) holds only the frames not yet released
(export/episode_stream.py writes an episode in segments this way), with the same values.

Documented handling of bad input (every case is counted in the `ResampleReport`):
- Stamps: `header` stamps or `receive` (bag log) times, per stream (`StreamPolicy.stamp_source`).
- Out-of-order stamps are sorted (stable) as long as they arrive within `reorder_window_s` of
  the newest stamp seen; older ones would change frames already produced and are dropped
  (`late_dropped`). Exact duplicate stamps keep the first sample received (`duplicates_dropped`).
- NaN values are never interpolated over: a frame that uses a sample with NaN entries has NaN
  in those entries, and those entries are invalid in `ResampledStream.valid`
  (`nan_samples`, `frames_with_nan`: counted over the stream's `present` columns only). A
  column the robot lacks is NaN by design: invalid everywhere, never counted as a NaN.
- Stamps recorded: `ResampleReport.stamp_source` is the policy's; a caller whose stream has no
  header stamps gives a 'receive' policy (export/episode_assembly.py does).
- Staleness: a frame whose newest information is older than `max_staleness_s` (for `nearest`:
  whose closest sample is further than `tolerance_s`) is invalid, with NaN values. With
  `on_stale='flag'` it stays in the episode; with `on_stale='cut'` the first such frame after
  the stream started ends the episode (`cut_at_frame`; frames from there on are invalid).
  Frames before the stream's first sample are invalid (`frames_before_start`), never a cut.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from interop_bridge.errors import ResampleError
from interop_bridge.export.resample_kernels import KERNELS
from interop_bridge.export.resample_report import (
    NS, ResampleReport, SkewAccumulator, TimelineAccumulator)

METHODS = tuple(KERNELS)
ON_STALE = ('flag', 'cut')
STAMP_SOURCES = ('header', 'receive')
DEFAULT_CHUNK = 65536


@dataclass(frozen=True)
class Grid:
    """The frame instants of one episode: t_k = start_ns + round(k * 1e9 / fps), k < length."""

    start_ns: int
    fps: int
    length: int

    def __post_init__(self) -> None:
        if not isinstance(self.fps, int) or isinstance(self.fps, bool) or self.fps <= 0:
            msg = f'grid fps: got {self.fps!r}, expected a positive integer'
            raise ResampleError(msg)
        if self.length < 0:
            msg = f'grid length: got {self.length!r}, expected >= 0'
            raise ResampleError(msg)

    @classmethod
    def spanning(cls, start_ns: int, end_ns: int, fps: int) -> Grid:
        """The grid from start_ns with every frame at or before end_ns."""
        if end_ns < start_ns:
            msg = f'grid: end {end_ns} ns is before start {start_ns} ns'
            raise ResampleError(msg)
        return cls(start_ns, fps, (end_ns - start_ns) * fps // NS + 1)

    def times_ns(self) -> np.ndarray:
        """Every frame instant (int64 ns)."""
        k = np.arange(self.length, dtype=np.int64)
        return self.start_ns + (k * (2 * NS) + self.fps) // (2 * self.fps)


@dataclass(frozen=True)
class StreamPolicy:
    """How one stream goes onto the grid."""

    method: str = 'hold'
    max_staleness_s: float = 0.1
    # nearest only: the furthest a sample may be from the frame; default max_staleness_s.
    tolerance_s: float | None = None
    on_stale: str = 'flag'
    stamp_source: str = 'header'
    reorder_window_s: float = 0.05

    def __post_init__(self) -> None:
        checks = [('method', self.method in METHODS, f'one of {list(METHODS)}'),
                  ('on_stale', self.on_stale in ON_STALE, f'one of {list(ON_STALE)}'),
                  ('stamp_source', self.stamp_source in STAMP_SOURCES,
                   f'one of {list(STAMP_SOURCES)}'),
                  ('max_staleness_s', _positive(self.max_staleness_s), 'a number > 0'),
                  ('tolerance_s', self.tolerance_s is None or _positive(self.tolerance_s),
                   'a number > 0 or None'),
                  ('reorder_window_s', _positive(self.reorder_window_s, allow_zero=True),
                   'a number >= 0')]
        for key, fine, expected in checks:
            if not fine:
                msg = (f'stream policy {key}: got {getattr(self, key)!r}, '
                       f'expected {expected}')
                raise ResampleError(msg)

    @property
    def effective_tolerance_s(self) -> float:
        """The nearest-sample tolerance actually used."""
        return self.max_staleness_s if self.tolerance_s is None else self.tolerance_s


def _present_mask(name: str, present: np.ndarray | None, width: int) -> np.ndarray:
    if present is None:
        return np.ones(width, dtype=bool)
    mask = np.asarray(present, dtype=bool).reshape(-1)
    if mask.shape != (width,):
        msg = f'stream {name!r}: present mask of {mask.size} columns for width {width}'
        raise ResampleError(msg)
    return mask


def _positive(value: object, allow_zero: bool = False) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return value >= 0 if allow_zero else value > 0


@dataclass(frozen=True)
class ResampledStream:
    """One stream on the grid."""

    values: np.ndarray  # (frames, width) float64; NaN where invalid
    valid: np.ndarray  # (frames, width) bool: frame valid and entry not NaN
    frame_valid: np.ndarray  # (frames,) bool
    report: ResampleReport

    @property
    def length(self) -> int:
        """Frames usable in the episode: all of them, or up to the cut."""
        cut = self.report.cut_at_frame
        return len(self.frame_valid) if cut is None else cut


class StreamResampler:
    """Reduces one stream to the grid chunk by chunk (see the module docstring)."""

    def __init__(self, name: str, grid: Grid, policy: StreamPolicy, width: int,
                 present: np.ndarray | None = None) -> None:
        """`present`: (width,) bool, the columns the robot has (NaN counted there); None: all."""
        if width <= 0 or (policy.method == 'slerp' and width % 4):
            msg = (f'stream {name!r}: width {width} does not fit method '
                   f'{policy.method!r} (slerp needs 4 columns per quaternion)')
            raise ResampleError(msg)
        self.name, self.grid, self.policy, self.width = name, grid, policy, width
        self._present = _present_mask(name, present, width)
        self._times = grid.times_ns()
        self._stored: list[np.ndarray] = []  # resolved values of frames [_base, _next_frame)
        self._base = 0  # frames before it were released by the caller
        self._nan_row = np.zeros(grid.length, dtype=bool)  # a NaN in a present column
        self._frame_valid = np.zeros(grid.length, dtype=bool)
        self._next_frame = 0
        self._buffer_t = np.empty(0, dtype=np.int64)
        self._buffer_v = np.empty((0, width))
        self._newest = -(2**63)
        self._released = -(2**63)  # newest stamp released from the buffer
        self._cut: int | None = None
        self._started = False
        self._finished = False
        limit_s = (policy.effective_tolerance_s if policy.method == 'nearest'
                   else policy.max_staleness_s)
        self._limit_ns = int(round(limit_s * NS))
        self._window_ns = int(round(policy.reorder_window_s * NS))
        self._skew = SkewAccumulator()
        self._timeline = TimelineAccumulator(int(round(policy.max_staleness_s * NS)))
        self._counts = dict.fromkeys(('samples_in', 'duplicates_dropped', 'out_of_order',
                                      'late_dropped', 'ignored_after_cut', 'nan_samples'), 0)

    def feed(self, values: np.ndarray, log_ns: np.ndarray,
             header_ns: np.ndarray | None = None) -> None:
        """Add one chunk: values (n, width), log times (n,) and header stamps (n,) or None."""
        if self._finished:
            msg = f'stream {self.name!r}: fed after finish()'
            raise ResampleError(msg)
        values, log_ns, header_ns = self._checked(values, log_ns, header_ns)
        self._counts['samples_in'] += len(log_ns)
        if header_ns is not None:
            self._skew.add(header_ns - log_ns)
        self._counts['nan_samples'] += int(self._nan_rows(values).sum())
        if self._cut is not None:
            self._counts['ignored_after_cut'] += len(log_ns)
            return
        stamps = log_ns
        if header_ns is not None and self.policy.stamp_source == 'header':  # (_checked: it has)
            stamps = header_ns
        stamps, values = self._drop_late(stamps, values)
        if not len(stamps):
            return
        self._merge(stamps, values)
        horizon = self._newest - self._window_ns
        self._resolve_until(int(np.searchsorted(self._times, horizon, side='right')))
        self._release()

    def finish(self) -> ResampledStream:
        """Resolve the remaining frames and return the stream on the grid."""
        if self._base:
            msg = f'stream {self.name!r}: finish() after frames were released (use close())'
            raise ResampleError(msg)
        report = self.close()
        values = self.window(0, self.grid.length)
        valid = self._frame_valid[:, None] & ~np.isnan(values)
        return ResampledStream(values, valid, self._frame_valid, report)

    def close(self) -> ResampleReport:
        """Resolve the remaining frames (kept for `window`) and return the report."""
        self._finished = True
        if self._cut is None:
            self._resolve_until(self.grid.length)
        self._timeline.add(self._buffer_t)
        self._buffer_t, self._buffer_v = self._buffer_t[:0], self._buffer_v[:0]
        return self._report()

    @property
    def resolved(self) -> int:
        """Frames whose values are final: up to the next unresolved frame (all once closed
        or cut: frames from a cut on are invalid NaN whatever comes)."""
        return self.grid.length if self._finished or self._cut is not None else self._next_frame

    @property
    def cut_at_frame(self) -> int | None:
        """The frame the stream cut the episode at (on_stale='cut'), None: no cut so far."""
        return self._cut

    def window(self, start: int, stop: int) -> np.ndarray:
        """(stop - start, width) values of frames [start, stop), NaN where invalid; every
        frame must be resolved and not released."""
        if start < self._base or stop > self.resolved or stop < start:
            msg = (f'stream {self.name!r}: frames [{start}, {stop}) asked, frames '
                   f'[{self._base}, {self.resolved}) available')
            raise ResampleError(msg)
        if len(self._stored) > 1:
            self._stored = [np.concatenate(self._stored)]
        stored = self._stored[0] if self._stored else np.empty((0, self.width))
        end = min(stop, self._base + len(stored))
        if end == stop:  # all stored: a view (release lets the stored copy go)
            return stored[start - self._base:stop - self._base]
        out = np.full((stop - start, self.width), np.nan)
        if end > start:
            out[:end - start] = stored[start - self._base:end - self._base]
        return out

    def release(self, before: int) -> None:
        """Let go of the values of frames before `before` (no `window` reaches them again)."""
        drop = min(before, self._next_frame) - self._base
        if drop <= 0:
            return
        if len(self._stored) > 1:
            self._stored = [np.concatenate(self._stored)]
        self._stored = [self._stored[0][drop:].copy()]
        self._base += drop

    def _checked(self, values: np.ndarray, log_ns: np.ndarray,
                 header_ns: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        log_ns = np.asarray(log_ns, dtype=np.int64).reshape(-1)
        values = np.asarray(values, dtype=np.float64).reshape(len(log_ns), -1)
        if values.shape[1] != self.width:
            msg = (f'stream {self.name!r}: got {values.shape[1]} values per sample, '
                   f'expected {self.width}')
            raise ResampleError(msg)
        if header_ns is not None:
            header_ns = np.asarray(header_ns, dtype=np.int64).reshape(-1)
            if header_ns.shape != log_ns.shape:
                msg = (f'stream {self.name!r}: {len(header_ns)} header stamps for '
                       f'{len(log_ns)} samples')
                raise ResampleError(msg)
        elif self.policy.stamp_source == 'header':
            msg = (f"stream {self.name!r}: stamp_source is 'header' but no header "
                   "stamps were given (the type has no header? use 'receive')")
            raise ResampleError(msg)
        return values, log_ns, header_ns

    def _drop_late(self, stamps: np.ndarray,
                   values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        running = np.maximum.accumulate(np.concatenate(([self._newest], stamps)))[:-1]
        self._counts['out_of_order'] += int(np.count_nonzero(stamps < running))
        # Too late: older than a frame already produced, or than a sample already released.
        limit = self._released
        if self._next_frame:
            limit = max(limit, int(self._times[self._next_frame - 1]))
        keep = stamps > limit
        late = int(len(stamps) - np.count_nonzero(keep))
        if not late:
            return stamps, values
        self._counts['late_dropped'] += late
        return stamps[keep], values[keep]

    def _merge(self, stamps: np.ndarray, values: np.ndarray) -> None:
        t = np.concatenate((self._buffer_t, stamps))
        v = np.concatenate((self._buffer_v, values))
        if np.any(t[1:] < t[:-1]):
            order = np.argsort(t, kind='stable')
            t, v = t[order], v[order]
        duplicate = np.flatnonzero(t[1:] == t[:-1]) + 1
        if duplicate.size:
            self._counts['duplicates_dropped'] += int(duplicate.size)
            t, v = np.delete(t, duplicate), np.delete(v, duplicate, axis=0)
        self._buffer_t, self._buffer_v = t, v
        self._newest = max(self._newest, int(t[-1]))

    def _resolve_until(self, stop: int) -> None:
        start, t = self._next_frame, self._buffer_t
        if stop <= start or not len(t):
            return
        kernel = KERNELS[self.policy.method]
        out, ok, _ = kernel(t, self._buffer_v, self._times[start:stop], self._limit_ns)
        self._store(start, stop, out, ok)

    def _release(self) -> None:
        """Keep only the anchor (last sample at or before the next frame) and what follows.

        Older samples can no longer change any frame, whatever the method; this also bounds
        the buffer while a stream runs before the episode's first frame.
        """
        t = self._buffer_t
        if self._next_frame < self.grid.length:
            after = np.searchsorted(t, self._times[self._next_frame], side='right')
            release = max(int(after) - 1, 0)
        else:
            release = max(len(t) - 1, 0)
        if release:
            self._timeline.add(t[:release])
            self._released = int(t[release - 1])
            self._buffer_t, self._buffer_v = t[release:], self._buffer_v[release:]

    def _store(self, start: int, stop: int, out: np.ndarray, ok: np.ndarray) -> None:
        self._stored.append(out)
        self._frame_valid[start:stop] = ok
        self._next_frame = stop
        if self.policy.on_stale == 'cut':
            started = np.maximum.accumulate(ok) | self._started
            stale = np.flatnonzero(started & ~ok)
            self._started = bool(started[-1])
            if stale.size:
                self._cut = start + int(stale[0])
                out[self._cut - start:] = np.nan
                self._frame_valid[self._cut:] = False
        self._nan_row[start:stop] = self._nan_rows(out)

    def _nan_rows(self, values: np.ndarray) -> np.ndarray:
        """(rows,) bool: a NaN in a present column (no copy of the values)."""
        rows: np.ndarray = np.isnan(values).any(axis=1, where=self._present)
        return rows

    def _report(self) -> ResampleReport:
        ok = self._frame_valid
        started = np.maximum.accumulate(ok) if ok.size else ok
        if self._cut is not None:
            started[self._cut:] = False
        with_nan = ok & self._nan_row
        timeline, policy = self._timeline, self.policy
        return ResampleReport(
            stream=self.name, method=policy.method, stamp_source=policy.stamp_source,
            on_stale=policy.on_stale, max_staleness_s=policy.max_staleness_s,
            tolerance_s=policy.effective_tolerance_s, samples_used=timeline.count,
            columns_present=int(self._present.sum()),
            **self._counts, first_stamp_ns=timeline.first, last_stamp_ns=timeline.last,
            rate_hz=timeline.rate_hz, skew=self._skew.stats(), gap_count=timeline.gap_count,
            largest_gap_s=timeline.largest_gap_ns / NS, gaps=tuple(timeline.gaps),
            frames=self.grid.length, frames_valid=int(ok.sum()),
            frames_before_start=int((~started[:self._cut]).sum()),
            frames_stale=int((started & ~ok).sum()), frames_with_nan=int(with_nan.sum()),
            cut_at_frame=self._cut,
            frames_cut=0 if self._cut is None else self.grid.length - self._cut)
