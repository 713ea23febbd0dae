"""One `interop export` of bags of two robots is one dataset write: one writer, one finalize.

The bags (test/embodied_bags.py) carry their robot's embodiment, so G1 and T1 bags export
together without --profile. Statistics are checked against numpy over the written parquet.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import bag_factory as bf
import numpy as np
from dataset_rows import raw_rows
import pyarrow.parquet as pq
import pytest
from embodied_bags import embodied_vendor_bag

from interop_bridge.dataset import episodes_table, writer
from interop_bridge.dataset.validate import validate_dataset
from interop_bridge.export.exporter import ExportRequest, export_recordings

G1, T1 = 'unitree_g1_29dof', 'booster_t1'
CAMERA = 'observation.images.camera'
BAGS = (  # name, robot, episodes (start, end, task, outcome)
    ('g1_a', G1, ((0.2, 0.8, 'wave both arms', 2), (1.0, 1.5, 'lower both arms', 2))),
    ('t1_a', T1, ((0.4, 1.1, 'wave both arms', 2),)),
    ('g1_b', G1, ((0.3, 1.0, 'lower both arms', 2),)),
    ('t1_failed', T1, ((0.2, 0.9, 'wave both arms', 3),)),  # FAILURE: left out
    ('t1_b', T1, ((0.5, 1.2, 'wave both arms', 2),)),
)
EPISODE_ROBOTS = [G1, G1, T1, G1, T1]


class Counter:
    """Wraps a function and counts its calls."""

    def __init__(self, function):
        self.function, self.calls = function, 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self.function(*args, **kwargs)


def counted_export(bags, out: Path, **options) -> tuple[list[str], dict[str, Counter]]:
    """Export with the statistics functions counted; returns the progress lines and counts."""
    counters = {'episode_stats': Counter(writer.episode_stats),
                'aggregate_episode_stats': Counter(writer.aggregate_episode_stats),
                'feature_stats': Counter(episodes_table.feature_stats)}
    lines: list[str] = []
    with pytest.MonkeyPatch.context() as patch:
        for name in ('episode_stats', 'aggregate_episode_stats'):
            patch.setattr(writer, name, counters[name])
        patch.setattr(episodes_table, 'feature_stats', counters['feature_stats'])
        export_recordings(ExportRequest(bags=tuple(bags), out=out, vcodec='libx264',
                                        **options), lines.append)
    return lines, counters


@pytest.fixture(scope='module')
def bags(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp('bags')
    return {name: embodied_vendor_bag(base / name, robot, events=tuple(
        bf.EventSpec(start, end, task, outcome) for start, end, task, outcome in episodes))
        for name, robot, episodes in BAGS}


@pytest.fixture(scope='module')
def exported(bags, tmp_path_factory):
    out = tmp_path_factory.mktemp('export') / 'ds'
    lines, counters = counted_export(bags.values(), out)
    return out, lines, counters


def read_json(root: Path, name: str) -> dict:
    return json.loads((root / 'meta' / name).read_text())


def files(root: Path, pattern: str) -> list[str]:
    return sorted(path.relative_to(root).as_posix() for path in root.rglob(pattern))


def data_columns(root: Path) -> dict[str, np.ndarray]:
    return {name: values.astype(np.float64) for name, values in raw_rows(root).items()}


def independent_stats(values: np.ndarray, valid: np.ndarray) -> dict[str, np.ndarray]:
    """min, max, mean, std per dimension over the valid entries (-1, 1, 0, 1 where none:
    every LeRobot normalization then maps the stored 0.0 to 0)."""
    values, valid = values.reshape(len(values), -1), valid.reshape(len(valid), -1)
    valid = np.repeat(valid, values.shape[1] // valid.shape[1], axis=1)  # IMU: 1 flag for 4
    width = values.shape[1]
    result = {'min': np.full(width, -1.0), 'max': np.ones(width), 'mean': np.zeros(width),
              'std': np.ones(width)}
    for column in range(values.shape[1]):
        entries = values[valid[:, column], column]
        if entries.size:
            result['min'][column], result['max'][column] = entries.min(), entries.max()
            result['mean'][column], result['std'][column] = entries.mean(), entries.std()
    return result


def assert_stats_match_the_data(root: Path) -> None:
    stats, interop = read_json(root, 'stats.json'), read_json(root, 'interop.json')
    data = data_columns(root)
    frames = len(data['index'])
    for key in ('observation.state', 'observation.velocity', 'observation.imu.orientation',
                'observation.hand', 'index', 'timestamp'):
        valid_key = interop['valid_keys'][key]
        valid = data[valid_key] > 0.5 if valid_key else np.ones((frames, 1), dtype=bool)
        expected = independent_stats(data[key], valid)
        for stat, value in expected.items():
            np.testing.assert_allclose(stats[key][stat], value, rtol=1e-9, atol=1e-9,
                                       err_msg=f'{key} {stat}')
        assert stats[key]['count'] == [frames]


def test_bags_of_two_robots_become_one_data_file_one_mp4_and_one_episodes_file(exported):
    root, _, _ = exported
    assert files(root, '*.parquet') == ['data/chunk-000/file-000.parquet',
                                        'meta/episodes/chunk-000/file-000.parquet',
                                        'meta/tasks.parquet']
    assert files(root, '*.mp4') == [f'videos/{CAMERA}/chunk-000/file-000.mp4']
    groups = pq.ParquetFile(root / 'data/chunk-000/file-000.parquet').metadata.num_row_groups
    assert groups == 5
    report = validate_dataset(root)
    assert report.ok, report.render()


def test_each_episode_keeps_its_robot_and_info_json_joins_them(exported):
    root, _, _ = exported
    info, interop = read_json(root, 'info.json'), read_json(root, 'interop.json')
    assert info['robot_type'] == 'unitree_g1_29dof+booster_t1'
    assert (info['total_episodes'], info['total_tasks']) == (5, 2)
    assert [interop['episodes'][str(i)]['robot_type'] for i in range(5)] == EPISODE_ROBOTS
    assert [interop['episodes'][str(i)]['profile'] for i in range(5)] == EPISODE_ROBOTS
    assert interop['robots'] == [G1, T1]


def test_one_export_is_one_provenance_record_listing_every_bag(exported, bags):
    root, _, _ = exported
    (record,) = read_json(root, 'interop.json')['exports']
    assert record['episodes'] == '0:5'
    assert [bag['path'] for bag in record['bags']] == [str(path) for path in bags.values()]
    assert [bag['robot'] for bag in record['bags']] == [G1, T1, G1, T1, T1]
    assert [bag['episodes'] for bag in record['bags']] == [
        ['episode-0', 'episode-1'], ['episode-0'], ['episode-0'], [], ['episode-0']]
    assert record['bags'][3]['excluded'] == [{'episode_id': 'episode-0', 'outcome': 'failure'}]
    assert record['vcodec'] == 'libx264'


def test_statistics_equal_numpy_over_the_written_parquet(exported):
    assert_stats_match_the_data(exported[0])


def test_each_episode_is_reduced_once_and_the_dataset_aggregated_once(exported):
    root, _, counters = exported
    stats = read_json(root, 'stats.json')
    assert counters['episode_stats'].calls == 5
    assert counters['aggregate_episode_stats'].calls == 1
    assert counters['feature_stats'].calls == len(stats) == 21  # 18 + task space (2 + mask)
    assert 'action' not in stats  # the bags hold no commands: no action features


def test_progress_has_one_line_per_episode_with_its_bag_and_task(exported):
    _, lines, _ = exported
    episode_lines = [line for line in lines if ' episode ' in line]
    assert episode_lines[0] == ("[####----------------] 1/5 episode 0: g1_a 'episode-0' "
                                "19 frames (0.6 s) task 'wave both arms'")
    assert episode_lines[-1].startswith('[####################] 5/5 episode 4: t1_b ')
    assert lines[0] == 'planning 5 bag(s)'
    assert lines[-1].startswith('exported 5 episode(s) in ')


def test_appending_bags_adds_files_reads_old_statistics_once_and_keeps_old_files(
        exported, bags, tmp_path):
    root = tmp_path / 'ds'
    counted_export([bags['g1_a'], bags['t1_a']], root)
    before = {name: hashlib.sha256((root / name).read_bytes()).hexdigest()
              for name in files(root, 'file-000.*')}
    _, counters = counted_export([bags['t1_b'], bags['g1_b']], root)
    assert counters['aggregate_episode_stats'].calls == 1
    assert counters['episode_stats'].calls == 2
    assert files(root, 'file-001.*') == ['data/chunk-000/file-001.parquet',
                                         'meta/episodes/chunk-000/file-001.parquet',
                                         f'videos/{CAMERA}/chunk-000/file-001.mp4']
    assert {name: hashlib.sha256((root / name).read_bytes()).hexdigest()
            for name in before} == before
    interop = read_json(root, 'interop.json')
    assert [record['episodes'] for record in interop['exports']] == ['0:3', '3:5']
    assert [interop['episodes'][str(i)]['robot_type'] for i in range(5)] == \
        [G1, G1, T1, T1, G1]
    assert read_json(root, 'info.json')['robot_type'] == 'unitree_g1_29dof+booster_t1'
    assert_stats_match_the_data(root)
    assert validate_dataset(root).ok


def test_ctrl_c_in_the_middle_of_the_bags_leaves_no_dataset(bags, tmp_path):
    def progress(line: str) -> None:
        if line.startswith('[') and ' 3/5 ' in line:
            msg = 'Ctrl-C in the middle of the export'
            raise KeyboardInterrupt(msg)
    with pytest.raises(KeyboardInterrupt):
        export_recordings(ExportRequest(bags=tuple(bags.values()), out=tmp_path / 'ds',
                                        vcodec='libx264'), progress)
    assert list(tmp_path.iterdir()) == []
