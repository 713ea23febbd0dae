"""What the certify report collects of one episode, one subject at a time: source-stream timing
(from the episode's meta/interop.json record), joint ranges against the profile's limits,
command tracking, validity over time and decoded-frame figures.

Mask-aware as the checks: only valid, finite entries count; a joint the robot lacks (masked
everywhere, not in its profile) has no range and no validity line. Per-frame quantities are
binned (report_series) so each trace holds at most MAX_POINTS points per line.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from interop_bridge.canonical import load_canonical
from interop_bridge.certify.checks_control import best_lag, pairs_at
from interop_bridge.certify.checks_time import value_streams
from interop_bridge.certify.checks_video import (BRIGHT_LUMA, CLIPPED_PIXELS, DARK_LUMA,
                                                 FROZEN_DIFF, camera_key, camera_summary,
                                                 recorded_rate)
from interop_bridge.certify.model import DatasetInput, EpisodeData
from interop_bridge.certify.physics_common import (ACTION, STATE, BoolArray, FloatArray,
                                                   joint_limits, joint_name, usable)
from interop_bridge.certify.report_series import Series, series
from interop_bridge.certify.runner import READ_ERRORS
from interop_bridge.errors import CertifyError


@dataclass
class StreamTiming:
    """One source stream over every episode: its rate range, gaps, invalid frames, skew."""

    name: str
    camera: bool
    episodes: int = 0
    rate_low_hz: float = math.inf
    rate_high_hz: float = -math.inf
    largest_gap_s: float = 0.0   # value streams: largest gap between samples
    max_staleness_s: float = math.nan
    max_distance_s: float = 0.0  # cameras: largest row-to-image distance
    gaps: int = 0
    frames: int = 0
    frames_invalid: int = 0
    skew_ms: float = math.nan    # worst max(|mean|, |p99|) of header - receive time
    worst_episode: int | None = None  # the episode of the largest gap (or distance)

    def add_value(self, episode: int, report: Mapping[str, Any]) -> None:
        """One episode's resampling report of a value stream."""
        self._rate(float(report.get('rate_hz', 0.0)))
        gap = float(report.get('largest_gap_s', 0.0))
        if self.worst_episode is None or gap > self.largest_gap_s:
            self.largest_gap_s, self.worst_episode = gap, episode
        self.max_staleness_s = float(report.get('max_staleness_s', math.nan))
        self.gaps += int(report.get('gap_count', 0))
        frames = int(report.get('frames', 0))
        self.frames += frames
        self.frames_invalid += frames - int(report.get('frames_valid', frames))
        skew = report.get('skew')
        if isinstance(skew, Mapping):
            worst = 1e3 * max(abs(float(skew['mean_s'])), abs(float(skew['p99_s'])))
            self.skew_ms = worst if math.isnan(self.skew_ms) else max(self.skew_ms, worst)

    def add_camera(self, episode: int, report: Mapping[str, Any], fps: int) -> None:
        """One episode's resampling report of a camera."""
        self._rate(recorded_rate(report, fps))
        distance = float(report.get('max_distance_s', 0.0))
        if self.worst_episode is None or distance > self.max_distance_s:
            self.max_distance_s, self.worst_episode = distance, episode
        self.frames += int(report.get('rows', 0))
        self.frames_invalid += int(report.get('rows_beyond_tolerance', 0))

    def _rate(self, rate: float) -> None:
        self.episodes += 1
        self.rate_low_hz, self.rate_high_hz = min(self.rate_low_hz, rate), max(
            self.rate_high_hz, rate)


def add_timing(streams: dict[str, StreamTiming], data: EpisodeData,
               dataset: DatasetInput) -> None:
    """Add the episode's record to the per-stream timing (streams the robot has)."""
    for name, report in value_streams(data.record):
        if int(report.get('columns_present', 1)) > 0:
            streams.setdefault(name, StreamTiming(name, camera=False)).add_value(
                data.index, report)
    resampling = dict(data.record.get('resampling') or {})
    for camera in dataset.camera_keys:
        camera_report = resampling.get(camera_key(camera))
        if isinstance(camera_report, Mapping):
            streams.setdefault(camera, StreamTiming(camera, camera=True)).add_camera(
                data.index, camera_report, dataset.fps)


@dataclass(frozen=True)
class JointRange:
    """One joint of one feature: its limits, the data's range, frames beyond tolerance."""

    joint: str
    low: float    # limit (NaN: none)
    high: float
    seen_low: float
    seen_high: float
    frames_beyond: int
    first_episode_beyond: int | None


@dataclass
class RangeAccumulator:
    """Observed range per joint of one feature of one robot, against the profile's limits."""

    robot: str
    feature: str
    quantity: str    # 'position', 'velocity' or 'effort' (joint_limits)
    unit: str
    tolerance: float  # the check's: beyond a limit by more than this is out of limits
    low: FloatArray
    high: FloatArray
    seen_low: FloatArray
    seen_high: FloatArray
    beyond: np.ndarray
    first_beyond: dict[int, int] = field(default_factory=dict)

    def add(self, episode: int, values: FloatArray, mask: BoolArray) -> None:
        """Valid entries of one episode."""
        self.seen_low = np.fmin(self.seen_low, np.where(mask, values, np.inf).min(axis=0))
        self.seen_high = np.fmax(self.seen_high, np.where(mask, values, -np.inf).max(axis=0))
        with np.errstate(invalid='ignore'):
            excess = np.maximum(self.low - values, values - self.high)
        out = mask & (np.nan_to_num(excess, nan=0.0) > self.tolerance)
        self.beyond += out.sum(axis=0)
        for joint in np.flatnonzero(out.any(axis=0)):
            self.first_beyond.setdefault(int(joint), episode)

    def rows(self) -> list[JointRange]:
        """Every joint with a limit or a valid entry, in canonical order."""
        return [JointRange(joint_name(j), float(self.low[j]), float(self.high[j]),
                           float(self.seen_low[j]), float(self.seen_high[j]),
                           int(self.beyond[j]), self.first_beyond.get(j))
                for j in range(self.low.size)
                if np.isfinite(self.low[j]) or np.isfinite(self.seen_low[j])]


def new_ranges(robot: str, feature: str, quantity: str, unit: str, tolerance: float,
               limits: tuple[FloatArray, FloatArray]) -> RangeAccumulator:
    """An empty accumulator of `feature` against `limits` (low, high per joint)."""
    low, high = limits
    return RangeAccumulator(robot, feature, quantity, unit, tolerance, low, high,
                            np.full(low.size, np.inf), np.full(low.size, -np.inf),
                            np.zeros(low.size, dtype=np.int64))


def add_ranges(ranges: dict[tuple[str, str], RangeAccumulator], data: EpisodeData,
               features: tuple[tuple[str, str, float, str], ...]) -> None:
    """Add the episode's valid joint entries to the ranges of its robot (needs a profile)."""
    if data.profile is None:
        return
    for key, quantity, tolerance, unit in features:
        found = usable(data, key)
        if found is None:
            continue
        values, mask = found
        slot = (data.profile.name, key)
        if slot not in ranges:
            ranges[slot] = new_ranges(data.profile.name, key, quantity, unit, tolerance,
                                      joint_limits(data.profile, values.shape[1], quantity))
        if ranges[slot].low.size == values.shape[1]:
            ranges[slot].add(data.index, values, mask)


@dataclass(frozen=True)
class TrackingTrace:
    """Command tracking of one episode at the lag control.command_lag found."""

    episode: int
    lag: int          # frames the state follows the action by
    median: float     # median |action - state| [rad] over commanded entries
    joint: str        # the joint tracked worst (largest median error)
    error: Series     # per frame: mean |action - state| over commanded joints (bin maximum)
    action: Series    # the worst joint's command and state, unshifted
    state: Series


def tracking_trace(data: EpisodeData, fps: int) -> TrackingTrace | None:
    """The episode's tracking, or None without a valid action and state."""
    found = best_lag(data, fps)
    act, state = usable(data, ACTION), usable(data, STATE)
    if isinstance(found, str) or act is None or state is None:
        return None
    lag, errors = found
    (action, act_valid), (position, state_valid) = act, state
    difference, valid = pairs_at(action, act_valid, position, state_valid, lag)
    error = np.where(valid, np.abs(difference), 0.0)
    counts = valid.sum(axis=1)
    per_frame = np.where(counts > 0, error.sum(axis=1) / np.maximum(counts, 1), np.nan)
    joints = np.flatnonzero(valid.any(axis=0))
    worst = int(max(joints, key=lambda j: float(np.median(error[valid[:, j], j]))))
    return TrackingTrace(
        data.index, lag, float(np.median(errors)), joint_name(worst),
        series('mean |action - state|', per_frame, fps, 'max'),
        series('action', np.where(act_valid[:, worst], action[:, worst], np.nan), fps),
        series('state', np.where(state_valid[:, worst], position[:, worst], np.nan), fps))


def present_columns(data: EpisodeData, mask: BoolArray) -> BoolArray:
    """Columns the robot has: valid somewhere in the episode, or a joint of its profile."""
    present = np.asarray(mask.any(axis=0)).copy()
    if data.profile is not None and mask.shape[1] == len(load_canonical().joint_names):
        present[[j.index for j in data.profile.joints if j.index < mask.shape[1]]] = True
    return present


@dataclass(frozen=True)
class ValidityTrace:
    """Share of the robot's columns valid per frame, per masked feature, of one episode."""

    episode: int
    shares: dict[str, float]     # feature -> share of its present entries valid
    lines: tuple[Series, ...]    # feature -> per-frame share (bin minimum)


def validity_trace(data: EpisodeData, fps: int) -> ValidityTrace | None:
    """The episode's validity, None when no masked feature has a column the robot has."""
    shares: dict[str, float] = {}
    lines = []
    for key in sorted(data.valid):
        mask = np.asarray(data.valid[key], dtype=bool).reshape(data.length, -1)
        present = present_columns(data, mask)
        if not present.any() or not data.length:
            continue
        per_frame = mask[:, present].mean(axis=1)
        shares[key] = float(per_frame.mean())
        lines.append(series(key, per_frame, fps, 'min'))
    return ValidityTrace(data.index, shares, tuple(lines)) if shares else None


@dataclass(frozen=True)
class CameraTrace:
    """Decoded-frame figures of one camera in one episode (video checks' decoding)."""

    episode: int
    camera: str
    frames: int       # decoded
    rows: int
    frozen: int       # frames repeating the previous one (diff < FROZEN_DIFF)
    degenerate: int   # black or saturated frames
    luma: Series      # mean luma per frame (bin minimum)
    diff: Series      # mean |frame - previous| per frame (bin minimum)

    @property
    def bad(self) -> int:
        """Frames missing or extra, frozen or degenerate."""
        return abs(self.frames - self.rows) + self.frozen + self.degenerate


def camera_traces(data: EpisodeData,
                  dataset: DatasetInput) -> tuple[list[CameraTrace], list[str]]:
    """Every camera of the episode (decoded once, shared with the video checks), and why a
    camera could not be decoded (the video checks fail on it; the report says so too)."""
    import av  # PyAV, as the runner's decoding

    unreadable = (*READ_ERRORS, CertifyError, av.FFmpegError)
    traces, errors = [], []
    for camera in dataset.camera_keys:
        try:
            summary = camera_summary(data, camera)
        except unreadable as err:
            errors.append(f'episode {data.index} {camera}: not decoded ({type(err).__name__}: '
                          f'{err})')
            continue
        bad = ((summary.luma < DARK_LUMA) | (summary.luma > BRIGHT_LUMA)
               | (summary.clipped > CLIPPED_PIXELS))
        traces.append(CameraTrace(
            data.index, camera, summary.frames, data.length,
            int((summary.diffs < FROZEN_DIFF).sum()), int(bad.sum()),
            series('mean luma', summary.luma, dataset.fps, 'min'),
            series('mean |frame - previous|', np.concatenate(([np.nan], summary.diffs)),
                   dataset.fps, 'min')))
    return traces, errors
