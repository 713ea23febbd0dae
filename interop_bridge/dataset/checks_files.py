"""Validation checks of a dataset's data parquet files and MP4 videos.

These catch what LeRobot's loader misses until training is under way: off-grid timestamps,
videos with fewer frames than rows, gaps between concatenated episodes, broken indices.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import numpy as np

from interop_bridge.dataset.view import TOLERANCE_S, DatasetView
from interop_bridge.dataset.layout import FileSlot, slot_of, video_path
from interop_bridge.dataset.parquet_io import column_values
from interop_bridge.errors import CheckFailed


def check_row_groups(view: DatasetView) -> str:
    """One row group per episode, in the data file its episode row names."""
    by_episode = {row['episode_index']: row for row in view.episodes}
    seen: set[int] = set()
    for group in view.row_groups():
        episodes = sorted(set(group.table.column('episode_index').to_pylist()))
        where = f'{group.slot_text} row group {group.index}'
        if len(episodes) != 1:
            msg = (f'{where} holds episodes {episodes}; expected exactly one '
                   '(LeRobot writes one row group per episode)')
            raise CheckFailed(msg)
        episode = episodes[0]
        if episode in seen:
            msg = f'{where}: episode {episode} is split over several row groups'
            raise CheckFailed(msg)
        seen.add(episode)
        row = by_episode.get(episode)
        if row is None:
            msg = f'{where}: episode {episode} has no row in meta/episodes'
            raise CheckFailed(msg)
        named = FileSlot(row['data/chunk_index'], row['data/file_index'])
        if named != slot_of(group.path):
            msg = (f'{where}: episode {episode} is here, but meta/episodes names '
                   f'data chunk {named.chunk_index} file {named.file_index}')
            raise CheckFailed(msg)
    missing = sorted(set(by_episode) - seen)
    if missing:
        msg = f'episodes {missing[:5]} have no rows in data/'
        raise CheckFailed(msg)
    return f'{len(seen)} row groups, one per episode'


def check_data_indices(view: DatasetView) -> str:
    """Global index contiguous from 0, frame_index 0..n-1, rows match episode ranges/tasks."""
    by_episode = {row['episode_index']: row for row in view.episodes}
    frame = view.tasks_frame
    task_index = {task: int(index)
                  for task, index in zip(frame.index, frame.columns['task_index'], strict=True)}
    expected_index = 0
    for group in view.row_groups():
        columns = {name: column_values(group.table, name) for name in group.table.column_names}
        rows = len(columns['index'])
        where = f'{group.slot_text} row group {group.index}'
        if not np.array_equal(columns['index'], np.arange(expected_index, expected_index + rows)):
            msg = (f'{where}: index starts at {columns["index"][:1].tolist()} and is '
                   f'not contiguous from {expected_index}')
            raise CheckFailed(msg)
        episode = by_episode.get(int(columns['episode_index'][0]), {})
        if (episode.get('dataset_from_index'), episode.get('dataset_to_index')) != (
                expected_index, expected_index + rows):
            msg = (f'{where}: rows {expected_index}:{expected_index + rows} but the '
                   f'episode row says {episode.get("dataset_from_index")}:'
                   f'{episode.get("dataset_to_index")}')
            raise CheckFailed(msg)
        if not np.array_equal(columns['frame_index'], np.arange(rows)):
            msg = f'{where}: frame_index is not 0..{rows - 1}'
            raise CheckFailed(msg)
        wanted = task_index.get(episode['tasks'][0])
        if not (columns['task_index'] == wanted).all():
            msg = (f'{where}: task_index {sorted(set(columns["task_index"]))} but the '
                   f'episode\'s task {episode["tasks"][0]!r} has index {wanted}')
            raise CheckFailed(msg)
        expected_index += rows
    if expected_index != view.info['total_frames']:
        msg = (f'data/ has {expected_index} rows, info.json total_frames is '
               f'{view.info["total_frames"]}')
        raise CheckFailed(msg)
    return f'{expected_index} rows, global index and frame_index contiguous'


def grid_error(stamps: np.ndarray, frame_index: np.ndarray, fps: int) -> np.ndarray:
    """How far each timestamp is from frame_index / fps, in seconds.

    The grid is taken at float32 precision, as LeRobot stores and compares timestamps (its
    own float32 rounding reaches 2e-4 s after about an hour), so only real offsets count.
    """
    grid = (frame_index / fps).astype(np.float32).astype(np.float64)
    return np.abs(np.asarray(stamps, dtype=np.float64) - grid)


def check_timestamps(view: DatasetView) -> str:
    """timestamp == frame_index / fps within LeRobot's 1e-4 s for every row."""
    fps = view.fps
    for group in view.row_groups():
        stamps = column_values(group.table, 'timestamp').astype(np.float64)
        grid = column_values(group.table, 'frame_index') / fps
        error = grid_error(stamps, column_values(group.table, 'frame_index'), fps)
        if (error > TOLERANCE_S).any():
            worst = int(np.argmax(error))
            episode = group.table.column('episode_index')[worst].as_py()
            msg = (f'{group.slot_text} episode {episode} frame {worst}: timestamp '
                   f'{stamps[worst]:.6f} s is {error[worst]:.6f} s off the grid frame_index/fps '
                   f'({grid[worst]:.6f} s, tolerance {TOLERANCE_S:g} s); video decoding would '
                   'fail')
            raise CheckFailed(msg)
    return f'every timestamp on the 1/{fps} s grid (tolerance {TOLERANCE_S:g} s)'


def _episodes_by_video_file(view: DatasetView, key: str
                            ) -> Iterator[tuple[FileSlot, list[dict[str, Any]]]]:
    files: dict[FileSlot, list[dict[str, Any]]] = {}
    for row in view.episodes:
        slot = FileSlot(row[f'videos/{key}/chunk_index'], row[f'videos/{key}/file_index'])
        files.setdefault(slot, []).append(row)
    yield from files.items()


def check_video_offsets(view: DatasetView) -> str:
    """Per camera and file: episodes back to back from 0 s, each spanning length / fps."""
    fps, files = view.fps, 0
    for key in view.video_keys:
        for slot, rows in _episodes_by_video_file(view, key):
            files += 1
            name = video_path(key, slot)
            previous_end = 0.0
            for row in rows:
                start = row[f'videos/{key}/from_timestamp']
                end = row[f'videos/{key}/to_timestamp']
                where = f'{key} episode {row["episode_index"]}'
                if abs(start - previous_end) > TOLERANCE_S:
                    msg = (f'{where}: from_timestamp {start:.6f} s, expected '
                           f'{previous_end:.6f} s (where the previous episode in '
                           f'{name} ends)')
                    raise CheckFailed(msg)
                if abs((end - start) * fps - row['length']) > TOLERANCE_S * fps:
                    msg = (f'{where}: spans {(end - start) * fps:.3f} frames of '
                           f'{name}, but has {row["length"]} rows')
                    raise CheckFailed(msg)
                previous_end = end
    return f'{len(view.video_keys)} cameras, {files} files, offsets contiguous'


def check_video_frames(view: DatasetView) -> str:
    """Each MP4 decodes to exactly the rows of its episodes, at the dataset's fps and size."""
    checked = 0
    for key in view.video_keys:
        shape = tuple(view.info['features'][key]['shape'])
        for slot, rows in _episodes_by_video_file(view, key):
            path = view.root / video_path(key, slot)
            expected = sum(row['length'] for row in rows)
            _check_stream(path, view, shape)
            decoded = view.decoded_frame_count(path)
            if decoded != expected:
                msg = (f'{view.relative(path)} decodes to {decoded} frames, its '
                       f'episodes have {expected} rows')
                raise CheckFailed(msg)
            checked += 1
    return f'{checked} MP4 files decode to exactly one frame per row'


def _check_stream(path: Path, view: DatasetView, shape: tuple[int, ...]) -> None:
    if not path.is_file():
        msg = f'{view.relative(path)} is missing'
        raise CheckFailed(msg)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        rate = stream.average_rate or stream.base_rate
        if rate is None or abs(float(rate) - view.fps) > 1e-3:
            msg = f'{view.relative(path)}: frame rate {rate}, expected {view.fps}'
            raise CheckFailed(msg)
        if (stream.height, stream.width) != shape[:2]:
            msg = (f'{view.relative(path)}: frames {stream.height}x{stream.width}, '
                   f'the feature declares {shape[0]}x{shape[1]}')
            raise CheckFailed(msg)
