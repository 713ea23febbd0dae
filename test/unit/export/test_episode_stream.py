"""Episodes written in segments (export/episode_stream.py) equal episodes built whole, and the
bag's ground truth, across segment boundaries, dropouts, next-state actions and cameras."""

from __future__ import annotations

import json
from pathlib import Path

import bag_factory as bf
from dataset_rows import read_rows
import numpy as np
import pyarrow.parquet as pq
import pytest

from interop_bridge.canonical import load_canonical
from interop_bridge.dataset.episode_stream import EpisodeSegment, StreamedEpisode
from interop_bridge.dataset.features import canonical_features
from interop_bridge.dataset.writer import DatasetWriter
from interop_bridge.errors import ExportError
from interop_bridge.export.episode_assembly import ExportPolicy
from interop_bridge.export.exporter import ExportRequest, export_recordings

PROFILE = 'unitree_g1_29dof'
PART_S = 0.5  # 15 frames at 30 fps: a 4 s episode is 9 parts


def export(bag: Path, out: Path, streamed: bool, action: str = 'commands',
           part_s: float = PART_S) -> None:
    request = ExportRequest(bags=(bag,), out=out, vcodec='libx264', profile=PROFILE,
                            task='walk', policy=ExportPolicy(action=action))
    export_recordings(request, lambda line: None, streamed=streamed, max_episode_s=part_s)


def tables(root: Path, directory: str) -> list:
    return [pq.read_table(path) for path in sorted((root / directory).rglob('*.parquet'))]


def assert_same_dataset(one: Path, other: Path) -> None:
    for directory in ('data', 'meta/episodes'):
        first, second = tables(one, directory), tables(other, directory)
        assert len(first) == len(second)
        for table, twin in zip(first, second, strict=True):
            assert table.equals(twin), directory
    for name in ('info.json', 'stats.json'):
        assert json.loads((one / 'meta' / name).read_text()) == \
            json.loads((other / 'meta' / name).read_text())
    episodes = json.loads((one / 'meta' / 'interop.json').read_text())['episodes']
    assert episodes == json.loads((other / 'meta' / 'interop.json').read_text())['episodes']
    videos = sorted(path.relative_to(one) for path in one.rglob('*.mp4'))
    assert videos and videos == sorted(path.relative_to(other) for path in other.rglob('*.mp4'))


@pytest.mark.parametrize('action', ['commands', 'next-state'])
def test_an_episode_written_in_segments_equals_the_episode_built_whole(action, tmp_path):
    # The state starts 1 s late (its columns wait for their first valid value two segments
    # on) and drops out from 2.1 to 2.6 s (held across a segment boundary).
    bag = bf.write_vendor_bag(tmp_path / 'bag', PROFILE, duration_s=4.0, commands=True,
                              state_gap=(2.1, 2.6))
    late = bf.write_vendor_bag(tmp_path / 'late', PROFILE, duration_s=3.0, commands=True,
                               state_gap=(0.0, 1.0))
    for name, source in (('gap', bag), ('late', late)):
        export(source, tmp_path / f'{name}_streamed', streamed=True, action=action)
        export(source, tmp_path / f'{name}_whole', streamed=False, action=action)
        assert_same_dataset(tmp_path / f'{name}_streamed', tmp_path / f'{name}_whole')
    # Segmenting off: parts longer than the episode give one episode, the same way.
    export(bag, tmp_path / 'one_streamed', streamed=True, action=action, part_s=512)
    export(bag, tmp_path / 'one_whole', streamed=False, action=action, part_s=512)
    assert_same_dataset(tmp_path / 'one_streamed', tmp_path / 'one_whole')
    info = json.loads((tmp_path / 'gap_streamed' / 'meta' / 'info.json').read_text())
    assert info['total_episodes'] == 9 and info['total_frames'] == 121


def test_segmented_values_and_statistics_match_the_bag_ground_truth(tmp_path):
    bag = bf.write_vendor_bag(tmp_path / 'bag', PROFILE, duration_s=4.0, state_gap=(2.1, 2.6))
    export(bag, tmp_path / 'ds', streamed=True)
    rows = read_rows(tmp_path / 'ds')
    assert len(rows['frame_index']) == 121
    valid = rows['valid.observation.state'].any(axis=1)
    for frame in range(121):  # outside the dropout and the 0.1 s it may hold the last sample
        state, flags = bf.mapped_state(PROFILE, frame / 30)
        if not 2.1 <= frame / 30 <= 2.7:
            np.testing.assert_allclose(rows['observation.state'][frame], state, atol=2e-6)
            np.testing.assert_array_equal(rows['valid.observation.state'][frame], flags)
    # In the dropout (0.1 s of staleness allowed) the frames hold the last valid frame's value.
    invalid = np.flatnonzero(~valid)
    assert invalid.size and 2.1 < invalid[0] / 30 <= 2.2 + 1e-9 and invalid[-1] / 30 < 2.6
    np.testing.assert_array_equal(rows['observation.state'][invalid],
                                  np.repeat(rows['observation.state'][invalid[0] - 1:invalid[0]],
                                            invalid.size, axis=0))
    # Each part's statistics, over its own valid rows, computed here with numpy.
    episodes = pq.read_table(next((tmp_path / 'ds' / 'meta' / 'episodes').rglob('*.parquet')))
    joints = [index for index in range(32) if rows['valid.observation.state'][:, index].any()]
    for row in episodes.to_pylist():
        frames = slice(row['dataset_from_index'], row['dataset_to_index'])
        part = rows['observation.state'][frames][:, joints].astype(np.float64)
        ok = rows['valid.observation.state'][frames][:, joints] > 0.5
        for column, joint_values in enumerate(part.T):
            used = joint_values[ok[:, column]]
            if used.size:
                assert row['stats/observation.state/mean'][column] == \
                    pytest.approx(used.mean(), abs=1e-9)
                assert row['stats/observation.state/max'][column] == \
                    pytest.approx(used.max(), abs=1e-12)


def _features():
    return canonical_features(load_canonical(), {}, 'none')


def test_a_streamed_episode_with_a_bad_segment_leaves_the_writer_unusable(tmp_path):
    features = _features()
    width = {feature.key: feature.shape for feature in features}
    good = {key: np.zeros((4, *shape), dtype=np.float32) for key, shape in width.items()}
    bad = {**good, 'observation.state': np.zeros((4, 3), dtype=np.float32)}

    def segments(max_frames):
        yield EpisodeSegment(4, good)
        yield EpisodeSegment(4, bad)
    writer = DatasetWriter(tmp_path / 'ds', features, 30, 'libx264')
    with pytest.raises(ExportError, match=r"column 'observation.state': shape \(4, 3\)"):
        writer.write_episode(StreamedEpisode('walk', segments, length=8))
    with pytest.raises(ExportError, match='the writer failed while writing episode'):
        writer.write_episode(StreamedEpisode('walk', segments, length=8))


def test_a_streamed_episode_without_frames_or_with_a_wrong_length_is_refused(tmp_path):
    features = _features()
    columns = {feature.key: np.zeros((3, *feature.shape), dtype=np.float32)
               for feature in features}
    writer = DatasetWriter(tmp_path / 'empty', features, 30, 'libx264')
    with pytest.raises(ExportError, match='episode 0: its segments held no frame'):
        writer.write_episode(StreamedEpisode('walk', lambda frames: iter(())))
    writer = DatasetWriter(tmp_path / 'wrong', features, 30, 'libx264')
    with pytest.raises(ExportError, match='its segments held 3 frames, its length says 5'):
        writer.write_episode(StreamedEpisode(
            'walk', lambda frames: iter([EpisodeSegment(3, columns)]), length=5))
