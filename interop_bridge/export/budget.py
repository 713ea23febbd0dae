"""Checks of the frame rate and of memory, before the first frame is resampled.

- `--fps` above the rate of a bag's state stream would invent frames between samples: refused
  unless asked for (`--allow-upsample`), with the rate measured from the recording.
- One episode is resampled in memory (every stream's grid, then the columns), or, streamed
  (export/episode_stream.py, what `interop export` does), one segment of it (at most
  layout.MAX_EPISODE_S): the bytes it needs are estimated from its frames and the features'
  widths and compared with the memory available, so an absurd `--fps` is one clear error
  instead of a failed allocation.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from interop_bridge.dataset.features import Feature
from interop_bridge.dataset.layout import MAX_EPISODE_S
from interop_bridge.errors import ExportError
from interop_bridge.export.episode_split import EpisodeSpan

NS = 1_000_000_000
RATE_TOLERANCE = 1.05  # a measured rate this much below --fps still counts as the same
# Resampling holds each value as float64 on its stream's grid plus a mask, the combined
# columns, the float32 output and the parquet table: about 40 bytes per value and frame, plus
# per-frame times and indices.
BYTES_PER_VALUE = 40
BYTES_PER_FRAME = 512
MEMINFO = Path('/proc/meminfo')


def check_rate(fps: int, rate_hz: float, topic: str, source: str, allow: bool) -> None:
    """Refuse a frame rate above the state stream's (0 = unknown rate: not refused)."""
    if allow or rate_hz <= 0 or fps <= rate_hz * RATE_TOLERANCE:
        return
    msg = (f'{source}: --fps {fps} is above the rate of the state stream {topic} '
           f'({rate_hz:.1f} Hz): frames would be interpolated between samples; lower --fps '
           'or pass --allow-upsample')
    raise ExportError(msg)


def frames_of(span: EpisodeSpan, fps: int) -> int:
    """Frames of an episode on the grid (as resample.Grid.spanning counts them)."""
    return max(span.end_ns - span.start_ns, 0) * fps // NS + 1


def episode_bytes(frames: int, features: Sequence[Feature]) -> int:
    """Estimated memory to resample one episode of `frames` frames."""
    width = sum(feature.shape[0] for feature in features if not feature.is_video)
    return frames * (width * BYTES_PER_VALUE + BYTES_PER_FRAME)


def available_bytes() -> int | None:
    """Memory available to this process now (MemAvailable, else free pages), or None."""
    try:
        for line in MEMINFO.read_text().splitlines():
            if line.startswith('MemAvailable:'):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf('SC_AVPHYS_PAGES') * os.sysconf('SC_PAGE_SIZE')
    except (OSError, ValueError, AttributeError):
        return None


def check_memory(spans: Sequence[tuple[str, EpisodeSpan]], features: Sequence[Feature],
                 fps: int, available: int | None = None, segmented: bool = False) -> None:
    """Refuse when the largest episode (segmented: its largest segment) would not fit in
    the available memory."""
    if not spans:
        return
    source, span = max(spans, key=lambda item: item[1].end_ns - item[1].start_ns)
    frames = frames_of(span, fps)
    if segmented:
        frames = min(frames, MAX_EPISODE_S * fps + 1)
    needed = episode_bytes(frames, features)
    free = available_bytes() if available is None else available
    if free is None or needed <= free:
        return
    msg = (f'{source}: episode {span.episode_id!r} ({(span.end_ns - span.start_ns) / NS:.1f} '
           f's) is {frames} frames at --fps {fps} and needs about {_size(needed)} of memory; '
           f'{_size(free)} is available: lower --fps or split the episode')
    raise ExportError(msg)


def _size(count: int) -> str:
    value = float(count)
    for unit in ('B', 'KiB', 'MiB', 'GiB', 'TiB'):
        if value < 1024 or unit == 'TiB':
            return f'{value:.1f} {unit}'
        value /= 1024
    return f'{value:.1f} TiB'
