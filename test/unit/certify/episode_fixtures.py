"""Synthetic EpisodeData with known truth for the time, episode and video checks.

A clean episode: a G1-like robot (29 of 32 canonical joints present, the other 3 masked and 0),
joints moving sinusoidally, a resampling record as the exporter writes it with nothing flagged,
and a 30 Hz camera of textured frames (noise around mid grey, different every frame).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from interop_bridge.certify.model import (
    Check, CheckResult, DatasetInput, EpisodeData)

FPS = 30
JOINTS, PRESENT = 32, 29
CAMERA = 'observation.images.camera'
STATE_STREAMS = ('position', 'velocity', 'effort', 'valid')


def stream_report(frames: int, **changes: Any) -> dict[str, Any]:
    """A clean resampling report of one 300 Hz receive-stamped stream."""
    report: dict[str, Any] = {
        'method': 'linear', 'stamp_source': 'receive', 'on_stale': 'flag',
        'max_staleness_s': 0.1, 'tolerance_s': 0.1, 'samples_in': frames * 10,
        'samples_used': frames * 10, 'duplicates_dropped': 0, 'out_of_order': 0,
        'late_dropped': 0, 'ignored_after_cut': 0, 'columns_present': PRESENT,
        'nan_samples': 0, 'rate_hz': 300.0, 'skew': None, 'gap_count': 0,
        'largest_gap_s': 1 / 300, 'gaps': [], 'frames': frames, 'frames_valid': frames,
        'frames_before_start': 0, 'frames_stale': 0, 'frames_with_nan': 0,
        'cut_at_frame': None, 'frames_cut': 0}
    report.update(changes)
    return report


def skew(mean_s: float, spread_s: float = 0.002) -> dict[str, float]:
    """Skew statistics of a header-stamped stream."""
    return {'count': 100, 'min_s': mean_s - spread_s, 'mean_s': mean_s,
            'max_s': mean_s + spread_s, 'p99_s': mean_s + spread_s * 0.9}


def clean_record(frames: int) -> dict[str, Any]:
    """The exporter's record of a clean episode: state and IMU by receive time, camera by
    header, one image per row."""
    resampling = {f'/lowstate:{name}': stream_report(frames, stream=f'/lowstate:{name}')
                  for name in STATE_STREAMS}
    resampling['/lowstate:hand'] = stream_report(frames, columns_present=0)
    resampling['/imu:orientation'] = stream_report(frames, columns_present=4,
                                                   stamp_source='header', skew=skew(-0.004))
    resampling[CAMERA] = {'method': 'nearest', 'stamp_source': 'header', 'images_in': frames,
                          'rows': frames, 'max_distance_s': 0.002, 'rows_beyond_tolerance': 0}
    return {'robot_type': 'unitree_g1_29dof', 'outcome': 'success', 'state_topic': '/lowstate',
            'frames': frames, 'stamp_source': 'mixed',
            'stamp_sources': {'/lowstate': 'receive', '/imu': 'header',
                              '/camera/image_raw': 'header'},
            'resampling': resampling}


def textured_frames(count: int, seed: int, shape: tuple[int, int] = (48, 64)
                    ) -> list[np.ndarray]:
    """Frames of noise around mid grey, each different (a live camera's texture)."""
    rng = np.random.default_rng(seed)
    return [rng.integers(60, 200, (*shape, 3), dtype=np.uint8) for _ in range(count)]


class Frames:
    """A camera source that counts how often each camera was decoded."""

    def __init__(self, cameras: dict[str, list[np.ndarray]]) -> None:
        self.cameras = cameras
        self.decoded: dict[str, int] = {}

    def __call__(self, key: str) -> Iterator[np.ndarray]:
        self.decoded[key] = self.decoded.get(key, 0) + 1
        return iter(self.cameras[key])


def clean_episode(index: int = 0, length: int = 90, *, task: str = 'wave both arms',
                  phase: float | None = None) -> EpisodeData:
    """A clean episode; its motion's phase depends on `index` unless given."""
    t = np.arange(length) / FPS
    shift = 0.7 * index if phase is None else phase
    angle = 2 * np.pi * 0.5 * t[:, None] + 0.3 * np.arange(JOINTS)[None, :] + shift
    state = 0.2 * np.sin(angle)
    velocity = 0.2 * 2 * np.pi * 0.5 * np.cos(angle)
    mask = np.zeros((length, JOINTS), dtype=bool)
    mask[:, :PRESENT] = True
    state[:, PRESENT:] = velocity[:, PRESENT:] = 0.0
    columns = {'timestamp': t.astype(np.float32).astype(np.float64),
               'frame_index': np.arange(length), 'episode_index': np.full(length, index),
               'index': np.arange(length) + 1000 * index, 'task_index': np.zeros(length),
               'observation.state': state, 'observation.velocity': velocity,
               'observation.effort': 0.1 * state, 'valid.observation.state': mask * 1.0}
    return EpisodeData(index=index, length=length, task=task, robot_type='unitree_g1_29dof',
                       profile=None, columns=columns,
                       valid={'observation.state': mask.copy(),
                              'observation.velocity': mask.copy(),
                              'observation.effort': mask.copy()},
                       record=clean_record(length),
                       frames=Frames({CAMERA: textured_frames(length, seed=index)}))


def with_record(data: EpisodeData, **changes: Any) -> EpisodeData:
    """The episode with its record's entries changed (a deep copy)."""
    record = copy.deepcopy(dict(data.record))
    record.update(changes)
    data.record = record
    return data


def stream(data: EpisodeData, name: str) -> dict[str, Any]:
    """The episode's (mutable) resampling report of one stream."""
    report: dict[str, Any] = data.record['resampling'][name]
    return report


def dataset(cameras: Sequence[str] = (CAMERA,), fps: int = FPS) -> DatasetInput:
    """A dataset input for synthetic episodes."""
    return DatasetInput(root=Path('/nonexistent'), info={'fps': fps}, interop={}, stats={},
                        fps=fps, camera_keys=tuple(cameras))


def run(checks: Sequence[Check], episodes: Sequence[EpisodeData],
        data_set: DatasetInput | None = None) -> dict[str, CheckResult]:
    """Feed every episode to every check (as the runner does); results by check id."""
    given = data_set if data_set is not None else dataset()
    for episode in episodes:
        for check in checks:
            check.episode(episode, given)
    return {check.spec.id: check.result(given) for check in checks}
