"""arrow_values builds and reads arrays as pyarrow's pandas-importing calls do, without pandas.

Each builder is compared with the pyarrow call it replaces (`pa.array`, `pa.Table.from_pylist`,
`flatten`, `to_numpy`); the import itself is checked in a fresh interpreter.
"""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pyarrow as pa
import pytest

from interop_bridge.dataset.arrow_values import (list_values, numeric_array, numpy_values,
                                                 string_array, table_from_rows, values_array)
from interop_bridge.errors import ExportError

CAMERA = pa.list_(pa.list_(pa.list_(pa.float64())))
CASES = [
    ([1, None, -3, 2**62], pa.int64()),
    ([0, 255], pa.uint8()),
    ([1.5, None, 2, -0.0], pa.float64()),
    ([1.5, 3.25], pa.float32()),
    ([True, None, False], pa.bool_()),
    (['pick', None, '', 'héllo | ünïcode'], pa.string()),
    ([['a', 'b'], [], None, ['c']], pa.list_(pa.string())),
    ([[1.0, 2.0], None, [], [3.0]], pa.list_(pa.float64())),
    ([[3], [0, 1]], pa.list_(pa.int64())),
    ([[[[0.1]], [[0.2]], [[0.3]]], [[[1]], [[2]], [[3]]]], CAMERA),
    ([[[1.0], None], None, [[], [2.0, None]]], pa.list_(pa.list_(pa.float64()))),
    ([], pa.list_(pa.float64())),
]


@pytest.mark.parametrize(('values', 'arrow_type'), CASES)
def test_values_array_is_what_pa_array_gives(values, arrow_type):
    built = values_array(values, arrow_type)
    built.validate(full=True)
    assert built.equals(pa.array(values, arrow_type))


def test_numpy_arrays_are_lists():
    built = values_array([np.array([1.0, 2.0]), np.zeros(1)], pa.list_(pa.float64()))
    assert built.to_pylist() == [[1.0, 2.0], [0.0]]
    assert values_array([np.zeros((2, 1))], pa.list_(pa.list_(pa.float64()))).to_pylist() == [
        [[0.0], [0.0]]]


@pytest.mark.parametrize(('value', 'arrow_type'), [
    (1.5, pa.int64()), ('1', pa.int64()), (True, pa.int64()), (1, pa.bool_()),
    (2**64, pa.int64()), (-1, pa.uint8()), (1, pa.string()), (1.0, pa.list_(pa.float64())),
    ([1.0], pa.float64()), ('x', pa.list_(pa.string()))])
def test_a_value_that_does_not_fit_its_type_is_an_error(value, arrow_type):
    with pytest.raises(ExportError):
        values_array([value], arrow_type)


def test_an_unsupported_type_is_an_error():
    with pytest.raises(ExportError, match='not supported'):
        values_array([b'x'], pa.binary())


def test_table_from_rows_is_from_pylist_with_the_schema():
    schema = pa.schema([('episode_index', pa.int64()), ('tasks', pa.list_(pa.string())),
                        ('stats/x/mean', pa.list_(pa.float64())), ('stats/cam/max', CAMERA)])
    rows = [{'episode_index': 0, 'tasks': ['pick'], 'stats/x/mean': [0.5, 1.0],
             'stats/cam/max': [[[1.0]], [[0.5]], [[0.0]]]},
            {'episode_index': 1, 'tasks': ['place']}]  # missing columns are nulls
    table = table_from_rows(rows, schema)
    table.validate(full=True)
    assert table.equals(pa.Table.from_pylist(rows, schema=schema))


def test_table_from_rows_refuses_a_column_the_schema_lacks():
    with pytest.raises(ExportError, match='not in the table schema'):
        table_from_rows([{'a': 1, 'b': 2}], pa.schema([('a', pa.int64())]))


def test_numeric_and_string_arrays():
    ints = np.arange(4, dtype=np.int32)
    assert numeric_array(ints).equals(pa.array(ints))
    assert numeric_array(np.array([True, False, True])).equals(pa.array([True, False, True]))
    assert string_array(['a', 'b']).equals(pa.array(['a', 'b']))
    with pytest.raises(ExportError, match='1-D'):
        numeric_array(np.zeros((2, 2)))


@pytest.mark.parametrize('array', [
    pa.array([1, 2, 3], pa.int64()), pa.array([1.5, 2.5], pa.float32()),
    pa.array([1, None, 3], pa.int32()), pa.array([1.0, None], pa.float32()),
    pa.array([True, False, True, True, False, False, True, False, True]),
    pa.array([True, None, False]), pa.array([], pa.float64()),
    pa.array(range(20), pa.int64()).slice(5, 7),
    pa.array([True, False] * 9).slice(3, 11), pa.array([1.0, None, 3.0, 4.0]).slice(1, 3)])
def test_numpy_values_is_to_numpy(array):
    expected = array.to_numpy(zero_copy_only=False)
    got = numpy_values(array)
    assert got.dtype == expected.dtype
    assert got.shape == expected.shape
    if got.dtype == object:
        assert got.tolist() == expected.tolist()
    else:
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize('array', [
    pa.array([[1.0, 2.0], [3.0], None, [4.0, 5.0]]),
    pa.array([[1.0, 2.0], [3.0], None, [4.0, 5.0]]).slice(1, 3),
    pa.array([[1], [2, 3], [4]]).slice(1),
    pa.array([[[1.0]], [[2.0], [3.0]]]),
    pa.array([[1, 2], [3, 4], [5, 6]], pa.list_(pa.int64(), 2)).slice(1),
    pa.array([[1, 2], None, [5, 6]], pa.list_(pa.int64(), 2)),
    pa.array([], pa.list_(pa.float64()))])
def test_list_values_is_flatten(array):
    assert list_values(array).equals(array.flatten())


def test_numpy_values_and_list_values_refuse_other_types():
    with pytest.raises(ExportError):
        numpy_values(pa.array(['a']))
    with pytest.raises(ExportError):
        list_values(pa.array([1]))


def test_nan_survives():
    assert math.isnan(values_array([[math.nan]], pa.list_(pa.float64())).to_pylist()[0][0])


BUILD_AND_READ = """
import sys
import numpy as np
import pyarrow as pa
from interop_bridge.dataset import arrow_values as av
table = av.table_from_rows([{'a': [1.0], 'b': 'x', 'c': 2}],
                           pa.schema([('a', pa.list_(pa.float64())), ('b', pa.string()),
                                      ('c', pa.int64())]))
av.numpy_values(av.list_values(table.column('a').combine_chunks()))
av.numpy_values(table.column('c').combine_chunks())
print(sorted({'pandas', 'pyarrow.compute'} & set(sys.modules)))
"""


def test_building_and_reading_arrays_imports_neither_pandas_nor_pyarrow_compute():
    done = subprocess.run([sys.executable, '-c', BUILD_AND_READ], capture_output=True, text=True,
                          check=True, timeout=60)
    assert done.stdout.strip() == '[]'


def test_tasks_parquet_is_what_pandas_writes(tmp_path):
    import pandas as pd
    import pyarrow.parquet as pq

    from interop_bridge.dataset.parquet_io import read_tasks, write_tasks

    tasks = ['pick', 'place | stack', 'héllo']
    write_tasks(tmp_path / 'ours', tasks)
    theirs = tmp_path / 'theirs.parquet'
    pd.DataFrame({'task_index': np.arange(3, dtype=np.int64)},
                 index=pd.Index(tasks, name='task')).to_parquet(theirs)
    ours = tmp_path / 'ours/meta/tasks.parquet'
    pd.testing.assert_frame_equal(pd.read_parquet(ours), pd.read_parquet(theirs))
    assert pd.read_parquet(ours).iloc[1].name == 'place | stack'  # LeRobot's lookup
    assert pq.read_table(ours).equals(pq.read_table(theirs))
    written = dict(pq.read_schema(theirs).pandas_metadata)
    # the version of the pandas that wrote the file: none did; pyarrow and pandas never read it
    del written['pandas_version']
    assert pq.read_schema(ours).pandas_metadata == written
    assert read_tasks(tmp_path / 'ours') == tasks
