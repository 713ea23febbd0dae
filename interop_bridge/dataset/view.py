"""Read-only access to a dataset's metadata for the validation checks."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from interop_bridge.errors import CheckFailed
from interop_bridge.dataset import metadata
from interop_bridge.dataset.episodes_table import STATS_PREFIX, episode_files
from interop_bridge.dataset.layout import DATA_DIR, TASKS_PATH
from interop_bridge.dataset.parquet_io import read_parquet_dir
from interop_bridge.dataset.records import DatasetInfo

DEFAULT_COLUMNS = tuple(metadata.DEFAULT_FEATURES)
TOLERANCE_S = 1e-4  # LeRobot's tolerance_s for timestamps and video frame look-ups


@dataclass(frozen=True)
class RowGroup:
    """One row group of a data file, with LeRobot's default columns only."""

    path: Path
    slot_text: str
    index: int
    table: pa.Table


class DatasetView:
    """Lazily loaded metadata of the dataset at `root` (each part read once)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

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
    def tasks_frame(self) -> pd.DataFrame:
        """meta/tasks.parquet as pandas reads it."""
        return pd.read_parquet(self.root / TASKS_PATH)

    @functools.cached_property
    def episodes(self) -> list[dict[str, Any]]:
        """Every episode row without its statistics, in file order, with its file's path."""
        rows = []
        for path in episode_files(self.root):
            schema = pq.read_schema(path)
            columns = [name for name in schema.names if not name.startswith(STATS_PREFIX)]
            for row in pq.read_table(path, columns=columns).to_pylist():
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
            yield path, pq.read_table(path, columns=columns)

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
