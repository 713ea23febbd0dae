"""DatasetWriter writes LeRobot v3.0 exactly: values, default columns, files, metadata."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from interop_bridge.errors import ExportError
from interop_bridge.dataset.metadata import gr00t_modality
from interop_bridge.dataset.parquet_io import column_values
from interop_bridge.dataset.writer import DatasetWriter

FPS = 10
CAMERA = 'observation.images.head'
INFO_KEYS = ['codebase_version', 'robot_type', 'total_episodes', 'total_frames', 'total_tasks',
             'chunks_size', 'data_files_size_in_mb', 'video_files_size_in_mb', 'fps', 'splits',
             'data_path', 'video_path', 'features']


@pytest.fixture(scope='module')
def dataset(tmp_path_factory, kit):
    """Three episodes (lengths 12, 7, 9), tasks pick/place/pick, joint 3 invalid in ep 1."""
    root = tmp_path_factory.mktemp('writer') / 'ds'
    features = kit.features
    writer = DatasetWriter(root, features, FPS)
    episodes = [kit.episode(features, 12, 'pick', seed=0),
                kit.episode(features, 7, 'place', seed=1, invalid_joints=[3]),
                kit.episode(features, 9, 'pick', seed=2)]
    for episode in episodes:
        writer.write_episode(episode)
    summary = writer.finalize({'profile': 'g1', 'profile_sha256': 'abc'},
                              modality=gr00t_modality(kit.spec, [CAMERA]))
    return root, episodes, summary


def read_info(root):
    return json.loads((root / 'meta/info.json').read_text())


def test_values_read_back_with_pyarrow_equal_what_was_written(dataset):
    root, episodes, _ = dataset
    table = pq.read_table(root / 'data/chunk-000/file-000.parquet')
    starts = [0, 12, 19]
    for episode, start in zip(episodes, starts, strict=True):
        rows = table.slice(start, episode.length)
        for key, values in episode.columns.items():
            read = column_values(rows, key).reshape(values.shape)
            np.testing.assert_array_equal(read, values, err_msg=key)


def test_vectors_are_fixed_size_lists_and_one_wide_features_plain_columns(dataset):
    root, _, _ = dataset
    schema = pq.read_schema(root / 'data/chunk-000/file-000.parquet')
    state = schema.field('observation.state').type
    assert pa.types.is_fixed_size_list(state) and state.list_size == 32
    assert state.value_type == pa.float32()
    assert str(schema.field('valid.observation.imu').type) == 'float'
    assert str(schema.field('timestamp').type) == 'float'
    assert str(schema.field('index').type) == 'int64'
    assert CAMERA not in schema.names
    assert schema.names[-5:] == ['timestamp', 'frame_index', 'episode_index', 'index',
                                 'task_index']


def test_default_columns_follow_lerobot(dataset):
    root, _, _ = dataset
    frame = pd.read_parquet(root / 'data/chunk-000/file-000.parquet')
    assert frame['index'].tolist() == list(range(28))
    assert frame['episode_index'].tolist() == [0] * 12 + [1] * 7 + [2] * 9
    assert frame['frame_index'].tolist() == [*range(12), *range(7), *range(9)]
    assert frame['task_index'].tolist() == [0] * 12 + [1] * 7 + [0] * 9
    np.testing.assert_allclose(frame['timestamp'][12:19], np.arange(7) / FPS, atol=1e-7)
    assert frame['timestamp'].dtype == np.float32


def test_each_episode_is_one_row_group(dataset):
    root, _, _ = dataset
    metadata = pq.ParquetFile(root / 'data/chunk-000/file-000.parquet').metadata
    assert [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)] == [12, 7, 9]


def test_info_json_has_exactly_lerobots_keys_and_values(dataset, kit):
    root, _, _ = dataset
    info = read_info(root)
    assert list(info) == INFO_KEYS
    assert info['codebase_version'] == 'v3.0'
    assert (info['fps'], info['total_episodes'], info['total_frames'], info['total_tasks']) \
        == (10, 3, 28, 2)
    assert info['splits'] == {'train': '0:3'}
    assert info['robot_type'] == 'unitree_g1_29dof'
    assert info['video_path'] == \
        'videos/{video_key}/chunk-{chunk_index:03d}/file-{file_index:03d}.mp4'
    assert info['features']['timestamp'] == {'dtype': 'float32', 'shape': [1], 'names': None}
    assert info['features']['index'] == {'dtype': 'int64', 'shape': [1], 'names': None}
    assert info['features']['observation.state']['names'][:2] == ['left_hip_pitch',
                                                                  'left_hip_roll']
    video = info['features'][CAMERA]
    assert video['shape'] == [kit.height, kit.width, 3]
    assert video['info'] == {
        'video.height': kit.height, 'video.width': kit.width, 'video.codec': 'av1',
        'video.pix_fmt': 'yuv420p', 'video.is_depth_map': False, 'video.fps': FPS,
        'video.channels': 3, 'has_audio': False, 'video.g': 2, 'video.crf': 30,
        'video.preset': 12}


def test_tasks_parquet_has_the_pandas_index_task(dataset):
    root, _, _ = dataset
    tasks = pd.read_parquet(root / 'meta/tasks.parquet')
    assert tasks.index.name == 'task'
    assert list(tasks.index) == ['pick', 'place']
    assert tasks['task_index'].tolist() == [0, 1]
    assert tasks.iloc[1].name == 'place'  # how LeRobot turns task_index into the string


def test_episodes_parquet_holds_offsets_and_flattened_stats(dataset):
    root, _, _ = dataset
    rows = pq.read_table(root / 'meta/episodes/chunk-000/file-000.parquet').to_pylist()
    assert [row['episode_index'] for row in rows] == [0, 1, 2]
    assert [row['tasks'] for row in rows] == [['pick'], ['place'], ['pick']]
    assert [(row['dataset_from_index'], row['dataset_to_index']) for row in rows] == \
        [(0, 12), (12, 19), (19, 28)]
    assert [row[f'videos/{CAMERA}/from_timestamp'] for row in rows] == [0.0, 1.2, 1.9]
    assert [row[f'videos/{CAMERA}/to_timestamp'] for row in rows] == [1.2, 1.9, 2.8]
    assert rows[1]['data/file_index'] == 0 and rows[1]['meta/episodes/file_index'] == 0
    assert rows[0]['stats/observation.state/count'] == [12]
    assert np.asarray(rows[0][f'stats/{CAMERA}/mean']).shape == (3, 1, 1)
    assert rows[1]['stats/episode_index/min'] == [1.0]


def test_invalid_joint_is_left_out_of_the_statistics(dataset):
    root, _, _ = dataset
    row = pq.read_table(root / 'meta/episodes/chunk-000/file-000.parquet').to_pylist()[1]
    # Joint 3 of episode 1 holds 1e6 junk flagged invalid: neutral statistics there.
    assert row['stats/observation.state/max'][3] == 1.0
    assert row['stats/observation.state/min'][3] == -1.0
    assert row['stats/observation.state/std'][3] == 1.0
    assert row['stats/observation.state/max'][2] == pytest.approx(100 + 0.6 + 0.002, abs=1e-4)
    stats = json.loads((root / 'meta/stats.json').read_text())['observation.state']
    assert stats['max'][3] < 1000  # only episodes 0 and 2 count for joint 3
    assert stats['count'] == [28]
    assert set(stats) == {'min', 'max', 'mean', 'std', 'count', 'q01', 'q10', 'q50', 'q90',
                          'q99'}


def test_interop_json_keeps_our_metadata_per_episode(dataset):
    root, _, _ = dataset
    interop = json.loads((root / 'meta/interop.json').read_text())
    assert interop['robots'] == ['unitree_g1_29dof']
    assert interop['exports'] == [{'episodes': '0:3', 'profile': 'g1', 'profile_sha256': 'abc'}]
    assert interop['episodes']['1'] == {'source_bag': 'bag1.mcap',
                                        'robot_type': 'unitree_g1_29dof'}
    assert interop['valid_keys']['observation.velocity'] == 'valid.observation.state'


def test_modality_json_slices_the_canonical_groups(dataset):
    root, _, _ = dataset
    modality = json.loads((root / 'meta/modality.json').read_text())
    assert modality['state']['left_leg'] == {'start': 0, 'end': 6,
                                             'original_key': 'observation.state'}
    assert modality['action']['head'] == {'start': 29, 'end': 32, 'original_key': 'action',
                                          'absolute': True}
    assert modality['state']['right_hand'] == {'start': 7, 'end': 14,
                                               'original_key': 'observation.hand'}
    assert modality['video'] == {'head': {'original_key': CAMERA}}
    assert modality['annotation'] == {'human.task_description': {'original_key': 'task_index'}}


def test_summary_reports_totals_and_encoder_throughput(dataset):
    _, _, summary = dataset
    assert (summary.total_episodes, summary.total_frames, summary.new_frames) == (3, 28, 28)
    assert summary.encoded_frames == 28
    assert summary.encode_fps > 0


def test_data_files_roll_over_by_size_without_splitting_episodes(tmp_path, kit):
    features = kit.features_without_video
    writer = DatasetWriter(tmp_path / 'ds', features, FPS, data_file_mb=0.02)
    for seed in range(4):
        writer.write_episode(kit.episode(features, 40, 'pick', seed=seed))
    writer.finalize({})
    files = sorted((tmp_path / 'ds/data/chunk-000').glob('*.parquet'))
    assert len(files) > 1
    groups = [pq.ParquetFile(path).metadata.num_row_groups for path in files]
    assert sum(groups) == 4
    episodes = pd.read_parquet(tmp_path / 'ds/meta/episodes')
    assert episodes['data/file_index'].tolist() == sorted(episodes['data/file_index'].tolist())
    assert read_info(tmp_path / 'ds')['video_path'] is None


@pytest.mark.parametrize('change, message', [
    (lambda e: e.columns.pop('action'), "missing ['action'], unexpected []"),
    (lambda e: e.columns.__setitem__('action', np.zeros((3, 32))),
     "column 'action': shape (3, 32), expected (5, 32)"),
    (lambda e: e.columns['action'].__setitem__((2, 4), np.nan),
     "column 'action': frame 2 entry [4] is nan but flagged valid"),
    (lambda e: e.columns['valid.observation.state'].__setitem__((1, 3), 0.5),
     "mask 'valid.observation.state': frame 1 entry [3] is 0.5, expected 1.0 (valid) or 0.0"),
])
def test_bad_episode_columns_are_refused_with_the_reason(tmp_path, kit, change, message):
    episode = kit.episode(kit.features_without_video, 5, 'pick')
    change(episode)
    writer = DatasetWriter(tmp_path / 'ds', kit.features_without_video, FPS)
    with pytest.raises(ExportError, match='episode 0') as error:
        writer.write_episode(episode)
    assert message in str(error.value)


def test_non_integer_fps_and_non_empty_directory_are_refused(tmp_path, kit):
    features = kit.features
    with pytest.raises(ExportError, match='fps 29.97: LeRobot needs a positive integer'):
        DatasetWriter(tmp_path / 'a', features, 29.97)
    (tmp_path / 'b').mkdir()
    (tmp_path / 'b/notes.txt').write_text('mine')
    with pytest.raises(ExportError, match='not empty; a new dataset needs an empty directory'):
        DatasetWriter(tmp_path / 'b', features, FPS)


def test_finalize_without_episodes_is_refused(tmp_path, kit):
    writer = DatasetWriter(tmp_path / 'ds', kit.features, FPS)
    with pytest.raises(ExportError, match='no episode was written; nothing to finalize'):
        writer.finalize({})


def test_a_refused_episode_leaves_the_writer_usable(tmp_path, kit):
    features = kit.features_without_video
    writer = DatasetWriter(tmp_path / 'ds', features, FPS)
    bad = kit.episode(features, 5, 'never seen')
    bad.columns.pop('action')
    with pytest.raises(ExportError, match="missing \\['action'\\]"):
        writer.write_episode(bad)
    assert writer.write_episode(kit.episode(features, 5, 'pick')) == 0
    writer.finalize({})
    assert list(pd.read_parquet(tmp_path / 'ds/meta/tasks.parquet').index) == ['pick']
