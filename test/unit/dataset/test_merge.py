"""`interop merge` combines datasets of one schema, robots may differ; conflicts are refused."""

from __future__ import annotations

import dataclasses
import json
import shutil

import numpy as np
import pandas as pd
import pytest

from interop_bridge.cli import main
from interop_bridge.errors import ExportError
from interop_bridge.dataset.atomic import write_dataset
from interop_bridge.dataset.merge import merge_datasets
from interop_bridge.dataset.parquet_io import column_values, read_table
from interop_bridge.dataset.validate import validate_dataset

CAMERA = 'observation.images.head'


@pytest.fixture(scope='module')
def sources(tmp_path_factory, kit):
    """A G1 dataset (pick 10, place 8 frames) and a T1 dataset (place 6, wave 5 frames)."""
    base = tmp_path_factory.mktemp('merge')
    episodes = [kit.episode(kit.features, 10, 'pick', seed=0, invalid_joints=[7]),
                kit.episode(kit.features, 8, 'place', seed=1, first_frame=10),
                kit.episode(kit.features, 6, 'place', seed=2, first_frame=18,
                            robot_type='booster_t1'),
                kit.episode(kit.features, 5, 'wave', seed=3, first_frame=24,
                            robot_type='booster_t1')]
    write_dataset(base / 'g1', kit.features, kit.fps, episodes[:2], {'exporter': 'g1'})
    write_dataset(base / 't1', kit.features, kit.fps, episodes[2:], {'exporter': 't1'})
    write_dataset(base / 'all', kit.features, kit.fps, episodes, {})
    return base, episodes


@pytest.fixture(scope='module')
def merged(sources):
    base, _ = sources
    summary = merge_datasets(base / 'merged', [base / 'g1', base / 't1'])
    return base / 'merged', summary


def test_merging_two_robots_renumbers_episodes_and_joins_robot_types(merged):
    root, summary = merged
    assert (summary.total_episodes, summary.total_frames) == (4, 29)
    info = json.loads((root / 'meta/info.json').read_text())
    assert info['robot_type'] == 'unitree_g1_29dof+booster_t1'
    assert (info['total_episodes'], info['total_frames'], info['total_tasks']) == (4, 29, 3)
    assert list(pd.read_parquet(root / 'meta/tasks.parquet').index) == ['pick', 'place', 'wave']
    frame = pd.read_parquet(root / 'data')
    assert frame['index'].tolist() == list(range(29))
    assert frame['episode_index'].tolist() == [0] * 10 + [1] * 8 + [2] * 6 + [3] * 5
    assert frame['task_index'].tolist() == [0] * 10 + [1] * 8 + [1] * 6 + [2] * 5
    report = validate_dataset(root)
    assert report.ok, report.render()


def test_merged_values_and_frames_are_the_sources(merged, sources, kit):
    root, _ = merged
    _, episodes = sources
    table = read_table(sorted((root / 'data').rglob('*.parquet')))
    expected = np.concatenate([episode.columns['action'] for episode in episodes])
    np.testing.assert_array_equal(column_values(table, 'action'), expected)
    videos = sorted((root / f'videos/{CAMERA}').rglob('*.mp4'))
    assert [index for path in videos for index in kit.decoded_indices(path)] == list(range(29))
    rows = pd.read_parquet(root / 'meta/episodes')
    assert rows[f'videos/{CAMERA}/file_index'].tolist() == [0, 0, 1, 1]
    assert rows[f'videos/{CAMERA}/from_timestamp'].tolist() == [0.0, 1.0, 0.0, 0.6]


def test_merged_statistics_equal_those_of_one_export(merged, sources):
    root, _ = merged
    base, _ = sources
    merged_stats = json.loads((root / 'meta/stats.json').read_text())
    single = json.loads((base / 'all/meta/stats.json').read_text())
    for key in ('observation.state', 'action', CAMERA, 'index', 'episode_index'):
        for stat, value in single[key].items():
            np.testing.assert_allclose(merged_stats[key][stat], value, rtol=1e-9,
                                       err_msg=f'{key}/{stat}')
    rows = pd.read_parquet(root / 'meta/episodes/chunk-000/file-000.parquet')
    assert rows['stats/index/min'].tolist()[3].tolist() == [24.0]


def test_interop_json_keeps_each_episodes_robot_and_origin(merged, sources):
    root, _ = merged
    base, _ = sources
    interop = json.loads((root / 'meta/interop.json').read_text())
    assert interop['robots'] == ['unitree_g1_29dof', 'booster_t1']
    assert interop['episodes']['2']['robot_type'] == 'booster_t1'
    assert interop['episodes']['2']['merged_from'] == {'dataset': str(base / 't1'),
                                                       'episode_index': 0}
    assert [(e['episodes'], e['exporter']) for e in interop['exports']] == \
        [('0:2', 'g1'), ('2:4', 't1')]


def test_datasets_with_different_schemas_are_refused_naming_the_difference(sources, kit,
                                                                           tmp_path):
    base, _ = sources
    renamed = [dataclasses.replace(f, names=('a', 'b', *f.names[2:]))
               if f.key == 'observation.state' else f for f in kit.features]
    write_dataset(tmp_path / 'renamed', renamed, kit.fps,
                  [kit.episode(renamed, 5, 'pick')], {})
    with pytest.raises(ExportError) as error:
        merge_datasets(tmp_path / 'out', [base / 'g1', tmp_path / 'renamed'])
    assert str(error.value) == (
        f'cannot merge {tmp_path / "renamed"} with {base / "g1"}: schemas differ: '
        "observation.state names ['left_hip_pitch', 'left_hip_roll', 'left_hip_yaw', ... (32 "
        "items)] vs ['a', 'b', 'left_hip_yaw', ... (32 items)]")
    write_dataset(tmp_path / 'slow', kit.features_without_video, 5,
                  [kit.episode(kit.features_without_video, 5, 'pick')], {})
    with pytest.raises(ExportError) as error:
        merge_datasets(tmp_path / 'out', [base / 'g1', tmp_path / 'slow'])
    assert str(error.value) == (
        f'cannot merge {tmp_path / "slow"} with {base / "g1"}: schemas differ: fps 10 vs 5; '
        f"cameras ['{CAMERA}'] vs []; features only in the first: ['{CAMERA}'], only in the "
        'second: []')
    assert not (tmp_path / 'out').exists()


def test_the_command_merges_and_reports_conflicts_as_one_line(sources, tmp_path, capsys):
    base, _ = sources
    assert main(['merge', '--out', str(tmp_path / 'm'), str(base / 'g1'), str(base / 't1')]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == \
        f'wrote {tmp_path / "m"}: 4 episodes, 29 frames'
    assert main(['merge', '--out', str(tmp_path / 'm'), str(base / 'g1')]) == 1
    assert capsys.readouterr().err == \
        f'error: {tmp_path / "m"}: already holds a dataset; merge writes a new one\n'


def test_a_failing_merge_leaves_no_output(sources, tmp_path):
    base, _ = sources
    broken = tmp_path / 'broken'
    shutil.copytree(base / 't1', broken)
    video = broken / f'videos/{CAMERA}/chunk-000/file-000.mp4'
    video.unlink()
    with pytest.raises(ExportError, match=f'{video}: missing, but episode 0 of {broken}'):
        merge_datasets(tmp_path / 'out', [base / 'g1', broken])
    assert sorted(path.name for path in tmp_path.iterdir()) == ['broken']
