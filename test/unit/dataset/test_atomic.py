"""Exports and appends are all-or-nothing: a failure leaves no half-written dataset."""

from __future__ import annotations

import dataclasses
import hashlib
import json

import numpy as np
import pandas as pd
import pytest

from interop_bridge.errors import ExportError
from interop_bridge.dataset.atomic import write_dataset
from interop_bridge.dataset.validate import validate_dataset

CAMERA = 'observation.images.head'


def file_hashes(root):
    return {path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(root.rglob('*')) if path.is_file()}


def leftovers(parent):
    return sorted(path.name for path in parent.iterdir() if '.staging-' in path.name
                  or '.old-' in path.name)


def export(kit, root, episodes, robot='unitree_g1_29dof', **options):
    episodes_of_robot = (dataclasses.replace(episode, robot_type=robot) for episode in episodes)
    return write_dataset(root, kit.features, kit.fps, episodes_of_robot,
                         {'exporter': f'test {robot}'}, **options)


@pytest.fixture
def existing(tmp_path, kit):
    root = tmp_path / 'ds'
    export(kit, root, [kit.episode(kit.features, 10, 'pick', seed=0),
                       kit.episode(kit.features, 8, 'place', seed=1, first_frame=10)])
    return root


def test_a_frame_source_failing_mid_export_leaves_nothing_behind(tmp_path, kit):
    root = tmp_path / 'ds'
    episodes = [kit.episode(kit.features, 10, 'pick'),
                kit.episode(kit.features, 10, 'pick', seed=1, fail_at=4)]
    with pytest.raises(RuntimeError, match='camera driver died at frame 4'):
        export(kit, root, episodes)
    assert not root.exists()
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_during_an_export_leaves_nothing_behind(tmp_path, kit):
    def episodes():
        yield kit.episode(kit.features, 10, 'pick')
        msg = 'Ctrl-C in the middle of the export'
        raise KeyboardInterrupt(msg)
    with pytest.raises(KeyboardInterrupt):
        export(kit, tmp_path / 'ds', episodes())
    assert list(tmp_path.iterdir()) == []


def test_a_complete_export_appears_only_at_the_end(tmp_path, kit):
    root = tmp_path / 'ds'
    seen = []

    def on_episode(index, episode):
        seen.append((index, root.exists(), len(leftovers(tmp_path))))
    summary = export(kit, root, [kit.episode(kit.features, 5, 'pick')], on_episode=on_episode)
    assert seen == [(0, False, 1)]
    assert summary.root == root and summary.total_episodes == 1
    assert validate_dataset(root).ok
    assert leftovers(tmp_path) == []
    assert oct(root.stat().st_mode & 0o777) != oct(0o700)


def test_appending_continues_indices_reuses_tasks_and_keeps_existing_files(existing, kit):
    before = file_hashes(existing)
    summary = export(kit, existing, [kit.episode(kit.features, 6, 'pick', seed=2,
                                                 first_frame=18),
                                     kit.episode(kit.features, 4, 'stack', seed=3,
                                                 first_frame=24)], robot='booster_t1')
    assert (summary.total_episodes, summary.new_episodes, summary.total_frames) == (4, 2, 28)
    after = file_hashes(existing)
    for name in ('data/chunk-000/file-000.parquet', f'videos/{CAMERA}/chunk-000/file-000.mp4',
                 'meta/episodes/chunk-000/file-000.parquet'):
        assert after[name] == before[name]
    assert 'data/chunk-000/file-001.parquet' in after
    tasks = pd.read_parquet(existing / 'meta/tasks.parquet')
    assert list(tasks.index) == ['pick', 'place', 'stack']
    frame = pd.read_parquet(existing / 'data')
    assert frame['index'].tolist() == list(range(28))
    assert frame['task_index'].tolist() == [0] * 10 + [1] * 8 + [0] * 6 + [2] * 4
    info = json.loads((existing / 'meta/info.json').read_text())
    assert info['robot_type'] == 'unitree_g1_29dof+booster_t1'
    assert info['splits'] == {'train': '0:4'}
    interop = json.loads((existing / 'meta/interop.json').read_text())
    assert interop['robots'] == ['unitree_g1_29dof', 'booster_t1']
    assert [export['episodes'] for export in interop['exports']] == ['0:2', '2:4']
    assert interop['episodes']['3']['robot_type'] == 'booster_t1'
    report = validate_dataset(existing)
    assert report.ok, report.render()


def test_appended_statistics_equal_those_of_one_export(tmp_path, kit):
    episodes = [kit.episode(kit.features, length, task, seed=seed, invalid_joints=invalid)
                for length, task, seed, invalid in ((10, 'a', 0, [2]), (7, 'b', 1, []),
                                                    (12, 'a', 2, [2, 5]))]
    export(kit, tmp_path / 'once', episodes)
    export(kit, tmp_path / 'twice', episodes[:2])
    export(kit, tmp_path / 'twice', episodes[2:])
    once = json.loads((tmp_path / 'once/meta/stats.json').read_text())
    twice = json.loads((tmp_path / 'twice/meta/stats.json').read_text())
    assert once.keys() == twice.keys()
    for key in ('observation.state', 'action', CAMERA, 'index'):
        for stat, value in once[key].items():
            np.testing.assert_allclose(twice[key][stat], value, rtol=1e-9, err_msg=key + stat)


def test_a_failed_append_leaves_the_dataset_byte_for_byte_unchanged(existing, kit):
    before = file_hashes(existing)
    with pytest.raises(RuntimeError, match='camera driver died'):
        export(kit, existing, [kit.episode(kit.features, 6, 'new task', seed=2),
                               kit.episode(kit.features, 6, 'new task', seed=3, fail_at=2)])
    assert file_hashes(existing) == before
    assert leftovers(existing.parent) == []


def test_appending_a_different_schema_is_refused_and_changes_nothing(existing, kit):
    before = file_hashes(existing)
    with pytest.raises(ExportError) as error:
        write_dataset(existing, kit.features_without_video, kit.fps,
                      [kit.episode(kit.features_without_video, 5, 'pick')], {})
    assert str(error.value) == (
        f"cannot append to {existing}: schemas differ: cameras ['{CAMERA}'] vs []; features "
        f"only in the first: ['{CAMERA}'], only in the second: []")
    with pytest.raises(ExportError, match=f"cannot append to {existing}: schemas differ: fps 10 "
                                          'vs 15'):
        write_dataset(existing, kit.features, 15, [], {})
    with pytest.raises(ExportError, match=f"{CAMERA} video.codec is 'av1', but this export "
                                          "encodes 'h264'"):
        export(kit, existing, [], vcodec='libx264')
    assert file_hashes(existing) == before
    assert leftovers(existing.parent) == []


def test_a_directory_that_is_not_a_dataset_is_not_written_into(tmp_path, kit):
    (tmp_path / 'notes').mkdir()
    (tmp_path / 'notes/todo.txt').write_text('keep me')
    with pytest.raises(ExportError, match='notes: exists and is not a LeRobot dataset'):
        export(kit, tmp_path / 'notes', [kit.episode(kit.features, 5, 'pick')])
    assert (tmp_path / 'notes/todo.txt').read_text() == 'keep me'


def test_episodes_of_two_robots_share_files_until_the_size_limit_rolls_them_over(tmp_path, kit):
    features = kit.features_without_video
    episodes = [kit.episode(features, 40, 'pick', seed=seed,
                            robot_type=('unitree_g1_29dof', 'booster_t1')[seed % 2])
                for seed in range(4)]
    write_dataset(tmp_path / 'one', features, kit.fps, episodes, {})
    write_dataset(tmp_path / 'rolled', features, kit.fps, episodes, {}, data_file_mb=0.02)
    assert len(list((tmp_path / 'one/data').rglob('*.parquet'))) == 1
    rolled = pd.read_parquet(tmp_path / 'rolled/meta/episodes')
    assert rolled['data/file_index'].tolist() == [0, 1, 2, 3]
    for root in (tmp_path / 'one', tmp_path / 'rolled'):
        info = json.loads((root / 'meta/info.json').read_text())
        assert info['robot_type'] == 'unitree_g1_29dof+booster_t1'
        assert validate_dataset(root).ok
    once = json.loads((tmp_path / 'one/meta/stats.json').read_text())
    rolled_stats = json.loads((tmp_path / 'rolled/meta/stats.json').read_text())
    np.testing.assert_allclose(rolled_stats['action']['std'], once['action']['std'], rtol=1e-12)


@pytest.mark.parametrize('robot_type', ['', '  ', 'g1+t1', 7])
def test_an_episode_with_a_bad_robot_type_is_refused_naming_it(tmp_path, kit, robot_type):
    episode = dataclasses.replace(kit.episode(kit.features, 5, 'pick'), robot_type=robot_type)
    with pytest.raises(ExportError) as error:
        write_dataset(tmp_path / 'ds', kit.features, kit.fps, [episode], {})
    assert str(error.value) == (f'episode 0 robot_type {robot_type!r}: expected None or one '
                                "robot name (a non-empty string without '+')")
    assert list(tmp_path.iterdir()) == []


def test_episodes_without_a_robot_give_a_null_robot_type(tmp_path, kit):
    write_dataset(tmp_path / 'ds', kit.features, kit.fps,
                  [kit.episode(kit.features, 5, 'pick', robot_type=None)], {})
    assert json.loads((tmp_path / 'ds/meta/info.json').read_text())['robot_type'] is None
    interop = json.loads((tmp_path / 'ds/meta/interop.json').read_text())
    assert (interop['robots'], interop['episodes']['0']['robot_type']) == ([], None)
