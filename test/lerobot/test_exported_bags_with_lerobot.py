"""Recorded bags of two robots -> `interop export` -> the real LeRobot loader reads every item.

The bags hold vendor topics with known ground truth (test/bag_factory.py); the expected values
given to the loader script are computed from that ground truth and the profiles, not read back
from the dataset, so the loader sees what went into the bags.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import bag_factory as bf
import numpy as np
import process_groups
import pytest

from interop_bridge.export.exporter import ExportRequest, export_recordings
from interop_bridge.dataset.validate import validate_dataset

REPO = Path(__file__).resolve().parents[2]
LEROBOT_PYTHON = REPO / '.venv-lerobot' / 'bin' / 'python'
HELPER = Path(__file__).with_name('check_with_lerobot.py')
LOADER_TIMEOUT_S = 240  # about 10 s here; torch starts slowly from a cold cache or under load
FPS = 30
EPISODES = (  # bag, profile, start, end, task
    ('g1', 'unitree_g1_29dof', 0.2, 0.8, 'wave both arms'),
    ('g1', 'unitree_g1_29dof', 1.0, 1.5, 'lower both arms'),
    ('t1', 'booster_t1', 0.4, 1.1, 'wave both arms'),
)


def expected_rows() -> list[dict]:
    rows, index = [], 0
    for episode_index, (_, profile, start, end, task) in enumerate(EPISODES):
        frames = int(round((end - start) * FPS)) + 1
        for frame in range(frames):
            t = start + frame / FPS
            state, valid = _state(profile, t)
            action = _held_command(profile, start, frame)
            rows.append({'index': index, 'episode_index': episode_index, 'frame_index': frame,
                         'task': task, 'observation.state': state.tolist(),
                         'observation.state_valid': valid.tolist(),
                         'action': [float(value) for value in action],
                         'codes': {'observation.images.camera': int(round(t * bf.CAMERA_HZ))}})
            index += 1
    return rows


def _held_command(profile: str, start: float, frame: int) -> list[float]:
    """The last command sent at or before the frame (commands are held, 50 Hz in the bag)."""
    if profile != 'unitree_g1_29dof':
        return [0.0] * 32  # the T1 bag holds no commands: action invalid, zero
    frame_ns = int(round(start * bf.NS)) + (frame * 2 * bf.NS + FPS) // (2 * FPS)
    command_t = (frame_ns // (bf.NS // bf.COMMAND_HZ)) / bf.COMMAND_HZ
    return [float(np.float32(bf.native_value(slot, command_t) + bf.COMMAND_OFFSET))
            for slot in range(29)] + [0.0] * 3


def _state(profile_name: str, t: float) -> tuple[np.ndarray, np.ndarray]:
    profile = bf.load_profile(profile_name)
    state, valid = np.zeros(32), np.zeros(32)
    for joint in profile.joints:
        native = np.float64(np.float32(bf.native_value(joint.source, t)))
        state[joint.index] = joint.gain * native + joint.offset
        valid[joint.index] = 1.0
    return state.astype(np.float32), valid.astype(np.float32)


@pytest.fixture(scope='module')
def exported(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp('bags')
    for bag, profile in (('g1', 'unitree_g1_29dof'), ('t1', 'booster_t1')):
        events = tuple(bf.EventSpec(start, end, task) for name, _, start, end, task in EPISODES
                       if name == bag)
        bf.write_vendor_bag(base / bag, profile, storage='mcap' if bag == 'g1' else 'sqlite3',
                            events=events, commands=profile.startswith('unitree'))
        export_recordings(ExportRequest(bags=(base / bag,), out=base / 'dataset',
                                        profile=profile), lambda line: None)
    return base / 'dataset'


def test_the_exported_two_robot_dataset_is_valid(exported):
    report = validate_dataset(exported)
    assert report.ok, report.render()


@pytest.mark.timeout(LOADER_TIMEOUT_S + 60)  # the loader's own timeout fires first
def test_the_real_lerobot_loader_reads_what_went_into_the_bags(exported, tmp_path):
    if not LEROBOT_PYTHON.exists():
        pytest.fail(f'{LEROBOT_PYTHON} is missing: run `make bootstrap` (it runs '
                    'scripts/bootstrap_lerobot.sh) to install the real LeRobot loader')
    stats = json.loads((exported / 'meta' / 'stats.json').read_text())
    dataset = {'name': 'exported', 'root': str(exported), 'fps': FPS,
               'cameras': {'observation.images.camera': 0}, 'rows': expected_rows(),
               'delta_action': [0.0, 1 / FPS], 'atol': 2e-6,
               'stats': {key: stats[key] for key in ('observation.state', 'action')}}
    expected = tmp_path / 'expected.json'
    expected.write_text(json.dumps({'datasets': [dataset]}))
    env = {**os.environ, 'HF_HUB_OFFLINE': '1', 'HF_HOME': str(tmp_path / 'hf-home'),
           'PYTHONPATH': ''}
    result = process_groups.run([str(LEROBOT_PYTHON), str(HELPER), str(expected)],
                                timeout=LOADER_TIMEOUT_S, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert result.stdout.strip() == (
        "exported: 57 items, 3 episodes, 57 frames decoded, robot "
        "'unitree_g1_29dof+booster_t1', tasks ['lower both arms', 'wave both arms']: OK")
