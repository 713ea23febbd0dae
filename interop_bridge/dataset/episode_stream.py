"""An episode handed to the writer in segments, so memory stays flat in episode length.

`DatasetWriter.write_episode` takes an `Episode` (every column in memory) or a
`StreamedEpisode`: the writer calls `segments(max_frames)` once, with its part length
(dataset/episode_parts.py), and writes each segment as it comes, as one part of the episode
(its data rows, its statistics, its video frames pulled from the episode's FrameSources). Every
segment but the last has exactly `max_frames` frames, so the parts are those the writer would
have cut from the whole episode, with the same statistics. `length` and `meta` are final once
the segments are exhausted (a producer learns them only at the end: a stream cut short, the
resampling report); the writer writes the parts' interop.json records then.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np

from interop_bridge.dataset.episode import FrameSource
from interop_bridge.dataset.records import EpisodeMeta


@dataclass(frozen=True)
class EpisodeSegment:
    """Consecutive frames of one episode: every non-video column, `length` rows."""

    length: int
    columns: Mapping[str, np.ndarray]


@dataclass
class StreamedEpisode:
    """One episode produced segment by segment (see the module docstring).

    `videos` yield the whole episode's frames, in order, once (each part pulls its own).
    The producer sets `length` and `meta` before its segment iterator ends.
    """

    task: str
    segments: Callable[[int], Iterator[EpisodeSegment]]
    videos: Mapping[str, FrameSource] = field(default_factory=dict)
    robot_type: str | None = None
    length: int = 0
    meta: EpisodeMeta = field(default_factory=lambda: EpisodeMeta())
