"""`interop report` shows each episode's robot and task (from LeRobot's tasks and episodes)."""

from __future__ import annotations

import shutil

import pytest

from interop_bridge.cli import main
from interop_bridge.errors import ExportError
from interop_bridge.dataset.atomic import write_dataset
from interop_bridge.dataset.parquet_io import write_tasks
from interop_bridge.dataset.report import episode_tasks, write_report

HEADER = ('| episode | robot | task | frames | canonical joints valid | valid share | '
          'stale values | camera rows off |')


@pytest.fixture(scope='module')
def dataset(tmp_path_factory, kit):
    """Three episodes: pick (G1, 10 frames), place | stack (T1, 8), pick (T1, 6, joint 2 off)."""
    root = tmp_path_factory.mktemp('report') / 'ds'
    features = kit.features_without_video
    write_dataset(root, features, kit.fps, [
        kit.episode(features, 10, 'pick', seed=0),
        kit.episode(features, 8, 'place | stack', seed=1, robot_type='booster_t1'),
        kit.episode(features, 6, 'pick', seed=2, robot_type='booster_t1', invalid_joints=[2])],
        {})
    return root


def table_rows(report_text: str) -> list[list[str]]:
    lines = report_text.splitlines()
    start = lines.index(HEADER) + 2
    rows = []
    for line in lines[start:]:
        if not line.startswith('| '):
            break
        rows.append([cell.strip() for cell in line.strip('|').split(' | ')])
    return rows


def test_the_task_column_holds_each_episodes_task(dataset, tmp_path):
    report = write_report(dataset, tmp_path / 'report').read_text()
    rows = table_rows(report)
    assert [row[:4] for row in rows] == [['0', 'unitree_g1_29dof', 'pick', '10'],
                                         ['1', 'booster_t1', r'place \| stack', '8'],
                                         ['2', 'booster_t1', 'pick', '6']]
    assert [row[4] for row in rows] == ['32 / 32', '32 / 32', '31 / 32']
    assert (tmp_path / 'report/trajectories.png').stat().st_size > 0
    assert (tmp_path / 'report/validity.png').stat().st_size > 0


def test_episode_tasks_come_from_the_episodes_metadata_and_tasks_parquet(dataset, tmp_path):
    assert episode_tasks(dataset) == {0: 'pick', 1: 'place | stack', 2: 'pick'}
    copy = tmp_path / 'ds'
    shutil.copytree(dataset, copy)
    write_tasks(copy, ['pick'])  # 'place | stack' no longer in meta/tasks.parquet
    assert episode_tasks(copy)[1] == 'place | stack (not in meta/tasks.parquet)'


def test_without_interop_json_the_robot_comes_from_info_json(dataset, tmp_path):
    copy = tmp_path / 'ds'
    shutil.copytree(dataset, copy)
    (copy / 'meta/interop.json').unlink()
    rows = table_rows(write_report(copy, tmp_path / 'report').read_text())
    assert {row[1] for row in rows} == {'unitree_g1_29dof+booster_t1'}
    assert [row[2] for row in rows] == ['pick', r'place \| stack', 'pick']


def test_a_directory_that_is_not_a_dataset_is_refused(tmp_path):
    with pytest.raises(ExportError, match=f'{tmp_path}: not a dataset \\(no meta/info.json\\)'):
        write_report(tmp_path, tmp_path / 'report')


def test_the_command_prints_the_table_with_the_tasks(dataset, tmp_path, capsys):
    assert main(['report', str(dataset), '--out', str(tmp_path / 'r')]) == 0
    output = capsys.readouterr().out
    assert HEADER in output
    assert '| 0 | unitree_g1_29dof | pick | 10 | 32 / 32 |' in output
    assert f'report: {tmp_path / "r" / "report.md"}' in output


@pytest.mark.parametrize('missing', ['data/chunk-000/file-000.parquet',
                                     'meta/episodes/chunk-000/file-000.parquet',
                                     'meta/tasks.parquet'])
def test_a_dataset_missing_a_file_gives_one_error_line(dataset, tmp_path, capsys, missing):
    copy = tmp_path / 'ds'
    shutil.copytree(dataset, copy)
    (copy / missing).unlink()
    assert main(['report', str(copy), '--out', str(tmp_path / 'report')]) == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and err.startswith('error: '), err
    expected = {
        'data/chunk-000/file-000.parquet': f'{copy}: episodes 0, 1, 2 of 3 have no rows under '
                                           'data/',
        'meta/episodes/chunk-000/file-000.parquet': f'{copy}: episodes 0, 1, 2 of 3 have no '
                                                    'row in meta/episodes',
        'meta/tasks.parquet': f'{copy / "meta/tasks.parquet"}: No such file or directory'}
    assert expected[missing] in err


def test_a_data_file_that_is_not_parquet_gives_one_error_line(dataset, tmp_path, capsys):
    copy = tmp_path / 'ds'
    shutil.copytree(dataset, copy)
    (copy / 'data/chunk-000/file-000.parquet').write_bytes(b'not parquet')
    assert main(['report', str(copy), '--out', str(tmp_path / 'report')]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f'error: {copy / "data/chunk-000/file-000.parquet"}: cannot be read '
                          'as a data file of this dataset: ') and len(err.splitlines()) == 1
