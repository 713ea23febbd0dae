"""Recorded bags -> `interop export` -> the real LeRobot loader reads every item, and trains right.

The bags hold vendor topics with known ground truth (test/bag_factory.py); the expected values
given to the loader script are computed from that ground truth and the profiles, not read back
from the dataset, so the loader sees what went into the bags. The two-robot dataset is each
robot's export (in its own joints) merged by `interop merge`, which stores the union of their
joints; its action is the next state (--action next-state: the T1 bag holds no commands). A
second dataset, of a G1 bag with commands and a 0.3 s state dropout, goes through LeRobot's own
`dataset_to_policy_features` and make_policy's feature selection (the robot's observations and
actions, no mask) and a LeRobot-style normalization of the whole batch (no absent entry and no
dropout yields a value that was not read from the robot).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import bag_factory as bf
import numpy as np
import process_groups
import pytest

from interop_bridge.dataset.merge import merge_datasets
from interop_bridge.export.episode_assembly import ExportPolicy
from interop_bridge.export.exporter import ExportRequest, export_recordings
from interop_bridge.dataset.validate import validate_dataset

REPO = Path(__file__).resolve().parents[2]
LEROBOT_PYTHON = REPO / '.venv-lerobot' / 'bin' / 'python'
HELPER = Path(__file__).with_name('check_with_lerobot.py')
LOADER_TIMEOUT_S = 240  # about 10 s here; torch starts slowly from a cold cache or under load
FPS = 30
G1 = 'unitree_g1_29dof'
GAP_S = (0.8, 1.1)  # no state recorded: 0.3 s of dropout inside the episode
MAX_STALENESS_S = 0.1  # the export's default --max-staleness
DROPOUT_START_S = 0.2
LAST_STATE_BEFORE_GAP_S = (round(GAP_S[0] * bf.STATE_HZ) - 1) / bf.STATE_HZ
DROPOUT_FRAMES = [frame for frame in range(43) if DROPOUT_START_S + frame / FPS < GAP_S[1]
                  and DROPOUT_START_S + frame / FPS - LAST_STATE_BEFORE_GAP_S > MAX_STALENESS_S]
EPISODES = (  # bag, profile, start, end, task
    ('g1', 'unitree_g1_29dof', 0.2, 0.8, 'wave both arms'),
    ('g1', 'unitree_g1_29dof', 1.0, 1.5, 'lower both arms'),
    ('t1', 'booster_t1', 0.4, 1.1, 'wave both arms'),
)


def union_joints() -> list[int]:
    """The canonical joints of either robot, in canonical order: what the merge stores."""
    return sorted({joint.index for profile in (G1, 'booster_t1')
                   for joint in bf.load_profile(profile).joints})


def expected_rows() -> list[dict]:
    rows, index, stored = [], 0, union_joints()
    for episode_index, (_, profile, start, end, task) in enumerate(EPISODES):
        frames = int(round((end - start) * FPS)) + 1
        for frame in range(frames):
            t = start + frame / FPS
            state, valid = _state(profile, t)
            action, _ = _state(profile, start + min(frame + 1, frames - 1) / FPS)
            rows.append({'index': index, 'episode_index': episode_index, 'frame_index': frame,
                         'task': task, 'observation.state': state[stored].tolist(),
                         'valid.observation.state': valid[stored].tolist(),
                         'action': action[stored].tolist(),
                         'codes': {'observation.images.camera': int(round(t * bf.CAMERA_HZ))}})
            index += 1
    return rows


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
        export_recordings(ExportRequest(bags=(base / bag,), out=base / f'{bag}-dataset',
                                        profile=profile, policy=ExportPolicy(
                                            action='next-state')), lambda line: None)
    return merge_datasets(base / 'dataset', [base / 'g1-dataset', base / 't1-dataset']).root


@pytest.fixture(scope='module')
def with_dropout(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp('dropout')
    episode = bf.EventSpec(DROPOUT_START_S, 1.6, 'wave both arms')
    bf.write_vendor_bag(base / 'bag', G1, events=(episode,),
                        commands=True, state_gap=GAP_S)
    export_recordings(ExportRequest(bags=(base / 'bag',), out=base / 'dataset', profile=G1),
                      lambda line: None)
    return base / 'dataset'


def policy_expectation(root: Path) -> dict:
    """The robot's observations and actions (written out, not derived from the dataset), the
    canonical entries a G1 lacks (no hand, force sensor or kinematic model; its joint vectors
    hold only its own 29 joints), and the masks the dataset declares for its features."""
    interop = json.loads((root / 'meta' / 'interop.json').read_text())
    return {
        'inputs': ['observation.state', 'observation.velocity', 'observation.effort',
                   'observation.imu.orientation', 'observation.imu.angular_velocity',
                   'observation.imu.linear_acceleration', 'observation.hand',
                   'observation.wrench', 'observation.eef.position',
                   'observation.eef.orientation', 'observation.images.camera'],
        'outputs': ['action', 'action.hand'],
        'masks': {key: mask for key, mask in interop['valid_keys'].items() if mask},
        'absent': {'observation.hand': list(range(14)), 'action.hand': list(range(14)),
                   'observation.wrench': list(range(24)),
                   # no kinematic model attached to the shipped G1 profile: no task space
                   'observation.eef.position': list(range(15)),
                   'observation.eef.orientation': list(range(20))},
        # Frames more than --max-staleness after the last state before the gap, up to the
        # first state after it; each has 29 joints x (position, velocity, effort) and 10 IMU
        # entries (orientation, angular velocity, linear acceleration) held.
        'dropouts': len(DROPOUT_FRAMES) * (3 * 29 + 10)}


def run_loader(dataset: dict, tmp_path: Path):
    """check_with_lerobot.py in .venv-lerobot over one expected dataset; it must exit 0."""
    expected = tmp_path / 'expected.json'
    expected.write_text(json.dumps({'datasets': [dataset]}))
    env = {**os.environ, 'HF_HUB_OFFLINE': '1', 'HF_HOME': str(tmp_path / 'hf-home'),
           'PYTHONPATH': ''}
    result = process_groups.run([str(LEROBOT_PYTHON), str(HELPER), str(expected)],
                                timeout=LOADER_TIMEOUT_S, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    return result


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
    result = run_loader(dataset, tmp_path)
    assert result.stdout.strip() == (
        "exported: 57 items, 3 episodes, 57 frames decoded, robot "
        "'unitree_g1_29dof+booster_t1', tasks ['lower both arms', 'wave both arms']: OK")


def test_the_dropout_dataset_is_valid(with_dropout):
    report = validate_dataset(with_dropout)
    assert report.ok, report.render()


@pytest.mark.timeout(LOADER_TIMEOUT_S + 60)
def test_a_default_policy_gets_observations_and_actions_and_no_fake_value(with_dropout,
                                                                          tmp_path):
    if not LEROBOT_PYTHON.exists():
        pytest.fail(f'{LEROBOT_PYTHON} is missing: run `make bootstrap`')
    dataset = {'name': 'dropout', 'root': str(with_dropout), 'fps': FPS,
               'policy': policy_expectation(with_dropout)}
    result = run_loader(dataset, tmp_path)
    assert result.stdout.strip().startswith("dropout: 43 items, 1 episodes, ")
    assert result.stdout.strip().endswith(' dropout entries checked: OK')
