"""meta/episodes/chunk-XXX/file-YYY.parquet: one row per episode with offsets and statistics.

Columns, as LeRobot writes them: episode_index, tasks (list of strings), length,
data/chunk_index, data/file_index, dataset_from_index, dataset_to_index, for every camera
videos/<key>/chunk_index, file_index, from_timestamp, to_timestamp, then
meta/episodes/chunk_index, file_index, and the per-episode statistics flattened as
stats/<feature>/<stat> (lists of float64; `count` a list of int64; camera statistics nested
(3, 1, 1) lists).

`aggregate_episode_stats(root, valid_keys)` turns the per-episode statistics of every
episodes file into the dataset statistics (meta/stats.json): it reads them once, one feature
(and its validity feature) at a time, and aggregates each feature in one pass.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from interop_bridge.errors import ExportError
from interop_bridge.dataset.arrow_values import (list_values, numpy_values,
                                                 table_from_rows)
from interop_bridge.dataset.layout import EPISODES_DIR, FileSlot, episodes_path
from interop_bridge.dataset.parquet_io import RollingParquetWriter, read_file, read_parquet_dir
from interop_bridge.dataset.stats import STAT_KEYS, FeatureStats, StackedStats, feature_stats
from interop_bridge.dataset.video import VideoSpan

Row = dict[str, Any]
STATS_PREFIX = 'stats/'
SLOT_COLUMNS = ('meta/episodes/chunk_index', 'meta/episodes/file_index')
BATCH_ROWS = 1000  # episode rows per row group of a meta/episodes file


def episodes_schema(stat_features: Mapping[str, bool], video_keys: Sequence[str]) -> pa.Schema:
    """The episodes-parquet schema.

    Args:
        stat_features: feature key -> whether it is a camera ((3, 1, 1) statistics), in order.
        video_keys: the camera feature keys.
    """
    fields = [('episode_index', pa.int64()), ('tasks', pa.list_(pa.string())),
              ('length', pa.int64()), ('data/chunk_index', pa.int64()),
              ('data/file_index', pa.int64()), ('dataset_from_index', pa.int64()),
              ('dataset_to_index', pa.int64())]
    for key in video_keys:
        fields += [(f'videos/{key}/chunk_index', pa.int64()),
                   (f'videos/{key}/file_index', pa.int64()),
                   (f'videos/{key}/from_timestamp', pa.float64()),
                   (f'videos/{key}/to_timestamp', pa.float64())]
    fields += [('meta/episodes/chunk_index', pa.int64()), ('meta/episodes/file_index', pa.int64())]
    for key, is_camera in stat_features.items():
        value = pa.list_(pa.list_(pa.list_(pa.float64()))) if is_camera else pa.list_(pa.float64())
        for stat in STAT_KEYS:
            fields.append((f'{STATS_PREFIX}{key}/{stat}',
                           pa.list_(pa.int64()) if stat == 'count' else value))
    return pa.schema(fields)


def episode_row(episode_index: int, task: str, length: int, data_slot: FileSlot,
                dataset_from_index: int, videos: Mapping[str, VideoSpan],
                stats: Mapping[str, FeatureStats]) -> Row:
    """One episode's row (the meta/episodes slot is filled in by `EpisodesWriter`)."""
    row: Row = {'episode_index': episode_index, 'tasks': [task], 'length': length,
                'data/chunk_index': data_slot.chunk_index,
                'data/file_index': data_slot.file_index,
                'dataset_from_index': dataset_from_index,
                'dataset_to_index': dataset_from_index + length}
    for key, span in videos.items():
        row.update({f'videos/{key}/chunk_index': span.slot.chunk_index,
                    f'videos/{key}/file_index': span.slot.file_index,
                    f'videos/{key}/from_timestamp': span.from_timestamp,
                    f'videos/{key}/to_timestamp': span.to_timestamp})
    for key, values in stats.items():
        for stat, value in values.items():
            row[f'{STATS_PREFIX}{key}/{stat}'] = np.asarray(value).tolist()
    return row


class EpisodesWriter:
    """Writes episode rows into meta/episodes files, rolling over by size like data files.

    Rows are written `BATCH_ROWS` at a time, each batch one row group (a merge of thousands
    of episodes writes a few row groups, not one per episode); `close` writes the rest.
    """

    def __init__(self, root: Path, schema: pa.Schema, limit_bytes: int,
                 first_slot: FileSlot) -> None:
        self._schema = schema
        self._files = RollingParquetWriter(root, episodes_path, schema, limit_bytes, first_slot)
        self._pending: list[Row] = []
        self._pending_slot = first_slot
        self._row_bytes: int | None = None

    def write(self, row: Row) -> None:
        """Add one episode row (written with its batch).

        A row's size, which decides a roll-over, is that of the first row's own columns
        (without the meta/episodes slot it is given here; every row has the same statistics
        columns). Built with arrow_values, not `pa.Table.from_pylist`, which imports pandas.
        """
        if self._row_bytes is None:
            table = table_from_rows([row], self._schema)
            self._row_bytes = sum(table.column(name).nbytes for name in table.column_names
                                  if name not in SLOT_COLUMNS and name in row)
        pending_bytes = len(self._pending) * self._row_bytes
        if self._pending and self._files.overflows(pending_bytes + self._row_bytes):
            self._flush()
        if not self._pending:
            self._pending_slot = self._files.prepare(self._row_bytes)
        slot = self._pending_slot
        self._pending.append({**row, SLOT_COLUMNS[0]: slot.chunk_index,
                              SLOT_COLUMNS[1]: slot.file_index})
        if len(self._pending) >= BATCH_ROWS:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._files.append(table_from_rows(self._pending, self._schema))
            self._pending = []

    def close(self) -> None:
        """Write the rows left and finish the open file."""
        try:
            self._flush()
        finally:
            self._files.close()


def episode_files(root: Path) -> list[Path]:
    """The episodes-parquet files in order."""
    return read_parquet_dir(root / EPISODES_DIR)


def iter_episode_rows(root: Path) -> Iterator[Row]:
    """Every episode row of a dataset, statistics included, one file in memory at a time."""
    for path in episode_files(root):
        yield from read_file(path).to_pylist()


def row_stats(row: Mapping[str, Any]) -> dict[str, FeatureStats]:
    """The per-episode statistics of a row, as numpy arrays."""
    stats: dict[str, FeatureStats] = {}
    for column, value in row.items():
        if column.startswith(STATS_PREFIX):
            key, stat = column[len(STATS_PREFIX):].rsplit('/', 1)
            dtype = np.int64 if stat == 'count' else np.float64
            stats.setdefault(key, {})[stat] = np.asarray(value, dtype=dtype)
    return stats


def stats_features(root: Path) -> list[str]:
    """The features with per-episode statistics, in column order ([] without episodes)."""
    files = episode_files(root)
    if not files:
        return []
    keys: list[str] = []
    for name in pq.read_schema(files[0]).names:
        if name.startswith(STATS_PREFIX):
            key = name[len(STATS_PREFIX):].rsplit('/', 1)[0]
            if key not in keys:
                keys.append(key)
    return keys


class EpisodesFile(NamedTuple):
    """An opened episodes file: footer and column names read once, for every feature."""

    path: Path
    parquet: pq.ParquetFile
    names: frozenset[str]

    @classmethod
    def open(cls, path: Path) -> EpisodesFile:
        """Open `path` (the caller closes `parquet`)."""
        parquet = pq.ParquetFile(path)
        return cls(path, parquet, frozenset(parquet.schema_arrow.names))


def stacked_stats(files: Sequence[EpisodesFile], key: str) -> StackedStats:
    """One feature's statistics over every episode: each (episodes, *shape), in file order.

    Args:
        files: the opened episodes files.
        key: the feature.
    """
    columns = [f'{STATS_PREFIX}{key}/{stat}' for stat in STAT_KEYS]
    parts: dict[str, list[np.ndarray]] = {stat: [] for stat in STAT_KEYS}
    for path, parquet, names in files:
        missing = [column for column in columns if column not in names]
        if missing:
            message = f'{path}: statistics columns {missing!r} are missing'
            raise ExportError(message)
        table = parquet.read(columns=columns)
        if table.num_rows:
            for stat, column in zip(STAT_KEYS, columns, strict=True):
                parts[stat].append(_stacked_column(table.column(column), stat == 'count'))
    return {stat: np.concatenate(arrays) for stat, arrays in parts.items() if arrays}


def _stacked_column(column: pa.ChunkedArray, is_count: bool) -> np.ndarray:
    """A column of nested lists as one (rows, *shape) array, without per-row conversion."""
    values = column.combine_chunks()
    shape = np.shape(values[0].as_py())
    while pa.types.is_list(values.type) or pa.types.is_fixed_size_list(values.type):
        values = list_values(values)
    flat = np.asarray(numpy_values(values), dtype=np.int64 if is_count else np.float64)
    return flat.reshape((len(column), *shape))


def aggregate_episode_stats(root: Path,
                            valid_keys: Mapping[str, str | None]) -> dict[str, FeatureStats]:
    """The dataset statistics from every episode's statistics in meta/episodes.

    Args:
        root: the dataset (its episodes files closed).
        valid_keys: feature key -> key of its validity feature (or None).

    Returns:
        feature key -> statistics, in column order; {} when there is no episode.
    """
    files: list[EpisodesFile] = []
    validity: dict[str, StackedStats] = {}
    result: dict[str, FeatureStats] = {}
    try:
        for path in episode_files(root):
            files.append(EpisodesFile.open(path))
        for key in stats_features(root):
            stacked = stacked_stats(files, key)
            if not stacked:
                continue
            valid_key = valid_keys.get(key)
            valid = None
            if valid_key is not None:
                if valid_key not in validity:
                    validity[valid_key] = stacked_stats(files, valid_key)
                valid = validity[valid_key]
            result[key] = feature_stats(stacked, valid)
    finally:
        for episodes_file in files:
            episodes_file.parquet.close()
    return result
