"""DatasetWriter: writes `Episode`s into a LeRobotDataset v3.0 directory, in place.

    writer = DatasetWriter(root, features, fps=30)
    for episode in episodes:            # of any robots: each Episode names its robot_type
        writer.write_episode(episode)
    summary = writer.finalize(export_meta={'exporter': ...})

One writer takes every episode of an export, whichever robot recorded it: data files roll
over by size, MP4 files by size and by duration (`video_file_s`, at most 512 s). An episode
longer than `max_episode_s` (at most 512 s) is written as consecutive parts of that length
(dataset/episode_parts.py), each with a `split` record in interop.json: LeRobot's float32
timestamps stay within 1.53e-5 s of k / fps, and its video query times within 3.05e-5 s of
the frame times (its tolerance is 1e-4 s). Each episode's statistics are computed once, when it is
written (into its meta/episodes row); `finalize` aggregates the statistics of every episode
once (episodes_table.aggregate_episode_stats). info.json's robot_type joins the episodes'
robots ('a+b'); interop.json keeps each episode's.

`DatasetWriter.append_to(root, ...)` continues an existing dataset: new episode indices
follow, tasks are reused or extended, and new data/video/episodes files are started (existing
ones are never opened for writing); `finalize` reads the existing episodes' statistics once.
The writer holds one episode's columns at a time and pulls camera frames one by one; given a
`StreamedEpisode` (dataset/episode_stream.py) it holds one part's columns at a time.
Writing in place is not atomic: use `interop_bridge.dataset.atomic.write_dataset`, which
stages the output and moves it into place only when complete.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import numpy as np
import pyarrow as pa

from interop_bridge.errors import ExportError
from interop_bridge.dataset import metadata
from interop_bridge.dataset.compat import require_codec, require_same_schema
from interop_bridge.dataset.episode import Episode, FrameSource, checked_robot_type
from interop_bridge.dataset.episode_parts import DurationLimits, EpisodePart, split_episode
from interop_bridge.dataset.episode_stream import StreamedEpisode
from interop_bridge.dataset.episodes_table import (EpisodesWriter, aggregate_episode_stats,
                                                   episode_row, episodes_schema)
from interop_bridge.dataset.features import Feature
from interop_bridge.dataset.frame_columns import Columns, episode_columns, episode_stats
from interop_bridge.dataset.layout import (DATA_DIR, DEFAULT_DATA_FILE_MB, DEFAULT_VIDEO_FILE_MB,
                                           EPISODES_DIR, INFO_PATH, INTEROP_PATH,
                                           MAX_EPISODE_S, MAX_VIDEO_FILE_S, VIDEO_DIR,
                                           FileSlot, data_path, last_slot, megabytes_to_bytes,
                                           video_path)
from interop_bridge.dataset.parquet_io import (RollingParquetWriter, arrow_column, data_schema,
                                               read_tasks, write_tasks)
from interop_bridge.dataset.records import (DatasetInfo, EpisodeRecord, ExportMeta,
                                            ExportRecord, InteropFile, ModalityFile)
from interop_bridge.dataset.stats import FeatureStats, ImageStats
from interop_bridge.dataset.summary import WriteSummary
from interop_bridge.dataset.video import CameraEncoder, VideoOptions, VideoSpan, probe_video_info


@dataclass
class _Progress:
    episodes: int = 0
    frames: int = 0
    first_new_episode: int = 0
    first_new_frame: int = 0


class DatasetWriter:
    """Writes episodes into the dataset at `root` (see the module docstring)."""

    def __init__(self, root: str | Path, features: Sequence[Feature], fps: int,
                 vcodec: str = 'libsvtav1', data_file_mb: float = DEFAULT_DATA_FILE_MB,
                 video_file_mb: float = DEFAULT_VIDEO_FILE_MB, *,
                 max_episode_s: float = MAX_EPISODE_S,
                 video_file_s: float = MAX_VIDEO_FILE_S) -> None:
        """Start a new dataset; `root` must not exist or be an empty directory.

        Args:
            root: the dataset directory.
            features: the schema (features.canonical_features), without the default columns.
            fps: integer frames per second of the grid.
            vcodec: 'libsvtav1' (AV1, default) or 'libx264' (H.264).
            data_file_mb: size limit of a data (and episodes) parquet file.
            video_file_mb: size limit of an MP4 file.
            max_episode_s: longer episodes are split into parts of this length (at most 512).
            video_file_s: duration limit of an MP4 file (at most 512, at least max_episode_s).
        """
        self._root = Path(root)
        if self._root.exists() and any(self._root.iterdir()):
            message = (f'{self._root}: not empty; a new dataset needs an empty directory '
                       '(use DatasetWriter.append_to for an existing dataset)')
            raise ExportError(message)
        if isinstance(fps, bool) or not isinstance(fps, (int, float)) or int(fps) != fps \
                or fps <= 0:
            message = f'fps {fps!r}: LeRobot needs a positive integer frame rate'
            raise ExportError(message)
        self._setup(features, int(fps), VideoOptions.for_codec(vcodec),
                    (data_file_mb, video_file_mb),
                    DurationLimits.of(int(fps), max_episode_s, video_file_s))
        self._entries = metadata.feature_entries(self._features)
        self._interop = metadata.empty_interop(self._valid_keys())
        self._tasks: list[str] = []
        self._open_files(FileSlot(), {key: FileSlot() for key in self._video_keys}, FileSlot())

    @classmethod
    def append_to(cls, root: str | Path, features: Sequence[Feature], fps: int,
                  vcodec: str = 'libsvtav1', *, label: str | None = None,
                  max_episode_s: float = MAX_EPISODE_S,
                  video_file_s: float = MAX_VIDEO_FILE_S) -> DatasetWriter:
        """Continue the dataset at `root`; the schema, fps and codec must match it.

        File-size limits are the dataset's own (info.json); the duration limits are as for
        a new dataset. `label` names the dataset in error messages (default: root).
        """
        writer = cls.__new__(cls)
        writer._root = Path(root)
        info = metadata.read_info(writer._root)
        fresh = metadata.build_info(metadata.feature_entries(features), fps, None, (0, 0, 0),
                                    (0, 0))
        what = f'cannot append to {label or writer._root}'
        require_same_schema(info, fresh, what)
        require_codec(info, vcodec, what)
        sizes = (info['data_files_size_in_mb'], info['video_files_size_in_mb'])
        writer._setup(features, int(fps), VideoOptions.for_codec(vcodec), sizes,
                      DurationLimits.of(int(fps), max_episode_s, video_file_s))
        writer._entries = info['features']
        writer._interop = metadata.read_interop(writer._root)
        writer._tasks = read_tasks(writer._root)
        writer._prior_robot_type = info.get('robot_type')
        writer._progress = _Progress(info['total_episodes'], info['total_frames'],
                                     info['total_episodes'], info['total_frames'])
        after = writer._after_last
        writer._open_files(after(writer._root / DATA_DIR, 'file-*.parquet'),
                           {key: after(writer._root / VIDEO_DIR / key, 'file-*.mp4')
                            for key in writer._video_keys},
                           after(writer._root / EPISODES_DIR, 'file-*.parquet'))
        return writer

    def _setup(self, features: Sequence[Feature], fps: int, options: VideoOptions,
               sizes_mb: tuple[float, float], limits: DurationLimits) -> None:
        self._features = tuple(features)
        self._fps = fps
        self._limits = limits
        self._robot_types: list[str | None] = []
        self._prior_robot_type: str | None = None
        self._options = options
        self._sizes_mb = sizes_mb
        self._video_keys = [feature.key for feature in self._features if feature.is_video]
        self._progress = _Progress()
        self._first_video_files: dict[str, Path] = {}
        self._broken = False

    def _valid_keys(self) -> dict[str, str | None]:
        keys = {feature.key: feature.valid_key for feature in self._features}
        keys.update({key: None for key in metadata.DEFAULT_FEATURES})
        return keys

    @staticmethod
    def _after_last(directory: Path, pattern: str) -> FileSlot:
        last = last_slot(directory, pattern)
        return last.next() if last is not None else FileSlot()

    def _open_files(self, data_slot: FileSlot, video_slots: Mapping[str, FileSlot],
                    episodes_slot: FileSlot) -> None:
        schema = data_schema(self._entries)
        data_limit = megabytes_to_bytes(self._sizes_mb[0])
        self._data = RollingParquetWriter(self._root, data_path, schema, data_limit, data_slot)
        shapes = {feature.key: feature.shape for feature in self._features if feature.is_video}
        self._cameras = {key: CameraEncoder(self._root, key, self._fps, shapes[key],
                                            self._options, megabytes_to_bytes(self._sizes_mb[1]),
                                            video_slots[key], self._limits.video_file_frames)
                         for key in self._video_keys}
        stat_features = {key: key in shapes for key in self._valid_keys()}
        self._episodes = EpisodesWriter(
            self._root, episodes_schema(stat_features, self._video_keys), data_limit,
            episodes_slot)

    def write_episode(self, episode: Episode | StreamedEpisode) -> int:
        """Write one episode (videos, data row group, episodes row); returns its index.

        An episode longer than max_episode_s is written as consecutive parts (episode_parts),
        and the index returned is its first part's. An episode that does not fit the schema
        is refused before anything is written (the writer stays usable); after any later
        failure the writer is unusable and its output must be discarded (write_dataset does).
        A StreamedEpisode is written part by part as its segments come (a segment that does
        not fit the schema leaves the writer unusable).
        """
        self._require_usable()
        first = self._progress.episodes
        if isinstance(episode, StreamedEpisode):
            self._write_streamed(episode)
            self._broken = False
            return first
        parts = split_episode(episode, self._limits.episode_frames)
        if len(parts) > 1:
            self._episode_columns(episode, first)  # the whole episode fits the schema
        for part in parts:
            self._write_part(part)
        self._broken = False
        return first

    def _write_streamed(self, episode: StreamedEpisode) -> None:
        """Each segment as one part, then every part's interop.json record (final meta)."""
        self._broken = True
        first, frames = self._progress.episodes, self._progress.frames
        shared: dict[str, Iterator[np.ndarray] | None] = dict.fromkeys(episode.videos)
        lengths: list[int] = []
        for segment in episode.segments(self._limits.episode_frames):
            videos = {key: _frames_of(episode.videos[key], shared, key, segment.length)
                      for key in episode.videos}
            piece = Episode(task=episode.task, length=segment.length, columns=segment.columns,
                            videos=videos, meta=episode.meta, robot_type=episode.robot_type)
            self._write_part(EpisodePart(piece, len(lengths), 0, 0, 0))
            lengths.append(segment.length)
        if not lengths:
            message = f'episode {first}: its segments held no frame'
            raise ExportError(message)
        robot_type = checked_robot_type(Episode(episode.task, 1, {}, meta=episode.meta,
                                                robot_type=episode.robot_type), first)
        for number, length in enumerate(lengths):
            record = cast(EpisodeRecord, {'robot_type': robot_type, **episode.meta})
            if len(lengths) > 1:
                part = EpisodePart(Episode(episode.task, length, {}), number, len(lengths),
                                   sum(lengths[:number]), sum(lengths))
                record['split'] = part.record(episode.meta.get('episode_id'))
            self._interop['episodes'][str(first + number)] = record
        if episode.length != self._progress.frames - frames:
            message = (f'episode {first}: its segments held {self._progress.frames - frames} '
                       f'frames, its length says {episode.length}')
            raise ExportError(message)

    def _episode_columns(self, episode: Episode, index: int) -> Columns:
        """The checked columns of an episode written as `index` (raises ExportError)."""
        task_index = self._task_index(episode.task)
        checked_robot_type(episode, index)
        return episode_columns(episode, self._features, self._fps, index,
                               self._progress.frames, task_index)

    def _write_part(self, part: EpisodePart) -> None:
        """Write one part (a whole episode, or one part of a split one); leaves the writer
        marked broken (write_episode clears that once every part is written)."""
        episode = part.episode
        index = self._progress.episodes
        columns = self._episode_columns(episode, index)
        robot_type = checked_robot_type(episode, index)
        self._broken = True  # until the episode is completely written
        task_index = self._task_index(episode.task)
        if task_index == len(self._tasks):
            self._tasks.append(episode.task)
        stats = episode_stats(columns, self._features)
        spans = self._encode_videos(episode, index, stats)
        table = pa.table({key: arrow_column(values, self._shape_of(key), self._dtype_of(key))
                          for key, values in columns.items()})
        data_slot = self._data.write(table)
        self._episodes.write(episode_row(index, episode.task, episode.length, data_slot,
                                         self._progress.frames, spans, stats))
        # An EpisodeRecord is the EpisodeMeta plus its robot (merged_from is merge's alone).
        record = cast(EpisodeRecord, {'robot_type': robot_type, **episode.meta})
        if part.is_split:
            record['split'] = part.record(episode.meta.get('episode_id'))
        self._interop['episodes'][str(index)] = record
        self._robot_types.append(robot_type)
        self._progress.episodes += 1
        self._progress.frames += episode.length

    def _encode_videos(self, episode: Episode, index: int,
                       stats: dict[str, FeatureStats]) -> dict[str, VideoSpan]:
        """Encode every camera of the episode, adding each one's statistics to `stats`."""
        spans = {}
        for key, camera in self._cameras.items():
            camera_stats = ImageStats(episode.length)
            spans[key] = camera.encode_episode(episode.videos[key](), episode.length, index,
                                               camera_stats.add)
            stats[key] = camera_stats.result()
            self._first_video_files.setdefault(
                key, self._root / video_path(key, spans[key].slot))
        return spans

    def _require_usable(self) -> None:
        if self._broken:
            message = (f'{self._root}: the writer failed while writing episode '
                       f'{self._progress.episodes}; its dataset is incomplete')
            raise ExportError(message)

    def _task_index(self, task: object) -> int:
        """The task's index: existing, or the next one (added once the episode is valid)."""
        if not isinstance(task, str) or not task.strip():
            message = (f'episode {self._progress.episodes} task {task!r}: expected a '
                       'non-empty string')
            raise ExportError(message)
        return self._tasks.index(task) if task in self._tasks else len(self._tasks)

    def _shape_of(self, key: str) -> tuple[int, ...]:
        return tuple(self._entries[key]['shape'])

    def _dtype_of(self, key: str) -> str:
        return str(self._entries[key]['dtype'])

    def abort(self) -> None:
        """Close every open file without writing metadata (the dataset stays incomplete).

        Errors while closing are ignored: the caller is already handling a failure and
        discards the output (write_dataset deletes its staging directory).
        """
        self._broken = True
        for close in (self._data.close, self._episodes.close,
                      *(camera.close for camera in self._cameras.values())):
            with contextlib.suppress(Exception):
                close()

    def _close_files(self) -> None:
        self._data.close()
        for camera in self._cameras.values():
            camera.close()
        self._episodes.close()

    def finalize(self, export_meta: ExportMeta,
                 modality: ModalityFile | None = None) -> WriteSummary:
        """Close the files and write info.json, stats.json, tasks.parquet, interop.json.

        Args:
            export_meta: dataset-level provenance of this export (exporter, bags, ...).
            modality: a GR00T modality.json (metadata.gr00t_modality) to write, or None.
        """
        self._require_usable()
        progress = self._progress
        if progress.episodes == progress.first_new_episode:
            message = f'{self._root}: no episode was written; nothing to finalize'
            raise ExportError(message)
        self._close_files()
        for key, path in self._first_video_files.items():
            if 'info' not in self._entries[key]:
                self._entries[key]['info'] = probe_video_info(path, self._options)
        metadata.write_json(self._root, INFO_PATH, self._info())
        write_tasks(self._root, self._tasks)
        metadata.write_stats(self._root,
                             aggregate_episode_stats(self._root, self._valid_keys()))
        metadata.write_json(self._root, INTEROP_PATH, self._interop_file(export_meta))
        if modality is not None:
            metadata.write_modality(self._root, modality)
        encoded = sum(camera.encoded_frames for camera in self._cameras.values())
        seconds = sum(camera.encode_seconds for camera in self._cameras.values())
        return WriteSummary(self._root, progress.episodes, progress.frames,
                            progress.episodes - progress.first_new_episode,
                            progress.frames - progress.first_new_frame, encoded, seconds)

    def _info(self) -> DatasetInfo:
        robot_type = metadata.join_robot_types([self._prior_robot_type, *self._robot_types])
        totals = (self._progress.episodes, self._progress.frames, len(self._tasks))
        return metadata.build_info(self._entries, self._fps, robot_type, totals, self._sizes_mb)

    def _interop_file(self, export_meta: ExportMeta) -> InteropFile:
        interop = self._interop
        interop['robots'] = metadata.split_robot_types([*interop['robots'], *self._robot_types])
        span = f'{self._progress.first_new_episode}:{self._progress.episodes}'
        # An ExportRecord is the ExportMeta plus its episodes (source is merge's alone).
        interop['exports'].append(cast(ExportRecord, {'episodes': span, **export_meta}))
        return interop


def _frames_of(source: FrameSource, shared: dict[str, Iterator[np.ndarray] | None], key: str,
               count: int) -> FrameSource:
    """The next `count` frames of a streamed episode's camera (its source called once)."""
    def frames() -> Iterator[np.ndarray]:
        if shared[key] is None:
            shared[key] = iter(source())
        return itertools.islice(cast(Iterator[np.ndarray], shared[key]), count)
    return frames
