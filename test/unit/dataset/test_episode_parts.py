"""Episodes longer than the maximum are split into parts; MP4 files roll over by duration."""

from __future__ import annotations

import json
import math

import numpy as np
import pyarrow.parquet as pq
import pytest

from interop_bridge.errors import ExportError
from interop_bridge.dataset.episode import Episode
from interop_bridge.dataset.episode_parts import DurationLimits, frames_in, split_episode
from interop_bridge.dataset.layout import MAX_EPISODE_S, FileSlot
from interop_bridge.dataset.merge import merge_datasets
from interop_bridge.dataset.parquet_io import column_values
from interop_bridge.dataset.validate import validate_dataset
from interop_bridge.dataset.video import CameraEncoder, VideoOptions
from interop_bridge.dataset.writer import DatasetWriter

CAMERA = 'observation.images.head'
STATE = 'observation.state'


def plain_episode(length: int) -> Episode:
    """Column s: entry 0 is the frame number, entry 1 its negative."""
    state = np.stack([np.arange(length), -np.arange(length)], axis=1).astype(np.float32)
    return Episode(task='t', length=length, columns={'s': state})


def test_parts_have_the_maximum_length_and_consecutive_offsets():
    parts = split_episode(plain_episode(25), 10)
    assert [part.episode.length for part in parts] == [10, 10, 5]
    assert [part.frame_offset for part in parts] == [0, 10, 20]
    assert [(part.number, part.count, part.original_frames) for part in parts] == \
        [(0, 3, 25), (1, 3, 25), (2, 3, 25)]
    for part in parts:
        offset, length = part.frame_offset, part.episode.length
        np.testing.assert_array_equal(part.episode.columns['s'][:, 0],
                                      np.arange(offset, offset + length, dtype=np.float32))
    assert parts[1].record('ep-a') == {'episode_id': 'ep-a', 'part': 1, 'parts': 3,
                                       'frame_offset': 10, 'frames': 25}


@pytest.mark.parametrize('length', [1, 9, 10])
def test_an_episode_that_fits_is_one_part_unchanged(length):
    episode = plain_episode(length)
    [part] = split_episode(episode, 10)
    assert part.episode is episode
    assert (part.number, part.count, part.frame_offset, part.is_split) == (0, 1, 0, False)


def test_a_length_that_is_exactly_two_parts_has_no_empty_third():
    assert [part.episode.length for part in split_episode(plain_episode(20), 10)] == [10, 10]


@pytest.mark.parametrize('seconds', [0, -1.0, math.nan, math.inf, '512', True, None,
                                     MAX_EPISODE_S + 1, 512.5])
def test_a_maximum_outside_0_to_512_s_is_refused(seconds):
    with pytest.raises(ExportError, match=r'expected a number of seconds above 0 and at '
                       r'most 512 \(past it float32 timestamps'):
        frames_in(seconds, 30, 'max_episode_s', MAX_EPISODE_S)


def test_a_maximum_shorter_than_one_frame_is_refused():
    with pytest.raises(ExportError, match=r'max_episode_s 0.01: shorter than one frame at '
                       r'30 fps'):
        frames_in(0.01, 30, 'max_episode_s', MAX_EPISODE_S)


def test_frames_in_counts_whole_frames_without_float_loss():
    assert frames_in(512, 30, 'm', 512) == 15360
    assert frames_in(2.3, 10, 'm', 512) == 23  # 2.3 * 10 is 22.999999999999996
    assert frames_in(0.15, 10, 'm', 512) == 1


@pytest.mark.parametrize('max_frames', [0, -3, 2.5, True])
def test_split_refuses_a_maximum_that_is_not_a_positive_int(max_frames):
    with pytest.raises(ExportError, match='maximum episode length .* frames: expected a '
                       'positive int'):
        split_episode(plain_episode(5), max_frames)


def test_duration_limits_refuse_files_shorter_than_episodes():
    assert DurationLimits.of(30, 512, 512) == DurationLimits(15360, 15360)
    with pytest.raises(ExportError, match=r'video_file_s 1.0 is below max_episode_s 2.0: an '
                       r'episode is never split across MP4 files'):
        DurationLimits.of(10, 2.0, 1.0)


@pytest.mark.parametrize('limits', [{'max_episode_s': 0}, {'max_episode_s': -5},
                                    {'video_file_s': 0}, {'video_file_s': 600}])
def test_the_writer_refuses_bad_limits(tmp_path, kit, limits):
    with pytest.raises(ExportError, match='expected a number of seconds above 0'):
        DatasetWriter(tmp_path / 'ds', kit.features, kit.fps, 'libx264', **limits)


def test_part_frame_sources_are_called_once_each_in_order(kit):
    episode = kit.episode(kit.features, 25, 'pick')
    parts = split_episode(episode, 10)
    with pytest.raises(ExportError, match='frame source of part 1 called after part -1: the '
                       'parts of a split episode are encoded once each, in order'):
        parts[1].episode.videos[CAMERA]()
    assert [kit.index_of(frame) for frame in parts[0].episode.videos[CAMERA]()] == \
        list(range(10))
    assert [kit.index_of(frame) for frame in parts[1].episode.videos[CAMERA]()] == \
        list(range(10, 20))
    assert [kit.index_of(frame) for frame in parts[2].episode.videos[CAMERA]()] == \
        list(range(20, 25))


@pytest.fixture(scope='module')
def split_dataset(tmp_path_factory, kit):
    """Episode 'a' of 25 frames split at 1 s (10 frames) and episode 'b' of 7 frames."""
    root = tmp_path_factory.mktemp('parts') / 'ds'
    writer = DatasetWriter(root, kit.features, kit.fps, 'libx264', max_episode_s=1.0,
                           video_file_s=1.0)
    long = kit.episode(kit.features, 25, 'pick', seed=3,
                       meta={'source_bag': 'long.mcap', 'episode_id': 'a'},
                       robot_type='booster_t1')
    short = kit.episode(kit.features, 7, 'place', seed=4, first_frame=25,
                        meta={'source_bag': 'short.mcap', 'episode_id': 'b'})
    assert writer.write_episode(long) == 0
    assert writer.write_episode(short) == 3
    writer.finalize({})
    return root, long, short


def test_a_split_episode_becomes_consecutive_episodes_on_their_own_grids(split_dataset, kit):
    root, long, _ = split_dataset
    info = json.loads((root / 'meta/info.json').read_text())
    assert (info['total_episodes'], info['total_frames'], info['total_tasks']) == (4, 32, 2)
    data = pq.read_table(root / 'data/chunk-000/file-000.parquet')
    episodes = data.column('episode_index').to_numpy()
    frames = data.column('frame_index').to_numpy()
    assert episodes.tolist() == [0] * 10 + [1] * 10 + [2] * 5 + [3] * 7
    assert frames.tolist() == [*range(10), *range(10), *range(5), *range(7)]
    assert data.column('index').to_numpy().tolist() == list(range(32))
    np.testing.assert_array_equal(data.column('timestamp').to_numpy(),
                                  (frames / kit.fps).astype(np.float32))
    state = column_values(data.slice(0, 25), STATE).reshape(25, -1)
    np.testing.assert_array_equal(state, long.columns[STATE])
    assert data.column('task_index').to_numpy().tolist() == [0] * 25 + [1] * 7


def test_each_part_records_the_original_episode_in_interop_json(split_dataset):
    root, _, _ = split_dataset
    entries = json.loads((root / 'meta/interop.json').read_text())['episodes']
    for part in range(3):
        entry = entries[str(part)]
        assert entry['split'] == {'episode_id': 'a', 'part': part, 'parts': 3,
                                  'frame_offset': 10 * part, 'frames': 25}
        assert (entry['robot_type'], entry['source_bag'], entry['episode_id']) == \
            ('booster_t1', 'long.mcap', 'a')
    assert 'split' not in entries['3']
    assert entries['3']['episode_id'] == 'b'


def test_camera_frames_of_each_part_are_its_own(split_dataset, kit):
    root, _, _ = split_dataset
    rows = pq.read_table(root / 'meta/episodes/chunk-000/file-000.parquet').to_pylist()
    expected_codes = [range(0, 10), range(10, 20), range(20, 25), range(25, 32)]
    for row, codes in zip(rows, expected_codes, strict=True):
        slot = (row[f'videos/{CAMERA}/chunk_index'], row[f'videos/{CAMERA}/file_index'])
        path = root / f'videos/{CAMERA}/chunk-{slot[0]:03d}/file-{slot[1]:03d}.mp4'
        first = round(row[f'videos/{CAMERA}/from_timestamp'] * kit.fps)
        decoded = kit.decoded_indices(path)[first:first + row['length']]
        assert decoded == list(codes), row['episode_index']
    # video_file_s = max_episode_s = 1 s: every part fills its own file; 'b' gets the last
    assert [row[f'videos/{CAMERA}/file_index'] for row in rows] == [0, 1, 2, 3]


def test_a_split_dataset_validates(split_dataset):
    report = validate_dataset(split_dataset[0])
    assert report.ok, report


def test_a_long_episode_not_fitting_the_schema_is_refused_before_writing(tmp_path, kit):
    writer = DatasetWriter(tmp_path / 'ds', kit.features, kit.fps, 'libx264',
                           max_episode_s=1.0)
    bad = kit.episode(kit.features, 25, 'pick')
    columns = dict(bad.columns)
    columns[STATE] = columns[STATE][:24]  # the last part would have had 4 rows
    with pytest.raises(ExportError, match=r"episode 0 column 'observation.state': shape "
                       r'\(24, 32\), expected \(25, 32\)'):
        writer.write_episode(Episode(task='pick', length=25, columns=columns,
                                     videos=bad.videos))
    assert writer.write_episode(kit.episode(kit.features, 5, 'pick')) == 0
    assert not (tmp_path / f'ds/videos/{CAMERA}/chunk-000/file-001.mp4').exists()


@pytest.mark.parametrize('count, error', [(24, 'yielded 4 frames, expected 5'),
                                          (26, 'yielded more than 5 frames, expected 5')])
def test_a_frame_source_of_the_wrong_length_fails_in_its_last_part(tmp_path, kit, count,
                                                                   error):
    writer = DatasetWriter(tmp_path / 'ds', kit.features, kit.fps, 'libx264',
                           max_episode_s=1.0)
    episode = kit.episode(kit.features, 25, 'pick')
    wrong = Episode(task='pick', length=25, columns=episode.columns,
                    videos={CAMERA: lambda: (kit.frame_for(k) for k in range(count))})
    with pytest.raises(ExportError, match=f'{CAMERA}: episode 2: the frame source {error}'):
        writer.write_episode(wrong)
    with pytest.raises(ExportError, match='the writer failed while writing episode 2'):
        writer.write_episode(kit.episode(kit.features, 5, 'pick'))


def encoder(kit, root, max_frames):
    return CameraEncoder(root, CAMERA, kit.fps, (kit.height, kit.width, 3),
                         VideoOptions.for_codec('libx264'), 10**9, FileSlot(), max_frames)


def test_mp4_files_roll_over_by_duration(tmp_path, kit):
    camera = encoder(kit, tmp_path, max_frames=20)
    spans = [camera.encode_episode((kit.frame_for(8 * episode + k) for k in range(8)), 8,
                                   episode) for episode in range(5)]
    camera.close()
    assert [(span.slot.file_index, span.from_timestamp, span.to_timestamp)
            for span in spans] == [(0, 0.0, 0.8), (0, 0.8, 1.6), (1, 0.0, 0.8),
                                   (1, 0.8, 1.6), (2, 0.0, 0.8)]
    for file_index, first in ((0, 0), (1, 16), (2, 32)):
        path = tmp_path / f'videos/{CAMERA}/chunk-000/file-{file_index:03d}.mp4'
        count = 8 if file_index == 2 else 16
        assert kit.decoded_indices(path) == list(range(first, first + count))


def test_an_episode_exactly_filling_a_file_stays_in_it(tmp_path, kit):
    camera = encoder(kit, tmp_path, max_frames=20)
    spans = [camera.encode_episode((kit.frame_for(k) for k in range(length)), length, number)
             for number, length in enumerate((12, 8, 1))]
    camera.close()
    assert [(span.slot.file_index, span.from_timestamp) for span in spans] == \
        [(0, 0.0), (0, 1.2), (1, 0.0)]


def test_an_episode_longer_than_a_file_is_refused(tmp_path, kit):
    camera = encoder(kit, tmp_path, max_frames=20)
    with pytest.raises(ExportError, match=f'{CAMERA}: episode 4 has 21 frames, more than one '
                       r'MP4 file holds \(20\); split it first'):
        camera.encode_episode(iter(()), 21, 4)


@pytest.mark.parametrize('max_frames', [0, -1, 1.5])
def test_an_encoder_refuses_a_bad_duration_limit(tmp_path, kit, max_frames):
    with pytest.raises(ExportError, match=f'{CAMERA}: max_frames {max_frames!r} per MP4 file, '
                       'expected a positive int'):
        encoder(kit, tmp_path, max_frames)


def test_the_default_file_duration_is_512_s(tmp_path, kit):
    assert encoder(kit, tmp_path, None)._max_frames == 512 * kit.fps


def test_the_writer_rolls_mp4_files_by_duration(tmp_path, kit):
    root = tmp_path / 'ds'
    writer = DatasetWriter(root, kit.features, kit.fps, 'libx264', max_episode_s=1.0,
                           video_file_s=2.5)
    for number in range(5):
        writer.write_episode(kit.episode(kit.features, 10, 'pick', seed=number,
                                         first_frame=10 * number))
    writer.finalize({})
    rows = pq.read_table(root / 'meta/episodes/chunk-000/file-000.parquet').to_pylist()
    assert [(row[f'videos/{CAMERA}/file_index'], row[f'videos/{CAMERA}/from_timestamp'],
             row[f'videos/{CAMERA}/to_timestamp']) for row in rows] == \
        [(0, 0.0, 1.0), (0, 1.0, 2.0), (1, 0.0, 1.0), (1, 1.0, 2.0), (2, 0.0, 1.0)]
    assert validate_dataset(root).ok


def test_a_merge_keeps_the_parts_consecutive_with_their_split_records(split_dataset, tmp_path):
    root, _, _ = split_dataset
    merged = tmp_path / 'merged'
    merge_datasets(merged, [root, root])
    entries = json.loads((merged / 'meta/interop.json').read_text())['episodes']
    parts = [(int(index), entry['split']['part'], entry['split']['frame_offset'])
             for index, entry in entries.items() if 'split' in entry]
    assert parts == [(0, 0, 0), (1, 1, 10), (2, 2, 20), (4, 0, 0), (5, 1, 10), (6, 2, 20)]
    assert validate_dataset(merged).ok
