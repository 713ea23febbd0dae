"""What every certify check is and returns, and what it reads (no rclpy, no I/O here).

A check is declared once by a `CheckSpec` (id, group, what it measures, threshold, severity,
the lowest level that needs it, the standard or user request it answers) and implemented as an
accumulator: the runner reads each episode of a dataset once and hands it to every check's
`episode`, then asks each for its `result`. Checks are mask-aware: an entry flagged invalid in
its `valid.*` mask, or a joint the robot lacks, is never counted as a data defect.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np

from interop_bridge.profile import Profile

GROUPS = ('format', 'time', 'physics', 'control', 'video', 'episodes', 'provenance')
SEVERITIES = ('fail', 'warn')  # fail: the level does not hold; warn: reported, never blocks
LEVELS = ('format', 'timing', 'physical', 'training-ready')  # each includes the ones before
T = TypeVar('T')


@dataclass(frozen=True)
class CheckSpec:
    """The declaration of one check (docs/certify.md is generated from these)."""

    id: str          # '<group>.<name>', e.g. 'physics.position_limits'
    group: str       # one of GROUPS
    measures: str    # what is measured, one sentence
    threshold: str   # the pass condition in words, with its number and unit
    severity: str    # one of SEVERITIES
    level: str       # the lowest of LEVELS that requires this check to pass
    answers: str     # the standard clause or user request it answers (quality-anchors.md)


@dataclass(frozen=True)
class Finding:
    """One place a check found a problem."""

    episode: int | None  # dataset episode index, None for the dataset as a whole
    detail: str          # one line: what, where (frame, joint, camera), by how much


@dataclass(frozen=True)
class CheckResult:
    """One check's outcome on one dataset."""

    check_id: str
    passed: bool
    figure: float | None  # the measured value compared with the threshold (None: not measured)
    unit: str
    detail: str           # one line summary
    findings: tuple[Finding, ...] = ()
    skipped: bool = False  # not applicable (e.g. no camera, no action): counts as passed


@dataclass
class EpisodeData:
    """One episode as a check sees it: its columns, masks already expanded, and its metadata.

    `columns[key]` is (frames, width) float64 for every float feature of the dataset and
    (frames,) for the default columns; `valid[key]` is a (frames, width) bool array for every
    value feature that has a mask (True = valid), covering absent joints too. `profile` is the
    robot's profile when it is a shipped one (None otherwise). `frames(camera_key)` decodes
    that camera's frames of the episode in order, (H, W, 3) uint8; `luma(camera_key)`, when given,
    their luma straight from the decoded Y plane, stride-sampled as the video checks grade it,
    in blocks of consecutive frames (video_luma.LumaBlock; without it the checks compute luma
    from `frames`). `camera_summary(camera_key)`, when given, is that camera's
    video_summary.CameraSummary made elsewhere (video_worker.py), or None: then the checks
    decode it themselves. `memo` holds what several checks derive from
    the episode (a camera's decoding, the command lag), computed once (`memoized`) and let go
    with the episode.
    """

    index: int
    length: int
    task: str
    robot_type: str | None
    profile: Profile | None
    columns: dict[str, np.ndarray]
    valid: dict[str, np.ndarray]
    record: Mapping[str, Any]  # the episode's meta/interop.json entry ({} if none)
    frames: Callable[[str], Iterator[np.ndarray]] = field(
        repr=False, default=lambda key: iter(()))
    luma: Callable[[str], Iterator[Any]] | None = field(repr=False, default=None)
    camera_summary: Callable[[str], Any] | None = field(repr=False, default=None)
    memo: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)


def memoized(data: EpisodeData, key: str, make: Callable[[], T]) -> T:
    """`make()` computed once per episode: what checks of several groups derive alike."""
    if key not in data.memo:
        data.memo[key] = make()
    found: T = data.memo[key]
    return found


@dataclass
class DatasetInput:
    """The dataset being certified: its root and metadata (episodes come one at a time)."""

    root: Path
    info: Mapping[str, Any]      # meta/info.json
    interop: Mapping[str, Any]   # meta/interop.json ({} if missing)
    stats: Mapping[str, Any]     # meta/stats.json ({} if missing)
    fps: int
    camera_keys: tuple[str, ...]
    profile: Profile | None = None  # given with --profile: used for every episode's robot
    # canonical joints the joint features store (dataset/joint_layout.py); None: not canonical
    joints: tuple[int, ...] | None = None
    # MP4 path (relative to root) -> frames, of the MP4s the episode pass decoded whole
    decoded_frames: dict[str, int] = field(default_factory=dict)


class Check(Protocol):
    """A check: declared by `spec`, fed every episode once, then asked for its result."""

    spec: CheckSpec

    def episode(self, data: EpisodeData, dataset: DatasetInput) -> None:
        """Look at one episode (dataset-level checks do nothing here)."""

    def result(self, dataset: DatasetInput) -> CheckResult:
        """The outcome after every episode was seen."""
