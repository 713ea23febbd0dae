"""Read-only access to a dataset's metadata for the validation checks.

meta/tasks.parquet is read with pyarrow and its 'pandas' schema metadata, into what
`pd.read_parquet` would give (`TasksFrame`): pandas would cost a third of a second to import.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from interop_bridge.errors import CheckFailed
from interop_bridge.dataset import metadata
from interop_bridge.dataset.episodes_table import STATS_PREFIX, episode_files
from interop_bridge.dataset.layout import DATA_DIR, TASKS_PATH
from interop_bridge.dataset.parquet_io import read_file, read_parquet_dir
from interop_bridge.dataset.records import DatasetInfo
from interop_bridge.dataset.video import decoded_frame_count

DEFAULT_COLUMNS = tuple(metadata.DEFAULT_FEATURES)
TOLERANCE_S = 1e-4  # LeRobot's tolerance_s for timestamps and video frame look-ups


@dataclass(frozen=True)
class TasksFrame:
    """meta/tasks.parquet as `pd.read_parquet` gives it: the index (its name and values, from
    the 'pandas' schema metadata; a RangeIndex without it) and the other columns."""

    index_name: str | None
    index: list[Any]
    columns: dict[str, list[Any]]

    def __len__(self) -> int:
        return len(self.index)


def tasks_frame(table: pa.Table) -> TasksFrame:
    """What pandas makes of a tasks table: index columns named by its 'pandas' metadata."""
    entries = (table.schema.pandas_metadata or {}).get('index_columns', [])
    named = [entry for entry in entries if isinstance(entry, str)]
    columns = {name: table.column(name).to_pylist() for name in table.column_names
               if name not in named}
    if len(entries) == 1 and isinstance(entries[0], str):
        return TasksFrame(entries[0], table.column(entries[0]).to_pylist(), columns)
    if len(entries) == 1 and entries[0].get('kind') == 'range':
        span = entries[0]
        return TasksFrame(span.get('name'), list(range(span['start'], span['stop'],
                                                       span['step'])), columns)
    if len(entries) > 1:  # a MultiIndex: no single name, tuples for values
        parts = [table.column(name).to_pylist() if isinstance(name, str) else
                 list(range(table.num_rows)) for name in entries]
        return TasksFrame(None, list(zip(*parts, strict=True)), columns)
    return TasksFrame(None, list(range(table.num_rows)), columns)


@dataclass(frozen=True)
class RowGroup:
    """One row group of a data file, with LeRobot's default columns only."""

    path: Path
    slot_text: str
    index: int
    table: pa.Table


class DatasetView:
    """Lazily loaded metadata of the dataset at `root` (each part read once).

    `decoded_frames` (MP4 path relative to root -> frames) are frame counts someone already
    decoded the MP4s for (certify's episode pass): `decoded_frame_count` takes them.
    """

    def __init__(self, root: str | Path, decoded_frames: Mapping[str, int] | None = None) -> None:
        self.root = Path(root)
        self.decoded_frames = dict(decoded_frames or {})

    def decoded_frame_count(self, path: Path) -> int:
        """The frames a decoder gets out of the MP4 at `path` (decoded unless already known)."""
        known = self.decoded_frames.get(self.relative(path))
        return decoded_frame_count(path) if known is None else known

    @functools.cached_property
    def info(self) -> DatasetInfo:
        """meta/info.json (a JSON object; check_info checks its keys)."""
        return metadata.load_info(self.root)

    @property
    def fps(self) -> int:
        """The dataset's frame rate."""
        return int(self.info['fps'])

    @functools.cached_property
    def video_keys(self) -> list[str]:
        """The camera feature keys."""
        return [key for key, entry in self.info['features'].items()
                if entry.get('dtype') == 'video']

    @functools.cached_property
    def tasks_frame(self) -> TasksFrame:
        """meta/tasks.parquet as pandas reads it (without pandas)."""
        with (self.root / TASKS_PATH).open('rb') as source:  # missing: OSError with its name
            return tasks_frame(read_file(source))

    @functools.cached_property
    def episodes(self) -> list[dict[str, Any]]:
        """Every episode row without its statistics, in file order, with its file's path."""
        rows = []
        for path in episode_files(self.root):
            schema = pq.read_schema(path)
            columns = [name for name in schema.names if not name.startswith(STATS_PREFIX)]
            for row in read_file(path, columns).to_pylist():
                rows.append({**row, '_file': path})
        if not rows:
            msg = 'meta/episodes: no episode rows found'
            raise CheckFailed(msg)
        return rows

    def episode_stats_tables(self) -> Iterator[tuple[Path, pa.Table]]:
        """Each episodes file's statistics columns (one file in memory at a time)."""
        for path in episode_files(self.root):
            schema = pq.read_schema(path)
            columns = ['episode_index', *(n for n in schema.names if n.startswith(STATS_PREFIX))]
            yield path, read_file(path, columns)

    def data_files(self) -> list[Path]:
        """The data parquet files, in the order LeRobot concatenates them."""
        return read_parquet_dir(self.root / DATA_DIR)

    def row_groups(self) -> Iterator[RowGroup]:
        """Every row group of every data file (default columns only), in order."""
        for path in self.data_files():
            parquet = pq.ParquetFile(path)
            slot_text = path.relative_to(self.root).as_posix()
            for index in range(parquet.num_row_groups):
                yield RowGroup(path, slot_text, index,
                               parquet.read_row_group(index, columns=list(DEFAULT_COLUMNS)))

    def relative(self, path: Path) -> str:
        """A path inside the dataset, for messages."""
        return path.relative_to(self.root).as_posix()
