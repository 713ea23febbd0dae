"""Parquet I/O of a dataset: per-frame data from numpy columns, rolling files, tasks.

Columns are built straight from numpy: a (1,)-shaped feature is a plain column, a vector
feature a fixed-size list column (what LeRobot's `datasets.Sequence(length=n)` reads).
`RollingParquetWriter` writes ONE row group per `write` call (one episode) and starts the
next file before a table would push the current one past its size limit; a table is never
split across files.

meta/tasks.parquet is written and read with pyarrow alone, in the layout pandas gives it (the
'pandas' schema metadata naming the column 'task' as the index): LeRobot reads it with
`pd.read_parquet`, and an export need not import pandas (a third of a second) for it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from interop_bridge.errors import ExportError
from interop_bridge.dataset.arrow_values import (list_values, numeric_array, numpy_values,
                                                 string_array)
from interop_bridge.dataset.layout import TASKS_PATH, FileSlot
from interop_bridge.dataset.records import FeatureEntry

# A CRC per data page: `interop validate` reads with page_checksum_verification, so a flipped
# bit in a written file is found (dataset/checks_values.py).
PARQUET_OPTIONS = {'compression': 'snappy', 'use_dictionary': True, 'write_page_checksum': True}


def arrow_column(values: np.ndarray, shape: Sequence[int], dtype: str) -> pa.Array:
    """One parquet column from a (frames, *shape) array: scalar for shape (1,), else a list.

    Args:
        values: the episode's values.
        shape: the feature's declared shape.
        dtype: the feature's numpy dtype name ('float32', 'int64', ...).
    """
    frames = values.shape[0]
    flat = np.ascontiguousarray(values, dtype=np.dtype(dtype)).reshape(frames, -1)
    if tuple(shape) == (1,):
        return numeric_array(flat[:, 0])
    if len(shape) != 1:
        msg = f'only scalar and 1-D features are supported, got shape {shape!r}'
        raise ExportError(msg)
    return pa.FixedSizeListArray.from_arrays(numeric_array(flat.reshape(-1)), int(shape[0]))


def arrow_type(shape: Sequence[int], dtype: str) -> pa.DataType:
    """The arrow type `arrow_column` produces for a feature."""
    scalar = pa.from_numpy_dtype(np.dtype(dtype))
    return scalar if tuple(shape) == (1,) else pa.list_(scalar, int(shape[0]))


def data_schema(entries: Mapping[str, FeatureEntry]) -> pa.Schema:
    """The data-parquet schema for info.json `features` entries (cameras are not columns)."""
    return pa.schema([(key, arrow_type(entry['shape'], entry['dtype']))
                      for key, entry in entries.items() if entry['dtype'] != 'video'])


def conformed(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """`table` cast to `schema`; as it is when it already has it.

    `Table.cast` imports pyarrow.compute (50 ms of start-up) even when nothing changes.
    """
    if table.schema.equals(schema, check_metadata=True):
        return table
    return table.cast(schema)


class RollingParquetWriter:
    """Writes tables as row groups into numbered files, rolling over by size.

    `path_of(slot)` names the file of a slot; a file is started at `first_slot`. A new file is
    started when the current one holds at least one table and its written bytes plus the
    table's in-memory size would exceed `limit_bytes`.
    """

    def __init__(self, root: Path, path_of: Callable[[FileSlot], str], schema: pa.Schema,
                 limit_bytes: int, first_slot: FileSlot) -> None:
        self._root = root
        self._path_of = path_of
        self._schema = schema
        self._limit = limit_bytes
        self._next_slot = first_slot
        self._slot = first_slot
        self._writer: pq.ParquetWriter | None = None
        self._sink: pa.NativeFile | None = None
        self._tables_in_file = 0

    def write(self, table: pa.Table) -> FileSlot:
        """Append `table` as one row group; returns the slot of the file it went to."""
        slot = self.prepare(table.nbytes)
        self.append(table)
        return slot

    def prepare(self, nbytes: int) -> FileSlot:
        """Roll over if `nbytes` more would overflow the open file; the slot to write to."""
        if self._writer is not None and self._tables_in_file and (
                self._sink.tell() + nbytes > self._limit):  # type: ignore[union-attr]
            self.close()
        if self._writer is None:
            self._open()
        return self._slot

    def overflows(self, nbytes: int) -> bool:
        """Whether `nbytes` more would overflow the open file (False: none open)."""
        return self._writer is not None and \
            self._sink.tell() + nbytes > self._limit  # type: ignore[union-attr]

    def append(self, table: pa.Table) -> None:
        """Write `table` as one row group into the file `prepare` chose."""
        if self._writer is None:
            self._open()
        self._writer.write_table(conformed(table, self._schema),  # type: ignore[union-attr]
                                 row_group_size=max(table.num_rows, 1))
        self._tables_in_file += 1

    def _open(self) -> None:
        self._slot = self._next_slot
        self._next_slot = self._slot.next()
        path = self._root / self._path_of(self._slot)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            msg = f'{path}: refusing to overwrite an existing dataset file'
            raise ExportError(msg)
        self._sink = pa.OSFile(str(path), 'wb')
        self._writer = pq.ParquetWriter(self._sink, self._schema, **PARQUET_OPTIONS)
        self._tables_in_file = 0

    def close(self) -> None:
        """Write the footer of the open file (a parquet file is unreadable without it)."""
        if self._writer is not None:
            self._writer.close()
            self._sink.close()  # type: ignore[union-attr]
        self._writer = None
        self._sink = None


def _pandas_column(name: str, pandas_type: str, numpy_type: str) -> dict[str, Any]:
    return {'name': name, 'field_name': name, 'pandas_type': pandas_type,
            'numpy_type': numpy_type, 'metadata': None}


# What DataFrame({'task_index': int64}, index=Index(strings, name='task')).to_parquet() records,
# but 'pandas_version' (no pandas wrote the file; neither pyarrow nor pandas reads it).
TASKS_PANDAS_METADATA = {
    'index_columns': ['task'],
    'column_indexes': [{'name': None, 'field_name': None, 'pandas_type': 'unicode',
                        'numpy_type': 'object', 'metadata': {'encoding': 'UTF-8'}}],
    'columns': [_pandas_column('task_index', 'int64', 'int64'),
                _pandas_column('task', 'unicode', 'object')],
    'attributes': {}, 'creator': {'library': 'pyarrow', 'version': pa.__version__},
}


def write_tasks(root: Path, tasks: Sequence[str]) -> None:
    """Write meta/tasks.parquet the way LeRobot reads it: pandas index 'task', task_index."""
    table = pa.table({'task_index': numeric_array(np.arange(len(tasks), dtype=np.int64)),
                      'task': string_array([str(task) for task in tasks])})
    table = table.replace_schema_metadata({'pandas': json.dumps(TASKS_PANDAS_METADATA)})
    path = root / TASKS_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression='snappy')


def _index_names(schema: pa.Schema) -> list[str | None]:
    """Names of the pandas index of a table pandas wrote ([] without pandas metadata)."""
    index = (schema.pandas_metadata or {}).get('index_columns', [])
    return [entry if isinstance(entry, str) else entry.get('name') for entry in index]


def read_tasks(root: Path) -> list[str]:
    """The task strings of meta/tasks.parquet, in task_index order."""
    with (root / TASKS_PATH).open('rb') as source:  # a missing file: OSError with its name
        table = read_file(source)
    index = _index_names(table.schema)
    if index != ['task'] or 'task_index' not in table.column_names:
        msg = (f'{root / TASKS_PATH}: expected a pandas index named "task" and a '
               f'column "task_index", got index {index!r} and columns '
               f'{[name for name in table.column_names if name not in index]!r}')
        raise ExportError(msg)
    order = np.argsort(column_values(table, 'task_index'), kind='stable')
    tasks = table.column('task').to_pylist()
    return [str(tasks[position]) for position in order]


def read_parquet_dir(directory: Path) -> list[Path]:
    """The parquet files of a data or episodes directory, in LeRobot's (sorted) order."""
    return sorted(directory.glob('chunk-*/file-*.parquet'))


def read_table(paths: Sequence[Path], columns: Sequence[str] | None = None) -> pa.Table:
    """Concatenate the given parquet files (optionally only some columns)."""
    tables = [read_file(path, columns) for path in paths]
    return pa.concat_tables(tables) if tables else pa.table({})


def read_file(source: Path | BinaryIO, columns: Sequence[str] | None = None) -> pa.Table:
    """One parquet file as a table (optionally only some columns).

    What `pq.read_table` gives for one file, read through `pq.ParquetFile`: `read_table` goes
    through pyarrow.dataset, which imports pandas.
    """
    with pq.ParquetFile(source) as parquet:
        return parquet.read(columns=list(columns) if columns else None)


def column_values(table: pa.Table, key: str) -> np.ndarray:
    """A scalar or fixed-size-list column as a numpy array (frames,) or (frames, d)."""
    column = table.column(key).combine_chunks()
    if pa.types.is_fixed_size_list(column.type) or pa.types.is_list(column.type):
        width = len(column[0]) if len(column) else 0
        flat = np.asarray(numpy_values(list_values(column)))
        return flat.reshape(len(column), width)
    return np.asarray(numpy_values(column))
