"""Read a dataset once, episode by episode, and feed every certify check.

    dataset = load_dataset_input('out/g1_pick')
    results = run_checks(dataset, all_checks())

Data parquet files are read one row group at a time with pyarrow and split into episodes (an
episode continued in the next row group or file is joined before it is handed on); each
episode's masks are expanded to its value features with meta/interop.json `valid_keys` (a mask
of k columns covers a feature of m*k columns, as dataset/features.expand_validity); its camera
summaries come from a child process decoding the MP4s beside the checks (video_worker.py), its
frames are decoded with PyAV only when a check asks for them. A check with a `prepare(dataset)`
method is told before the pass begins (checks_format.py starts validating beside it). An
exception inside one check becomes that check's failed result naming the error; the other
checks go on. A check whose object has `reads_episodes = False` (dataset-level: format,
provenance) keeps its result when the episode pass stops early; any other check fails then,
saying which read failed.

Observers (`run_checks(..., observers=...)`, e.g. the HTML report's collector) see every episode
in the same pass, right after the checks. An observer is not a check: its exception is not a
check result but stops the pass, raised as CertifyError naming the observer and the episode.
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Generator, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from interop_bridge.canonical import load_canonical
from interop_bridge.certify.model import Check, CheckResult, DatasetInput, EpisodeData
from interop_bridge.certify.video_files import VideoFiles
from interop_bridge.certify.video_luma import luma_blocks
from interop_bridge.certify.video_worker import VideoWorker, episode_windows
from interop_bridge.dataset import metadata
from interop_bridge.dataset.arrow_values import numeric_array
from interop_bridge.dataset.episodes_table import STATS_PREFIX, episode_files
from interop_bridge.dataset.features import DEFAULT_FEATURE_KEYS, MASK_PREFIX
from interop_bridge.dataset.joint_layout import canonical_layout, widen_columns
from interop_bridge.dataset.layout import (DATA_DIR, INTEROP_PATH, STATS_PATH, FileSlot,
                                           video_path)
from interop_bridge.dataset.parquet_io import column_values, read_file, read_parquet_dir
from interop_bridge.errors import CertifyError, ExportError
from interop_bridge.profile import Profile, load_profile, shipped_profiles

READ_ERRORS = (ExportError, OSError, ValueError, KeyError, TypeError, pa.ArrowException)


class EpisodeObserver(Protocol):
    """Something fed every episode after the checks (report collectors); it grades nothing."""

    def episode(self, data: EpisodeData, dataset: DatasetInput) -> None:
        """Look at one episode."""


def load_dataset_input(root: str | Path, profile: Profile | None = None) -> DatasetInput:
    """The dataset's metadata; CertifyError when meta/info.json cannot be read.

    `profile` (from --profile) is the robot's profile for every episode; without it an
    episode's robot_type names a shipped profile, or the physics checks that need one skip.
    """
    root = Path(root)
    if not root.is_dir():
        msg = f'{root}: no such dataset directory'
        raise CertifyError(msg)
    try:
        info: Mapping[str, Any] = metadata.load_info(root)
        fps = int(info['fps'])
        features: Mapping[str, Any] = info['features']
    except (ExportError, KeyError, TypeError, ValueError) as err:
        msg = f'{root}: not a readable LeRobot dataset ({type(err).__name__}: {err})'
        raise CertifyError(msg) from err
    cameras = tuple(key for key, entry in features.items() if entry.get('dtype') == 'video')
    joints = _joint_layout(features)
    return DatasetInput(root=root, info=info, interop=_optional_json(root, INTEROP_PATH),
                        stats=_optional_json(root, STATS_PATH), fps=fps, camera_keys=cameras,
                        profile=profile, joints=joints)


def _joint_layout(features: Mapping[str, Any]) -> tuple[int, ...] | None:
    """The canonical joints the dataset stores; None when its joint features are not named by
    canonical joints, or badly (format.info fails then, naming why: validate reads the same).
    """
    try:
        return canonical_layout(features, load_canonical())
    except ExportError:  # reported by format.info, which runs the same check
        return None


def _optional_json(root: Path, relative: str) -> dict[str, Any]:
    """A JSON object file of the dataset, {} when it is missing."""
    if not (root / relative).is_file():
        return {}
    content = json.loads((root / relative).read_text())
    if not isinstance(content, dict):
        msg = f'{root / relative}: holds a JSON {type(content).__name__}, expected an object'
        raise CertifyError(msg)
    return content


def episode_rows(root: Path) -> dict[int, dict[str, Any]]:
    """meta/episodes rows without statistics, by episode index."""
    rows: dict[int, dict[str, Any]] = {}
    for path in episode_files(root):
        names = [name for name in pq.read_schema(path).names if not name.startswith(STATS_PREFIX)]
        for row in read_file(path, names).to_pylist():
            rows[int(row['episode_index'])] = row
    return rows


def iter_episodes(dataset: DatasetInput) -> Generator[EpisodeData, None, None]:
    """Every episode of the dataset, in data order (one row group in memory at a time).

    Camera summaries come from a child process decoding every camera's MP4s in order while
    the checks run (video_worker.py); camera frames, and any summary the child has not, from
    one decoder per camera going through its MP4 in order (video_files.py). When the pass
    ends, the MP4s decoded whole have their frame counts in `dataset.decoded_frames`
    (format.video_frames takes them instead of decoding again).
    """
    rows = episode_rows(dataset.root)
    profiles: dict[str, Profile | None] = {}
    videos = VideoFiles(dataset.root, dataset.fps, dataset.decoded_frames)
    worker = VideoWorker(dataset.root, dataset.fps, episode_windows(rows, dataset.camera_keys))
    pending: list[pa.Table] = []
    completed = False
    try:
        for table in _row_groups(dataset.root / DATA_DIR):
            episodes = column_values(table, 'episode_index').astype(np.int64)
            for index in dict.fromkeys(episodes.tolist()):
                part = _rows_of(table, episodes == index)
                if pending and _episode_of(pending[0]) != index:
                    yield _summarized(_episode(dataset, pa.concat_tables(pending), rows,
                                               profiles, videos), worker)
                    pending = []
                pending.append(part)
        if pending:
            yield _summarized(_episode(dataset, pa.concat_tables(pending), rows, profiles,
                                       videos), worker)
        completed = True
    finally:
        videos.close()
        counts = worker.finish() if completed else {}
        worker.close()
        for relative, count in counts.items():
            dataset.decoded_frames.setdefault(relative, count)


def _summarized(data: EpisodeData, worker: VideoWorker) -> EpisodeData:
    """The episode with its camera summaries taken from the video worker (bound to its index,
    not to the episode: no reference cycle keeps an episode's columns after the pass)."""
    data.camera_summary = functools.partial(worker.summary, episode=data.index)
    return data


def _rows_of(table: pa.Table, chosen: np.ndarray) -> pa.Table:
    """The chosen rows: a zero-copy slice when they are contiguous (an episode's rows in its
    row group, the normal case), else a filter (which imports pyarrow.compute)."""
    positions = np.flatnonzero(chosen)
    first, count = int(positions[0]), int(positions.size)
    if int(positions[-1]) - first + 1 == count:
        return table.slice(first, count)
    return table.filter(numeric_array(chosen))


def _row_groups(data_dir: Path) -> Iterator[pa.Table]:
    """Every row group of the data files in order (the writer puts one episode in each), so
    memory holds one episode, not one data file: flat in the dataset's length."""
    for path in read_parquet_dir(data_dir):
        with pq.ParquetFile(path) as parquet:
            for group in range(parquet.num_row_groups):
                yield parquet.read_row_group(group)


def _episode_of(table: pa.Table) -> int:
    return int(column_values(table, 'episode_index')[0])


def _episode(dataset: DatasetInput, table: pa.Table, rows: Mapping[int, Mapping[str, Any]],
             profiles: dict[str, Profile | None], videos: VideoFiles) -> EpisodeData:
    index = _episode_of(table)
    row = rows.get(index, {})
    record = _records(dataset).get(str(index), {})
    robot = record.get('robot_type') or dataset.info.get('robot_type')
    columns = episode_columns(table)
    if dataset.joints is not None:  # the checks read joints at their canonical indices
        columns = widen_columns(columns, dataset.joints, len(load_canonical().joint_names))
    return EpisodeData(
        index=index, length=table.num_rows, task=_task(row), robot_type=robot,
        profile=dataset.profile or _profile(robot, profiles), columns=columns,
        valid=expanded_masks(columns, dataset.interop.get('valid_keys') or {}),
        record=record,
        frames=lambda key: (frame.to_ndarray(format='rgb24')
                            for frame in episode_frames(dataset, row, key, videos)),
        luma=lambda key: luma_blocks(episode_frames(dataset, row, key, videos)))


def _records(dataset: DatasetInput) -> Mapping[str, Any]:
    records = dataset.interop.get('episodes')
    return records if isinstance(records, Mapping) else {}


def _task(row: Mapping[str, Any]) -> str:
    tasks = row.get('tasks') or []
    return str(tasks[0]) if len(tasks) else ''


def _profile(robot: str | None, profiles: dict[str, Profile | None]) -> Profile | None:
    if robot is None:
        return None
    if robot not in profiles:
        profiles[robot] = load_profile(robot) if robot in shipped_profiles() else None
    return profiles[robot]


def episode_columns(table: pa.Table) -> dict[str, np.ndarray]:
    """Default columns as (frames,), every float feature as (frames, width) float64."""
    columns: dict[str, np.ndarray] = {}
    for name in table.column_names:
        values = column_values(table, name)
        if name in DEFAULT_FEATURE_KEYS:
            columns[name] = values
        elif np.issubdtype(values.dtype, np.floating):
            columns[name] = values.astype(np.float64).reshape(table.num_rows, -1)
    return columns


def expanded_masks(columns: Mapping[str, np.ndarray],
                   valid_keys: Mapping[str, str | None]) -> dict[str, np.ndarray]:
    """feature -> (frames, width) bool validity, for every value feature that has a mask.

    Without `valid_keys` (a dataset not written by interop), `valid.<key>` masks `<key>`.
    """
    pairs = dict(valid_keys) or {key[len(MASK_PREFIX):]: key for key in columns
                                 if key.startswith(MASK_PREFIX)}
    valid: dict[str, np.ndarray] = {}
    for key, mask_key in pairs.items():
        if mask_key is None or key not in columns or mask_key not in columns:
            continue
        mask, width = columns[mask_key] >= 0.5, columns[key].shape[1]
        if width % mask.shape[1]:
            msg = (f'{mask_key} has {mask.shape[1]} columns, which do not divide the '
                   f'{width} columns of {key}')
            raise CertifyError(msg)
        valid[key] = np.repeat(mask, width // mask.shape[1], axis=1)
    return valid


def episode_frames(dataset: DatasetInput, row: Mapping[str, Any], key: str,
                   videos: VideoFiles) -> Iterator[Any]:
    """The episode's decoded frames (PyAV VideoFrames) of camera `key`, in order."""
    if key not in dataset.camera_keys:
        msg = f'{key}: not a camera of the dataset ({", ".join(dataset.camera_keys)})'
        raise CertifyError(msg)
    slot = FileSlot(int(row[f'videos/{key}/chunk_index']), int(row[f'videos/{key}/file_index']))
    window = (float(row[f'videos/{key}/from_timestamp']),
              float(row[f'videos/{key}/to_timestamp']))
    yield from videos.window(key, video_path(key, slot), window)


def run_checks(dataset: DatasetInput, checks: Sequence[Check],
               observers: Sequence[EpisodeObserver] = ()) -> list[CheckResult]:
    """One pass over the episodes feeding every check (then every observer), then every check's
    result in order; CertifyError when an observer raises (see the module docstring)."""
    errors: dict[int, str] = {}
    _prepare(dataset, checks, errors)
    read_error = _feed(dataset, checks, errors, observers)
    results = []
    for number, check in enumerate(checks):
        if number in errors:
            results.append(_failed(check, errors[number]))
            continue
        try:
            result = check.result(dataset)
        except Exception as err:  # a check's bug or unexpected data: its FAIL, named
            results.append(_failed(check, f'result: {type(err).__name__}: {err}'))
            continue
        if read_error is not None and getattr(check, 'reads_episodes', True):
            result = CheckResult(check.spec.id, False, result.figure, result.unit,
                                 f'not every episode was read ({read_error}); on the '
                                 f'episodes read: {result.detail}', result.findings)
        results.append(result)
    return results


def _prepare(dataset: DatasetInput, checks: Sequence[Check], errors: dict[int, str]) -> None:
    """Tell the checks that have a `prepare` the pass begins (the format group starts
    validating beside it); its exception is that check's FAIL."""
    for number, check in enumerate(checks):
        prepare = getattr(check, 'prepare', None)
        if prepare is None:
            continue
        try:
            prepare(dataset)
        except Exception as err:  # reported as that check's FAIL
            errors[number] = f'prepare: {type(err).__name__}: {err}'


def _feed(dataset: DatasetInput, checks: Sequence[Check], errors: dict[int, str],
          observers: Sequence[EpisodeObserver] = ()) -> str | None:
    """Hand every episode to every check not yet failed, then to every observer; the read
    error that stopped it."""
    try:
        with contextlib.closing(iter_episodes(dataset)) as episodes:
            for data in episodes:
                _feed_one(data, dataset, checks, errors, observers)
    except READ_ERRORS as err:
        return f'{type(err).__name__}: {err}'
    return None


def _feed_one(data: EpisodeData, dataset: DatasetInput, checks: Sequence[Check],
              errors: dict[int, str], observers: Sequence[EpisodeObserver]) -> None:
    for number, check in enumerate(checks):
        if number in errors:
            continue
        try:
            check.episode(data, dataset)
        except Exception as err:  # reported as that check's FAIL
            errors[number] = f'episode {data.index}: {type(err).__name__}: {err}'
    for observer in observers:
        _observe(observer, data, dataset)


def _observe(observer: EpisodeObserver, data: EpisodeData, dataset: DatasetInput) -> None:
    try:
        observer.episode(data, dataset)
    except Exception as err:  # not a check result: it stops the pass, named
        msg = (f'{type(observer).__name__} failed on episode {data.index}: '
               f'{type(err).__name__}: {err}')
        raise CertifyError(msg) from err


def _failed(check: Check, detail: str) -> CheckResult:
    return CheckResult(check.spec.id, False, None, '', f'check error: {detail}')
