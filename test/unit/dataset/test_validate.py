"""`interop validate` passes a good dataset and names each injected defect."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from interop_bridge.cli import main
from interop_bridge.dataset.checks_files import grid_error
from interop_bridge.dataset.layout import FileSlot
from interop_bridge.dataset.validate import validate_dataset
from interop_bridge.dataset.video import CameraEncoder, VideoOptions
from interop_bridge.dataset.writer import DatasetWriter

CAMERA = 'observation.images.head'
DATA = 'data/chunk-000/file-000.parquet'
EPISODES = 'meta/episodes/chunk-000/file-000.parquet'
VIDEO = f'videos/{CAMERA}/chunk-000/file-000.mp4'


@pytest.fixture(scope='module')
def good(tmp_path_factory, kit):
    """Two episodes (20 and 15 frames), tasks pick and place, one camera."""
    root = tmp_path_factory.mktemp('validate') / 'good'
    writer = DatasetWriter(root, kit.features, kit.fps)
    writer.write_episode(kit.episode(kit.features, 20, 'pick', seed=0))
    writer.write_episode(kit.episode(kit.features, 15, 'place', seed=1, first_frame=20))
    writer.finalize({})
    return root


@pytest.fixture
def copy(good, tmp_path):
    root = tmp_path / 'ds'
    shutil.copytree(good, root)
    return root


def rewrite_parquet(path, change, row_groups=True):
    """Rewrite a parquet file through change(table) -> table, one row group at a time."""
    parquet = pq.ParquetFile(path)
    tables = [change(parquet.read_row_group(i)) for i in range(parquet.num_row_groups)]
    if not row_groups:
        tables = [pa.concat_tables(tables)]
    path.unlink()
    with pq.ParquetWriter(path, tables[0].schema) as writer:
        for table in tables:
            writer.write_table(table)


def replace_column(table, name, values):
    return table.set_column(table.schema.get_field_index(name), name,
                            pa.array(values, type=table.schema.field(name).type))


def failure(root, check):
    report = validate_dataset(root)
    result = report.result(check)
    assert not result.passed, report.render()
    assert not report.ok
    return result.detail


def test_a_dataset_from_the_writer_passes_every_check(good):
    report = validate_dataset(good)
    assert report.ok, report.render()
    assert [result.name for result in report.results] == [
        'info', 'tasks', 'episodes', 'row groups', 'data indices', 'timestamps',
        'video offsets', 'video frames', 'stats', 'values']
    assert report.result('video frames').line() == \
        'PASS  video frames: 1 MP4 files decode to exactly one frame per row'


def test_an_off_grid_timestamp_is_caught(copy):
    def jitter(table):
        stamps = table.column('timestamp').to_numpy().copy()
        if table.column('episode_index')[0].as_py() == 1:
            stamps[3] += 0.0121
        return replace_column(table, 'timestamp', stamps)
    rewrite_parquet(copy / DATA, jitter)
    assert failure(copy, 'timestamps') == (
        f'{DATA} episode 1 frame 3: timestamp 0.312100 s is 0.012100 s off the grid '
        'frame_index/fps (0.300000 s, tolerance 0.0001 s); video decoding would fail')


def test_a_video_shorter_than_its_rows_is_caught(copy, kit):
    (copy / VIDEO).unlink()
    camera = CameraEncoder(copy, CAMERA, kit.fps, (kit.height, kit.width, 3), VideoOptions(),
                           10**9, FileSlot())
    camera.encode_episode((kit.frame_for(i) for i in range(32)), 32, 0)
    camera.close()
    assert failure(copy, 'video frames') == \
        f'{VIDEO} decodes to 32 frames, its episodes have 35 rows'


def test_a_wrong_total_frames_is_caught(copy):
    info = json.loads((copy / 'meta/info.json').read_text())
    info['total_frames'] = 50
    (copy / 'meta/info.json').write_text(json.dumps(info))
    assert failure(copy, 'episodes') == \
        "info.json total_frames is 50, the episodes' lengths sum to 35"
    assert validate_dataset(copy).result('data indices').detail == \
        'not run: episodes, row groups failed'


def test_joint_features_naming_different_joints_are_caught(copy):
    info = json.loads((copy / 'meta/info.json').read_text())
    names = info['features']['action']['names']
    info['features']['action']['names'] = [names[1], names[0], *names[2:]]  # two swapped
    (copy / 'meta/info.json').write_text(json.dumps(info))
    assert 'features.action.names' in failure(copy, 'info')
    assert 'not in canonical order' in failure(copy, 'info')


def test_tasks_written_with_plain_pyarrow_are_caught(copy):
    pq.write_table(pa.table({'task_index': [0, 1], 'task': ['pick', 'place']}),
                   copy / 'meta/tasks.parquet')
    assert failure(copy, 'tasks') == (
        'meta/tasks.parquet has no pandas index named "task" (index None, columns '
        "['task_index', 'task']); LeRobot would return the task index instead of the task "
        'string')


def test_non_finite_statistics_are_caught(copy):
    stats = json.loads((copy / 'meta/stats.json').read_text())
    stats['observation.state']['mean'][4] = float('nan')
    (copy / 'meta/stats.json').write_text(json.dumps(stats))
    expected = 'meta/stats.json: observation.state/mean is not finite'
    assert failure(copy, 'stats').startswith(expected)


def test_non_finite_per_episode_statistics_are_caught(copy):
    def poison(table):
        column = 'stats/action/std'
        values = table.column(column).to_pylist()
        values[0][0] = float('inf')
        return replace_column(table, column, values)
    rewrite_parquet(copy / EPISODES, poison)
    assert failure(copy, 'stats') == \
        f'{EPISODES}: stats/action/std holds a non-finite or missing value'


def test_non_contiguous_video_offsets_are_caught(copy):
    def shift(table):
        for column in (f'videos/{CAMERA}/from_timestamp', f'videos/{CAMERA}/to_timestamp'):
            values = table.column(column).to_numpy().copy()
            values[table.column('episode_index').to_numpy() == 1] += 0.1
            table = replace_column(table, column, values)
        return table
    rewrite_parquet(copy / EPISODES, shift)
    assert failure(copy, 'video offsets') == (
        f'{CAMERA} episode 1: from_timestamp 2.100000 s, expected 2.000000 s (where the '
        f'previous episode in {VIDEO} ends)')


def test_two_episodes_in_one_row_group_are_caught(copy):
    rewrite_parquet(copy / DATA, lambda table: table, row_groups=False)
    assert failure(copy, 'row groups') == (
        f'{DATA} row group 0 holds episodes [0, 1]; expected exactly one (LeRobot writes one '
        'row group per episode)')


def test_a_gap_in_the_global_index_is_caught(copy):
    def gap(table):
        return replace_column(table, 'index', pc.add(table.column('index'), 1).to_numpy())
    rewrite_parquet(copy / DATA, gap)
    assert failure(copy, 'data indices') == \
        f'{DATA} row group 0: index starts at [1] and is not contiguous from 0'


def test_the_command_prints_one_line_per_check_and_exits_non_zero_on_failure(copy, capsys):
    assert main(['validate', str(copy)]) == 0
    good_output = capsys.readouterr().out.splitlines()
    assert good_output[-1] == 'valid'
    assert sum(line.startswith('PASS  ') for line in good_output) == 10
    (copy / 'meta/stats.json').write_text('{}')
    assert main(['validate', str(copy)]) == 1
    output = capsys.readouterr().out.splitlines()
    assert "FAIL  stats: meta/stats.json: no statistics for 'observation.state'" in output
    assert output[-1] == 'INVALID: 1 of 10 checks failed'


def test_a_directory_that_is_not_a_dataset_fails_the_info_check(tmp_path, capsys):
    assert main(['validate', str(tmp_path)]) == 1
    output = capsys.readouterr().out
    assert 'FAIL  info: ' in output and 'meta/info.json: missing' in output
    assert main(['validate', str(tmp_path / 'nowhere')]) == 1
    assert capsys.readouterr().err == f'error: {tmp_path / "nowhere"}: no such dataset directory\n'


def test_float32_rounding_of_long_episodes_is_not_taken_for_an_offset():
    frames = np.arange(216_000)  # two hours at 30 fps
    stamps = (frames / 30).astype(np.float32)
    assert grid_error(stamps, frames, 30).max() == 0.0
    stamps[-1] += np.float32(0.01)
    assert grid_error(stamps, frames, 30)[-1] == pytest.approx(0.01, abs=1e-3)
