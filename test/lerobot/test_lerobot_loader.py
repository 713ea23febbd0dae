"""The real LeRobot loader reads what our writer, append and merge produce, frame-exact.

Datasets are written with interop_bridge's writer (several data and video files, two
cameras, invalid joints, three tasks, an append by a second robot, a merge, an H.264
variant); check_with_lerobot.py then runs in .venv-lerobot, opens each one with the real
`LeRobotDataset(repo_id, root=...)` (torchcodec backend), reads every item, decodes every
video frame, and compares tasks, values, frames, statistics and delta_timestamps padding.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import process_groups
import pytest
from spelled_frames import spelling_frame

from interop_bridge.canonical import load_canonical
from interop_bridge.dataset.atomic import write_dataset
from interop_bridge.dataset.episode import Episode
from interop_bridge.dataset.features import Feature, canonical_features, is_mask
from interop_bridge.dataset.merge import merge_datasets
from interop_bridge.dataset.validate import validate_dataset

REPO = Path(__file__).resolve().parents[2]
LEROBOT_PYTHON = REPO / '.venv-lerobot/bin/python'
HELPER = Path(__file__).with_name('check_with_lerobot.py')
LOADER_TIMEOUT_S = 240  # about 10 s here; torch starts slowly from a cold cache or under load
FPS = 15
CAMERAS = {'head': (48, 64), 'wrist': (32, 48)}
CAMERA_CODES = {'observation.images.head': 0, 'observation.images.wrist': 100}
DELTA_ACTION = [-1 / FPS, 0.0, 1 / FPS, 2 / FPS]


def make_episode(features: Sequence[Feature], length: int, task: str, seed: int,
                 first_code: int, invalid_joints: Sequence[int] = ()) -> Episode:
    """Random values, masks 1 (invalid joints: junk flagged 0.0); frames spell first_code + t."""
    rng = np.random.default_rng(seed)
    columns = {}
    for feature in (f for f in features if not f.is_video):
        if is_mask(feature.key):
            values = np.ones((length, *feature.shape), dtype=np.float32)
        else:
            values = rng.normal(size=(length, *feature.shape)).astype(np.float32)
        columns[feature.key] = values
    columns['valid.observation.state'][:, list(invalid_joints)] = 0.0
    columns['observation.state'][:, list(invalid_joints)] = 1e6

    def source(key: str, size: tuple[int, int]):
        def frames() -> Iterator[np.ndarray]:
            for t in range(length):
                yield spelling_frame(CAMERA_CODES[key] + first_code + t, *size)
        return frames
    videos = {f.key: source(f.key, f.shape[:2]) for f in features if f.is_video}
    return Episode(task=task, length=length, columns=columns, videos=videos,
                   meta={'seed': seed})


def expected_rows(episodes: Sequence[Episode]) -> list[dict]:
    """What the loader must return for each item of a dataset of these episodes."""
    rows, index = [], 0
    for episode_index, episode in enumerate(episodes):
        for t in range(episode.length):
            rows.append({'index': index, 'episode_index': episode_index, 'frame_index': t,
                         'task': episode.task,
                         **{key: episode.columns[key][t].tolist() for key in
                            ('observation.state', 'action', 'valid.observation.state')}})
            index += 1
    return rows


def expected_dataset(name: str, root: Path, episodes: Sequence[Episode], cameras: dict) -> dict:
    stats = json.loads((root / 'meta/stats.json').read_text())
    return {'name': name, 'root': str(root), 'fps': FPS, 'cameras': cameras,
            'rows': expected_rows(episodes), 'delta_action': DELTA_ACTION,
            'stats': {key: stats[key] for key in ('observation.state', 'action',
                                                  'observation.images.head')}}


def of_robot(robot_type: str, episodes: Sequence[Episode]) -> list[Episode]:
    return [dataclasses.replace(episode, robot_type=robot_type) for episode in episodes]


@pytest.fixture(scope='module')
def datasets(tmp_path_factory) -> list[dict]:
    base = tmp_path_factory.mktemp('lerobot')
    spec = load_canonical()
    features = canonical_features(spec, CAMERAS)
    first = [make_episode(features, 25, 'pick up the cup', 0, 0),
             make_episode(features, 18, 'place the cup', 1, 25, invalid_joints=[3, 9]),
             make_episode(features, 30, 'pick up the cup', 2, 43)]
    write_dataset(base / 'g1', features, FPS, of_robot('unitree_g1_29dof', first),
                  {'exporter': 'test'}, data_file_mb=0.05, video_file_mb=0.002)
    second = [make_episode(features, 12, 'wave', 3, 73),
              make_episode(features, 10, 'place the cup', 4, 85, invalid_joints=[0])]
    write_dataset(base / 'mixed', features, FPS, of_robot('unitree_g1_29dof', second[:1]), {})
    write_dataset(base / 'mixed', features, FPS, of_robot('booster_t1', second[1:]), {})
    merge_datasets(base / 'merged', [base / 'g1', base / 'mixed'])
    one_camera = canonical_features(spec, {'head': (48, 64)})
    h264 = [make_episode(one_camera, 9, 'pick up the cup', 5, 0),
            make_episode(one_camera, 11, 'wave', 6, 9)]
    write_dataset(base / 'h264', one_camera, FPS, of_robot('booster_t1', h264), {},
                  vcodec='libx264')
    shifted = {key: code + 73 for key, code in CAMERA_CODES.items()}
    return [expected_dataset('g1', base / 'g1', first, CAMERA_CODES),
            expected_dataset('mixed', base / 'mixed', second, shifted),
            expected_dataset('merged', base / 'merged', first + second, CAMERA_CODES),
            expected_dataset('h264', base / 'h264', h264,
                             {'observation.images.head': 0})]


def test_our_datasets_are_split_over_several_files_and_valid(datasets):
    g1 = Path(datasets[0]['root'])
    assert len(list((g1 / 'data').rglob('*.parquet'))) > 1
    assert len(list((g1 / 'videos/observation.images.head').rglob('*.mp4'))) > 1
    for dataset in datasets:
        report = validate_dataset(dataset['root'])
        assert report.ok, report.render()


@pytest.mark.timeout(LOADER_TIMEOUT_S + 60)  # the loader's own timeout fires first
def test_the_real_lerobot_loader_reads_every_item_and_frame(datasets, tmp_path):
    if not LEROBOT_PYTHON.exists():
        pytest.fail(f'{LEROBOT_PYTHON} is missing: run `make bootstrap` (it runs '
                    'scripts/bootstrap_lerobot.sh) to install the real LeRobot loader')
    expected = tmp_path / 'expected.json'
    expected.write_text(json.dumps({'datasets': datasets}))
    env = {**os.environ, 'HF_HUB_OFFLINE': '1', 'HF_HOME': str(tmp_path / 'hf-home'),
           'PYTHONPATH': ''}
    result = process_groups.run([str(LEROBOT_PYTHON), str(HELPER), str(expected)],
                                timeout=LOADER_TIMEOUT_S, env=env, cwd=tmp_path)
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert lines == [
        "g1: 73 items, 3 episodes, 146 frames decoded, robot 'unitree_g1_29dof', tasks "
        "['pick up the cup', 'place the cup']: OK",
        "mixed: 22 items, 2 episodes, 44 frames decoded, robot 'unitree_g1_29dof+booster_t1', "
        "tasks ['place the cup', 'wave']: OK",
        "merged: 95 items, 5 episodes, 190 frames decoded, robot "
        "'unitree_g1_29dof+booster_t1', tasks ['pick up the cup', 'place the cup', 'wave']: OK",
        "h264: 20 items, 2 episodes, 20 frames decoded, robot 'booster_t1', tasks "
        "['pick up the cup', 'wave']: OK"]
