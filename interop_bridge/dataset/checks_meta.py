"""Validation checks of a dataset's metadata: info.json, tasks, episodes, statistics.

Each check takes a DatasetView, returns a one-line summary when it passes and raises
CheckFailed with what is wrong and where when it does not.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from interop_bridge.canonical import load_canonical
from interop_bridge.dataset import metadata
from interop_bridge.dataset.joint_layout import canonical_layout
from interop_bridge.dataset.arrow_values import list_values, numpy_values
from interop_bridge.dataset.view import DatasetView
from interop_bridge.dataset.layout import CODEBASE_VERSION, STATS_PATH, TASKS_PATH
from interop_bridge.dataset.stats import IMAGE_STAT_SHAPE, STAT_KEYS
from interop_bridge.errors import CheckFailed

INFO_KEYS = ('codebase_version', 'robot_type', 'total_episodes', 'total_frames', 'total_tasks',
             'chunks_size', 'data_files_size_in_mb', 'video_files_size_in_mb', 'fps', 'splits',
             'data_path', 'video_path', 'features')
OPTIONAL_INFO_KEYS = ('tools',)


def check_info(view: DatasetView) -> str:
    """info.json: version, LeRobot's keys only, integer fps, default columns, video_path, and
    joint features named by canonical joints in canonical order, the same joints in each."""
    info = view.info
    if info.get('codebase_version') != CODEBASE_VERSION:
        msg = (f'codebase_version is {info.get("codebase_version")!r}, '
               f'expected {CODEBASE_VERSION!r}')
        raise CheckFailed(msg)
    missing = [key for key in INFO_KEYS if key not in info]
    unknown = [key for key in info if key not in INFO_KEYS + OPTIONAL_INFO_KEYS]
    if missing or unknown:
        msg = (f'info.json keys: missing {missing}, not LeRobot\'s {unknown} '
               '(LeRobot drops unknown keys when it rewrites info.json)')
        raise CheckFailed(msg)
    fps = info['fps']
    if not isinstance(fps, int) or isinstance(fps, bool) or fps <= 0:
        msg = f'fps is {fps!r}, expected a positive integer'
        raise CheckFailed(msg)
    for key, expected in metadata.DEFAULT_FEATURES.items():
        entry = info['features'].get(key)
        if entry is None or entry.get('dtype') != expected['dtype'] \
                or list(entry.get('shape', [])) != expected['shape']:
            msg = (f'feature {key!r} is {entry!r}, expected dtype '
                   f'{expected["dtype"]} shape {expected["shape"]}')
            raise CheckFailed(msg)
    slashed = [key for key in info['features'] if '/' in key]
    if slashed:
        msg = f'feature keys must not contain "/": {slashed}'
        raise CheckFailed(msg)
    if bool(view.video_keys) != (info['video_path'] is not None):
        msg = f'video_path is {info["video_path"]!r} with cameras {view.video_keys}'
        raise CheckFailed(msg)
    if info['splits'] != {'train': f'0:{info["total_episodes"]}'}:
        msg = (f'splits is {info["splits"]!r}, expected '
               f'{{"train": "0:{info["total_episodes"]}"}}')
        raise CheckFailed(msg)
    joints = canonical_layout(info['features'], load_canonical())  # raises on a bad layout
    stored = '' if joints is None else f', {len(joints)} canonical joints stored'
    return (f'v3.0, fps {fps}, {len(info["features"])} features, robot '
            f'{info["robot_type"]!r}{stored}')


def check_tasks(view: DatasetView) -> str:
    """tasks.parquet: pandas index 'task' of strings, task_index 0..n-1, total_tasks."""
    frame = view.tasks_frame
    if frame.index_name != 'task':
        msg = (f'{TASKS_PATH} has no pandas index named "task" (index '
               f'{frame.index_name!r}, columns {list(frame.columns)}); LeRobot would '
               'return the task index instead of the task string')
        raise CheckFailed(msg)
    if list(frame.columns) != ['task_index']:
        msg = (f'{TASKS_PATH} columns are {list(frame.columns)}, expected '
               "['task_index']")
        raise CheckFailed(msg)
    not_text = [task for task in frame.index if not isinstance(task, str) or not task]
    if not_text:
        msg = f'{TASKS_PATH} tasks must be non-empty strings, got {not_text[:3]!r}'
        raise CheckFailed(msg)
    indices = frame.columns['task_index']
    if sorted(indices) != list(range(len(frame))):
        msg = f'{TASKS_PATH} task_index values {indices} are not 0..{len(frame) - 1}'
        raise CheckFailed(msg)
    if view.info['total_tasks'] != len(frame):
        msg = (f'info.json total_tasks is {view.info["total_tasks"]}, '
               f'{TASKS_PATH} has {len(frame)} tasks')
        raise CheckFailed(msg)
    return f'{len(frame)} tasks, pandas index "task"'


def check_episodes(view: DatasetView) -> str:
    """Episode rows: contiguous indices, lengths, global row ranges, tasks, totals."""
    rows, info = view.episodes, view.info
    known_tasks = set(view.tasks_frame.index)
    next_from = 0
    for position, row in enumerate(rows):
        where = f'{view.relative(row["_file"])} episode {row["episode_index"]}'
        if row['episode_index'] != position:
            msg = (f'{where}: episode_index {row["episode_index"]} at position '
                   f'{position}; indices must be contiguous from 0')
            raise CheckFailed(msg)
        if row['dataset_from_index'] != next_from \
                or row['dataset_to_index'] - row['dataset_from_index'] != row['length']:
            msg = (f'{where}: rows {row["dataset_from_index"]}:'
                   f'{row["dataset_to_index"]} for length {row["length"]}, '
                   f'expected {next_from}:{next_from + row["length"]}')
            raise CheckFailed(msg)
        unknown = [task for task in row['tasks'] if task not in known_tasks]
        if unknown or not row['tasks']:
            msg = f'{where}: tasks {row["tasks"]!r} not in {TASKS_PATH}'
            raise CheckFailed(msg)
        next_from = row['dataset_to_index']
    if info['total_episodes'] != len(rows):
        msg = (f'info.json total_episodes is {info["total_episodes"]}, '
               f'meta/episodes has {len(rows)} episodes')
        raise CheckFailed(msg)
    if info['total_frames'] != next_from:
        msg = (f'info.json total_frames is {info["total_frames"]}, the episodes\' '
               f'lengths sum to {next_from}')
        raise CheckFailed(msg)
    return f'{len(rows)} episodes, {next_from} frames, contiguous indices and row ranges'


def check_stats(view: DatasetView) -> str:
    """stats.json and the per-episode stats columns: every feature, all ten keys, finite."""
    stats = metadata.read_object(view.root, STATS_PATH)
    for key, entry in view.info['features'].items():
        if entry['dtype'] in ('string', 'language'):
            continue
        _check_feature_stats(stats.get(key), key, entry['dtype'] == 'video', 'meta/stats.json')
    for path, table in view.episode_stats_tables():
        for key, entry in view.info['features'].items():
            for stat in STAT_KEYS:
                column = f'stats/{key}/{stat}'
                if column not in table.column_names:
                    msg = f'{view.relative(path)}: column {column!r} is missing'
                    raise CheckFailed(msg)
                _require_finite_column(table, column, view.relative(path))
    return f'{len(stats)} features with {len(STAT_KEYS)} finite statistics, per episode too'


def _check_feature_stats(stats: object, key: str, is_camera: bool, where: str) -> None:
    if stats is None:
        msg = f'{where}: no statistics for {key!r}'
        raise CheckFailed(msg)
    if not isinstance(stats, dict):
        msg = f'{where}: statistics of {key!r} are {stats!r}, expected an object'
        raise CheckFailed(msg)
    missing = [stat for stat in STAT_KEYS if stat not in stats]
    if missing:
        msg = f'{where}: {key} lacks {missing}'
        raise CheckFailed(msg)
    for stat in STAT_KEYS:
        value = np.asarray(stats[stat], dtype=np.float64)
        if not np.isfinite(value).all():
            msg = f'{where}: {key}/{stat} is not finite ({stats[stat]!r})'
            raise CheckFailed(msg)
        if is_camera and stat != 'count' and value.shape != IMAGE_STAT_SHAPE:
            msg = (f'{where}: {key}/{stat} has shape {value.shape}, expected '
                   f'{IMAGE_STAT_SHAPE}')
            raise CheckFailed(msg)


def _require_finite_column(table: pa.Table, column: str, where: str) -> None:
    values = table.column(column).combine_chunks()
    while pa.types.is_list(values.type) or pa.types.is_fixed_size_list(values.type):
        values = list_values(values)
    numbers = numpy_values(values).astype(np.float64)
    if not np.isfinite(numbers).all() or values.null_count:
        msg = f'{where}: {column} holds a non-finite or missing value'
        raise CheckFailed(msg)
