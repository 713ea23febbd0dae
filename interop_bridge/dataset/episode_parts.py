"""Episodes longer than the maximum length, split into consecutive parts.

LeRobot reads `timestamp` as float32 whatever its parquet type, and matches video frames in
float32 within 1e-4 s: past 2048 s the float32 spacing alone is larger than that. So the
writer splits an episode longer than `max_frames` (default layout.MAX_EPISODE_S of the fps)
into parts of exactly `max_frames` frames and a shorter last one; each part is an episode of
its own, on its own grid (timestamp = frame_index / fps from 0), with the task, robot and
provenance of the original, and a `SplitRecord` in meta/interop.json saying which part of
what it is. Camera frames are pulled once from the original's FrameSource: part k's frames
are the next ones after part k - 1's, so the parts must be encoded in order (the writer does).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from interop_bridge.errors import ExportError
from interop_bridge.dataset.episode import Episode, FrameSource
from interop_bridge.dataset.layout import MAX_EPISODE_S, MAX_VIDEO_FILE_S
from interop_bridge.dataset.records import SplitRecord


@dataclass(frozen=True)
class EpisodePart:
    """One part of an episode: `number` of `count`, starting at `frame_offset` of it."""

    episode: Episode
    number: int
    count: int
    frame_offset: int
    original_frames: int

    @property
    def is_split(self) -> bool:
        return self.count > 1

    def record(self, episode_id: str | None) -> SplitRecord:
        """The part's interop.json `split` entry (`episode_id`: the original's, or None).

        It names no dataset index (merge renumbers episodes): the parts are consecutive
        episodes, part 0 at this part's index minus `part`.
        """
        return {'episode_id': episode_id, 'part': self.number, 'parts': self.count,
                'frame_offset': self.frame_offset, 'frames': self.original_frames}


def frames_in(seconds: object, fps: int, what: str, upper_s: float) -> int:
    """The whole frames of `fps` in `seconds` (0 < seconds <= upper_s, at least one frame).

    Raises:
        ExportError: naming `what`, when seconds is not a number in that range.
    """
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) \
            or not math.isfinite(seconds) or not 0 < seconds <= upper_s:
        message = (f'{what} {seconds!r}: expected a number of seconds above 0 and at most '
                   f'{upper_s:g} (past it float32 timestamps leave the 1/fps grid by more '
                   'than LeRobot tolerates)')
        raise ExportError(message)
    frames = math.floor(seconds * fps + 1e-9)
    if frames < 1:
        message = f'{what} {seconds!r}: shorter than one frame at {fps} fps'
        raise ExportError(message)
    return frames


def split_episode(episode: Episode, max_frames: int) -> list[EpisodePart]:
    """The episode as parts of at most `max_frames` frames (one part when it fits).

    An episode whose length is not a positive int is returned whole, for the writer to
    refuse; its columns must have `length` rows (the writer checks the whole episode first).
    """
    length = episode.length
    if isinstance(max_frames, bool) or not isinstance(max_frames, int) or max_frames < 1:
        message = f'maximum episode length {max_frames!r} frames: expected a positive int'
        raise ExportError(message)
    if not isinstance(length, (int, np.integer)) or length <= max_frames:
        return [EpisodePart(episode, 0, 1, 0, length)]
    length = int(length)
    offsets = range(0, length, max_frames)
    shared = {key: _SharedFrames(source) for key, source in episode.videos.items()}
    parts = []
    for number, offset in enumerate(offsets):
        last = number == len(offsets) - 1
        part_length = min(max_frames, length - offset)
        columns = {key: np.asarray(values)[offset:offset + part_length]
                   for key, values in episode.columns.items()}
        videos = {key: frames.part(number, None if last else part_length)
                  for key, frames in shared.items()}
        part = dataclasses.replace(episode, length=part_length, columns=columns,
                                   videos=videos)
        parts.append(EpisodePart(part, number, len(offsets), offset, length))
    return parts


class _SharedFrames:
    """One FrameSource handed out in consecutive parts, each called once and in order."""

    def __init__(self, source: FrameSource) -> None:
        self._source = source
        self._frames: Iterator[np.ndarray] | None = None
        self._next_part = 0

    def part(self, number: int, count: int | None) -> FrameSource:
        """Part `number`'s source: the next `count` frames (None: all that are left)."""
        def frames() -> Iterator[np.ndarray]:
            if number != self._next_part:
                message = (f'frame source of part {number} called after part '
                           f'{self._next_part - 1}: the parts of a split episode are '
                           'encoded once each, in order')
                raise ExportError(message)
            self._next_part += 1
            if self._frames is None:
                self._frames = iter(self._source())
            return self._frames if count is None else itertools.islice(self._frames, count)
        return frames


@dataclass(frozen=True)
class DurationLimits:
    """The longest episode and MP4 file, in frames (checked by `DurationLimits.of`)."""

    episode_frames: int
    video_file_frames: int

    @classmethod
    def of(cls, fps: int, max_episode_s: float, video_file_s: float) -> DurationLimits:
        """The limits at `fps`; each in (0, 512] s, and no episode longer than a file.

        Raises:
            ExportError: a limit is not a number in range, or is shorter than a frame, or
                video_file_s is below max_episode_s (episodes never span two files).
        """
        episode = frames_in(max_episode_s, fps, 'max_episode_s', MAX_EPISODE_S)
        video = frames_in(video_file_s, fps, 'video_file_s', MAX_VIDEO_FILE_S)
        if video < episode:
            message = (f'video_file_s {video_file_s!r} is below max_episode_s '
                       f'{max_episode_s!r}: an episode is never split across MP4 files')
            raise ExportError(message)
        return cls(episode, video)
