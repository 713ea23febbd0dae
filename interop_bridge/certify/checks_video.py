"""Video checks on decoded frames: count per row, frozen, black or saturated; camera rate.

Every camera of an episode is decoded once (`camera_summary`, kept with the episode) into
stride-sampled grayscale (video_luma.sample_stride: about 64 columns); all frame figures come
from that summary. Stride
sampling (no averaging) keeps a live camera's sensor noise, so a static scene is not taken for
a frozen one, while a repeated image decodes to (nearly) the same pixels.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from interop_bridge.certify.checks_episodes import runs
from interop_bridge.certify.checks_time import CAMERA_PREFIX
from interop_bridge.certify.episode_check import EpisodeCheck, Measure
from interop_bridge.certify.model import (
    Check, CheckSpec, DatasetInput, EpisodeData, memoized)
from interop_bridge.certify.video_summary import CameraSummary, summarize, summarize_blocks

FROZEN_DIFF = 0.5         # grey levels: lerobot-lint FROZEN_CAMERA's 0.5/255
FROZEN_SHARE = 0.20
FROZEN_RUN_S = 1.0
DARK_LUMA, BRIGHT_LUMA = 10.0, 245.0   # lerobot-lint DEGENERATE_IMAGE (10/255, 245/255)
CLIPPED_PIXELS = 0.95
DEGENERATE_SHARE = 0.05
RATE_TOLERANCE = 0.05     # the exporter's own rate tolerance (5 %)


def camera_summary(data: EpisodeData, camera: str) -> CameraSummary:
    """The camera's summary for this episode, decoded on first use (kept with the episode)."""
    def decode() -> CameraSummary:
        made = None if data.camera_summary is None else data.camera_summary(camera)
        if isinstance(made, CameraSummary):
            return made
        if data.luma is not None:
            return summarize_blocks(data.luma(camera))
        return summarize(data.frames(camera))

    return memoized(data, f'camera_summary:{camera}', decode)


class VideoCheck(EpisodeCheck):
    """A check on decoded frames (camera_summary)."""


def camera_key(camera: str) -> str:
    """The camera's feature key, 'observation.images.<camera>'."""
    return camera if camera.startswith(CAMERA_PREFIX) else CAMERA_PREFIX + camera


def _spec(name: str, measures: str, threshold: str, severity: str, level: str,
          answers: str) -> CheckSpec:
    return CheckSpec(f'video.{name}', 'video', measures, threshold, severity, level, answers)


class FrameCountCheck(VideoCheck):
    """Decoded frames of every camera == the episode's rows."""

    def __init__(self) -> None:
        super().__init__(_spec(
            'frame_count', 'decoded frames of each camera minus the episode\'s rows',
            'exactly one decoded frame per row (difference 0)', 'fail', 'timing',
            'lerobot-doctor videos frame count (+-2, first 20 files), lerobot-lint '
            'VIDEO_LENGTH_MISMATCH, interop validate video frames (exact)'), 'frames')

    def measure(self, data: EpisodeData, dataset: DatasetInput) -> Measure | None:
        if not dataset.camera_keys:
            return None
        off = {camera: camera_summary(data, camera).frames - data.length
               for camera in dataset.camera_keys}
        details = tuple(f'{camera}: {data.length + delta} decoded frames for {data.length} rows'
                        for camera, delta in off.items() if delta)
        return Measure(float(max(abs(delta) for delta in off.values())), details, bool(details))


class FrozenFrameCheck(VideoCheck):
    """Consecutive decoded frames that are (nearly) identical."""

    def __init__(self) -> None:
        super().__init__(_spec(
            'frozen_frames', 'share of decoded frames whose stride-sampled grayscale differs '
            'from the previous frame by a mean of less than 0.5 grey levels, and the longest '
            'run of such frames', 'at most 20 % of the frames of every camera and episode, no '
            'run of 1 s or more', 'warn', 'training-ready',
            'lerobot-lint FROZEN_CAMERA (0.5/255, not wired to video), quality-anchors 9.9 '
            '(frozen and resampling-duplicated frames)'), '%')

    def measure(self, data: EpisodeData, dataset: DatasetInput) -> Measure | None:
        if not dataset.camera_keys:
            return None
        worst, details = 0.0, []
        for camera in dataset.camera_keys:
            summary = camera_summary(data, camera)
            if summary.frames < 2:
                continue
            frozen = summary.diffs < FROZEN_DIFF
            share = float(frozen.sum()) / summary.frames
            longest = max((length for _, length in runs(frozen)), default=0)
            worst = max(worst, 100.0 * share)
            if share > FROZEN_SHARE or longest >= FROZEN_RUN_S * dataset.fps:
                details.append(f'{camera}: {int(frozen.sum())} of {summary.frames} frames repeat '
                               f'the previous one ({100 * share:.1f} %), longest run '
                               f'{longest} ({longest / dataset.fps:.2f} s)')
        return Measure(worst, tuple(details), bool(details))


class DegenerateFrameCheck(VideoCheck):
    """Black or saturated frames."""

    def __init__(self) -> None:
        super().__init__(_spec(
            'black_or_saturated', 'share of decoded frames with mean luma below 10 or above 245, '
            'or more than 95 % of sampled pixels black (luma <= 2) or more than 95 % white '
            '(>= 253)', 'at most 5 % of the frames of every camera and episode', 'warn',
            'training-ready',
            'lerobot-lint DEGENERATE_IMAGE (luma 10/255, 245/255; not wired to video), '
            'quality-anchors 9.9'), '%')

    def measure(self, data: EpisodeData, dataset: DatasetInput) -> Measure | None:
        if not dataset.camera_keys:
            return None
        worst, details = 0.0, []
        for camera in dataset.camera_keys:
            summary = camera_summary(data, camera)
            if not summary.frames:
                continue
            bad = ((summary.luma < DARK_LUMA) | (summary.luma > BRIGHT_LUMA)
                   | (summary.clipped > CLIPPED_PIXELS))
            share = float(bad.mean())
            worst = max(worst, 100.0 * share)
            if share > DEGENERATE_SHARE:
                details.append(f'{camera}: {int(bad.sum())} of {summary.frames} frames black or '
                               f'saturated ({100 * share:.1f} %), first at frame '
                               f'{int(np.argmax(bad))}')
        return Measure(worst, tuple(details), bool(details))


def recorded_rate(report: Mapping[str, Any], fps: int) -> float:
    """Upper bound of the camera's rate: images read (the episode and the reading lead around
    it) per episode second; below fps, rows must repeat images."""
    rows = float(report.get('rows', 0))
    return float(report.get('images_in', 0)) * fps / rows if rows else 0.0


class CameraRateCheck(EpisodeCheck):
    """The camera's recorded rate against the dataset fps, from the resampling report."""

    def __init__(self) -> None:
        super().__init__(_spec(
            'camera_rate', "per camera: images recorded per second of the episode (at most; the "
            "reading lead around the episode counts too) and the largest row-to-image distance "
            "(resampling.observation.images.*)", 'at least fps * 0.95 images/s, and no row more '
            'than 1/fps from its image (it would repeat its neighbour\'s)', 'warn', 'timing',
            'lerobot-doctor videos stream fps vs info fps, lerobot-lint FPS_MISMATCH; issue 9 '
            '"camera rate vs declared fps"'), 'Hz')

    lowest_is_worst = True

    def measure(self, data: EpisodeData, dataset: DatasetInput) -> Measure | None:
        resampling = dict(data.record.get('resampling') or {})
        reports = {camera: resampling[camera_key(camera)] for camera in dataset.camera_keys
                   if camera_key(camera) in resampling}
        if not reports:
            return None
        rates = {camera: recorded_rate(report, dataset.fps) for camera, report in reports.items()}
        details = []
        for camera, report in reports.items():
            distance_ms = float(report.get('max_distance_s', 0.0)) * 1e3
            slow = rates[camera] < dataset.fps * (1 - RATE_TOLERANCE)
            if slow or distance_ms > 1e3 / dataset.fps:
                details.append(f'{camera}: {report.get("images_in")} images for '
                               f'{report.get("rows")} rows: at most {rates[camera]:.1f} '
                               f'images/s at {dataset.fps} fps; a row is {distance_ms:.1f} ms '
                               f'from its image, {report.get("rows_beyond_tolerance")} rows '
                               'beyond tolerance')
        return Measure(min(rates.values()), tuple(details), bool(details))


def checks() -> list[Check]:
    """Fresh accumulators of every video check."""
    return [FrameCountCheck(), FrozenFrameCheck(), DegenerateFrameCheck(), CameraRateCheck()]
