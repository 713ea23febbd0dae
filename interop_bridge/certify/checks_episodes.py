"""Episode checks: duplicates, length, idle spans, task text and outcome labels.

Mask-aware: a joint the robot lacks or an entry flagged invalid is neither motion nor idle
and is never compared between episodes.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

import numpy as np

from interop_bridge.certify.checks_time import STATE
from interop_bridge.certify.episode_check import EpisodeCheck, Measure
from interop_bridge.certify.model import (
    Check, CheckResult, CheckSpec, DatasetInput, EpisodeData, Finding, memoized)

BOOKKEEPING = ('timestamp', 'frame_index', 'episode_index', 'index', 'task_index')
NEAR_ATOL = 1e-6          # lerobot-doctor near duplicates: atol 1e-6
FINGERPRINT_FRAMES = 32   # frames of observation.state kept per episode for near duplicates
IDLE_SPEED = 0.05         # rad/s: below this on every valid joint a frame is idle
IDLE_SPAN_S = 1.0
IDLE_SHARE = 0.30         # deepen-grade idle_stall: >= 30 % is its FAIL
PLACEHOLDERS = frozenset({'', 'task', 'default', 'none', 'null', 'test', 'unknown', 'todo',
                          'tbd', 'n/a', 'na', 'placeholder', 'untitled'})
EXCLUDED_OUTCOMES = ('failure', 'failed', 'abort', 'aborted')


def _spec(name: str, measures: str, threshold: str, severity: str, answers: str) -> CheckSpec:
    return CheckSpec(f'episodes.{name}', 'episodes', measures, threshold, severity,
                     'training-ready', answers)


def content_hash(data: EpisodeData) -> str:
    """SHA-256 of the episode's value columns (bookkeeping columns left out), key order fixed;
    computed once per episode (both duplicate checks ask)."""
    return memoized(data, 'content_hash', lambda: _content_hash(data))


def _content_hash(data: EpisodeData) -> str:
    digest = hashlib.sha256()
    for key in sorted(set(data.columns) - set(BOOKKEEPING)):
        values = np.ascontiguousarray(data.columns[key], dtype=np.float64)
        digest.update(f'{key}{values.shape}'.encode())
        digest.update(values.tobytes())
    return digest.hexdigest()


def state_fingerprint(data: EpisodeData) -> np.ndarray | None:
    """observation.state at up to 32 evenly spaced frames, invalid entries NaN."""
    state = data.columns.get('observation.state')
    if state is None or not len(state):
        return None
    spaced = np.linspace(0, len(state) - 1, FINGERPRINT_FRAMES).round().astype(int)
    rows = spaced[np.r_[True, spaced[1:] != spaced[:-1]]]  # np.unique of a sorted array
    kept = np.array(state[rows], dtype=np.float64)
    mask = data.valid.get(STATE)
    if mask is not None:
        kept[~mask[rows]] = np.nan
    return kept


def _near(first: np.ndarray, second: np.ndarray) -> bool:
    both = ~np.isnan(first) & ~np.isnan(second)
    return bool(both.any()) and float(np.abs(first[both] - second[both]).max()) < NEAR_ATOL


@dataclass
class DuplicateCheck:
    """Exact copies (same content hash) across the dataset."""

    spec: CheckSpec = field(default_factory=lambda: _spec(
        'duplicates', 'episodes whose value columns (everything but timestamp and the indices, '
        'masks included) have the same SHA-256 as an earlier episode',
        '0 exact duplicate episodes', 'fail',
        'deepen-grade cross.duplicates (exact = DEFECT), lerobot-doctor upstream identity '
        '(SHA-256 of non-bookkeeping columns); issue 9: a 4x-duplicated episode passed'))
    first_of: dict[str, int] = field(default_factory=dict)
    copies: dict[int, list[int]] = field(default_factory=dict)
    seen: int = 0

    def episode(self, data: EpisodeData, dataset: DatasetInput) -> None:
        """Hash the episode and note an earlier episode with the same hash."""
        self.seen += 1
        digest = content_hash(data)
        if digest in self.first_of:
            self.copies.setdefault(self.first_of[digest], []).append(data.index)
        else:
            self.first_of[digest] = data.index

    def result(self, dataset: DatasetInput) -> CheckResult:
        """Fails with the groups of copies."""
        if not self.seen:
            return CheckResult(self.spec.id, True, None, 'episodes', 'no episode', skipped=True)
        findings = tuple(Finding(first, f'episode(s) {", ".join(map(str, later))} are exact '
                                 f'copies of episode {first}')
                         for first, later in sorted(self.copies.items()))
        count = sum(len(later) for later in self.copies.values())
        return CheckResult(self.spec.id, not count, float(count), 'episodes',
                           f'{count} of {self.seen} episode(s) exactly duplicate an earlier one',
                           findings)


@dataclass
class NearDuplicateCheck:
    """Same length and observation.state equal within 1e-6 on the entries valid in both."""

    spec: CheckSpec = field(default_factory=lambda: _spec(
        'near_duplicates', 'pairs of episodes, not exact copies, of the same length whose '
        'observation.state at 32 evenly spaced frames differs by less than 1e-6 on every entry '
        'valid in both', '0 near-duplicate pairs', 'warn',
        'lerobot-doctor anomalies near-duplicate episodes (atol 1e-6), deepen-grade '
        'cross.duplicates near (RISK)'))
    kept: dict[int, list[tuple[int, str, np.ndarray]]] = field(default_factory=dict)
    pairs: list[tuple[int, int]] = field(default_factory=list)
    seen: int = 0

    def episode(self, data: EpisodeData, dataset: DatasetInput) -> None:
        """Compare the episode's fingerprint with the earlier ones of its length."""
        self.seen += 1
        print_ = state_fingerprint(data)
        if print_ is None:
            return
        digest = content_hash(data)
        same_length = self.kept.setdefault(data.length, [])
        self.pairs.extend((index, data.index) for index, other_digest, other in same_length
                          if other_digest != digest and _near(other, print_))
        same_length.append((data.index, digest, print_))

    def result(self, dataset: DatasetInput) -> CheckResult:
        """Warns with the pairs."""
        if not self.seen:
            return CheckResult(self.spec.id, True, None, 'pairs', 'no episode', skipped=True)
        findings = tuple(Finding(second, f'episode {second} nearly duplicates episode {first} '
                                 '(observation.state within 1e-6)')
                         for first, second in self.pairs)
        return CheckResult(self.spec.id, not self.pairs, float(len(self.pairs)), 'pairs',
                           f'{len(self.pairs)} near-duplicate pair(s) in {self.seen} episode(s)',
                           findings)


def min_frames(fps: int) -> int:
    """lerobot-doctor's short episode: fewer than max(5, fps) frames."""
    return max(5, fps)


class TooShortCheck(EpisodeCheck):
    """Episodes shorter than max(5, fps) frames."""

    def __init__(self) -> None:
        super().__init__(_spec(
            'too_short', 'episode length in frames', 'at least max(5, fps) frames', 'warn',
            'lerobot-doctor episodes "short (< max(5, fps) frames)", lerobot-lint SHORT_EPISODE'),
            'frames')

    lowest_is_worst = True

    def measure(self, data: EpisodeData, dataset: DatasetInput) -> Measure | None:
        shortest = min_frames(dataset.fps)
        bad = data.length < shortest
        details = (f'{data.length} frames, fewer than {shortest}',) if bad else ()
        return Measure(float(data.length), details, bad)


class SingleFrameCheck(TooShortCheck):
    """Episodes of fewer than 2 frames: nothing to learn a transition from."""

    def __init__(self) -> None:
        EpisodeCheck.__init__(self, _spec(
            'single_frame', 'episode length in frames', 'at least 2 frames', 'fail',
            'lerobot-doctor episodes "<= 1 frame" (FAIL)'), 'frames')

    def measure(self, data: EpisodeData, dataset: DatasetInput) -> Measure | None:
        bad = data.length < 2
        return Measure(float(data.length), (f'{data.length} frame(s)',) if bad else (), bad)


def frame_speed(data: EpisodeData, fps: int) -> np.ndarray:
    """Per frame: the largest of |velocity| and |diff(position)| * fps over valid joints, NaN
    where no joint is valid (not motion, not idle)."""
    state = data.columns.get('observation.state')
    if state is None or not len(state):
        return np.zeros(0)
    mask = data.valid.get(STATE, np.ones(state.shape, dtype=bool))
    step = np.full(state.shape, np.nan)
    if len(state) > 1:
        moved = np.abs(np.diff(state, axis=0)) * fps
        moved[~(mask[1:] & mask[:-1])] = np.nan
        step[1:] = moved
        step[0] = moved[0]
    speeds = [step]
    velocity = data.columns.get('observation.velocity')
    if velocity is not None:
        speeds.append(np.where(mask, np.abs(velocity), np.nan))
    stacked = np.concatenate(speeds, axis=1)
    stacked[~np.concatenate([mask] * len(speeds), axis=1)] = np.nan
    result = np.full(len(state), np.nan)
    any_valid = ~np.isnan(stacked).all(axis=1)
    result[any_valid] = np.nanmax(stacked[any_valid], axis=1)
    return result


def runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """(start, length) of every run of True."""
    padded = np.concatenate(([False], flags.astype(bool), [False]))
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return [(int(start), int(end - start)) for start, end in zip(edges[::2], edges[1::2])]


class IdleSpanCheck(EpisodeCheck):
    """No-motion spans at the start, the end and inside an episode."""

    def __init__(self) -> None:
        super().__init__(_spec(
            'idle_spans', 'spans of >= 1 s in which every valid joint has |velocity| and '
            '|diff(position)| * fps below 0.05 rad/s: the one touching the start or end, and the '
            'share of frames in such spans', 'no idle span longer than 1 s at the start or end, '
            'and less than 30 % of frames idle', 'warn',
            'deepen-grade episode_quality.idle_stall, lerobot-doctor trim (idle start/end); '
            'issue 9 "idle spans at the start/end and inside"'), 's')

    def measure(self, data: EpisodeData, dataset: DatasetInput) -> Measure | None:
        speed = frame_speed(data, dataset.fps)
        if not speed.size or np.isnan(speed).all():
            return None
        idle = np.nan_to_num(speed, nan=np.inf) < IDLE_SPEED
        spans = [(start, length) for start, length in runs(idle)
                 if length >= IDLE_SPAN_S * dataset.fps]
        ends = [(s, n) for s, n in spans if s == 0 or s + n == len(idle)]
        longest_end = max((n for _, n in ends), default=0) / dataset.fps
        share = sum(n for _, n in spans) / len(idle)
        details = tuple(f'idle {"at the start" if s == 0 else "at the end"}: frames {s}..'
                        f'{s + n - 1} ({n / dataset.fps:.2f} s)' for s, n in ends
                        if n / dataset.fps > IDLE_SPAN_S)
        if share >= IDLE_SHARE:
            details += (f'{100 * share:.1f} % of frames in idle spans of >= 1 s '
                        f'({len(spans)} span(s))',)
        return Measure(longest_end, details, bool(details))


def is_placeholder(task: str) -> bool:
    """Empty, a known placeholder word, a lone number or punctuation only."""
    text = task.strip().lower()
    return (text in PLACEHOLDERS or re.fullmatch(r'[+-]?\d+(\.\d*)?', text) is not None
            or re.fullmatch(r'[\W_]*', text) is not None)


class TaskTextCheck(EpisodeCheck):
    """Task text present and not a placeholder."""

    def __init__(self) -> None:
        super().__init__(_spec(
            'task_text', 'the task text of every episode', "present and not a placeholder "
            "('', 'task', 'default', 'none', 'test', 'unknown', 'todo', '...', a lone number)",
            'fail', 'lerobot-lint MISSING_TASK, lerobot-quality-gates episodes "no task"; '
            'smolvla needs language (lerobot-doctor gate)'), 'episodes')

    def measure(self, data: EpisodeData, dataset: DatasetInput) -> Measure | None:
        bad = is_placeholder(data.task)
        return Measure(float(bad), (f'task {data.task!r} is a placeholder',) if bad else (), bad)

    def result(self, dataset: DatasetInput) -> CheckResult:
        """The figure is the number of episodes with a placeholder task."""
        outcome = super().result(dataset)
        return CheckResult(outcome.check_id, outcome.passed, None if outcome.skipped else float(
            len(self.bad_episodes)), outcome.unit, outcome.detail, outcome.findings,
            outcome.skipped)


class OutcomeCheck(TaskTextCheck):
    """Episodes labelled failed or aborted (kept with --include-failed)."""

    def __init__(self) -> None:
        EpisodeCheck.__init__(self, _spec(
            'outcome', "the episode's outcome label (meta/interop.json episodes.<i>.outcome)",
            '0 episodes labelled failure or abort', 'warn',
            'lerobot-doctor upstream identity "conflicting success", deepen-grade '
            'condition_coverage success balance; docs/export.md --include-failed'), 'episodes')

    def measure(self, data: EpisodeData, dataset: DatasetInput) -> Measure | None:
        outcome = data.record.get('outcome')
        if outcome is None:
            return None
        bad = str(outcome).lower() in EXCLUDED_OUTCOMES
        return Measure(float(bad), (f'labelled {outcome!r}',) if bad else (), bad)


def checks() -> list[Check]:
    """Fresh accumulators of every episode check."""
    return [DuplicateCheck(), NearDuplicateCheck(), TooShortCheck(), SingleFrameCheck(),
            IdleSpanCheck(), TaskTextCheck(), OutcomeCheck()]
