"""Recordings of robots with dexterous hands -> `interop export` -> the real LeRobot loader
reads the hands' closures, their validity and the tactile pads item by item.

Two vendor recordings (what `ros2 bag record` of the robot and its hands gives): a G1 with
Dex3-1 hands (/dex3/<side>/state, unitree_hg HandState_ with 3 x 4 pressure pads) and an H1
with Inspire RH56DFX hands (/inspire/state, one unitree_go MotorStates_ for both hands). The
expected values are computed here from what went into the bags and the vendors' conventions
(the Dex3-1 URDF limits; Inspire's 1 = open), not read back from the datasets.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import bag_factory as bf
import numpy as np
import process_groups
import pytest
from hand_messages import NO_SENSOR_PAD, dex3_index_ramp, dex3_pad_pressure, go_states_bytes

from interop_bridge.export.episode_assembly import ExportPolicy
from interop_bridge.export.exporter import ExportRequest, export_recordings

REPO = Path(__file__).resolve().parents[2]
LEROBOT_PYTHON = REPO / '.venv-lerobot' / 'bin' / 'python'
HELPER = Path(__file__).with_name('check_with_lerobot.py')
LOADER_TIMEOUT_S = 240
FPS, HAND_HZ, DURATION_S, START_S, END_S = 30, 100, 2.0, 0.2, 1.8
DEX3_PADS = ('thumb_tip', 'thumb_pad', 'index_tip', 'index_pad', 'middle_tip', 'middle_pad',
             'palm_1', 'palm_2', 'palm_3')


def ramp(t: float) -> float:
    return t / DURATION_S


def inspire_messages() -> tuple:
    # 12 entries: 0-5 right, 6-11 left; order pinky, ring, middle, index, thumb bend, thumb
    # rotation; q in [0, 1] with 1 = open. The right pinky closes, the left ring half-closes.
    messages = []
    for tick in range(int(DURATION_S * HAND_HZ) + 1):
        t = tick / HAND_HZ
        q = np.ones(12)
        q[0] = 1.0 - ramp(t)
        q[7] = 0.5
        messages.append(('/inspire/state', 'unitree_go/msg/MotorStates', t, go_states_bytes(q)))
    return tuple(messages)


def frames() -> list[float]:
    return [START_S + frame / FPS for frame in range(int(round((END_S - START_S) * FPS)) + 1)]


def dex3_rows() -> list[dict]:
    rows = []
    for index, t in enumerate(frames()):
        hand = [0.0] * 14
        hand[2] = hand[9] = ramp(t)               # index flexion, left and right
        row = {'index': index, 'episode_index': 0, 'frame_index': index, 'task': 'grasp',
               'observation.hand': hand,
               'valid.observation.hand': ([1.0] * 4 + [0.0] * 3) * 2}
        for side in ('left', 'right'):
            for pad, name in enumerate(DEX3_PADS):
                fitted = pad != NO_SENSOR_PAD
                row[f'observation.tactile.{side}.{name}'] = \
                    dex3_pad_pressure(pad).tolist() if fitted else [0.0] * 12
                row[f'valid.observation.tactile.{side}.{name}'] = [float(fitted)] * 12
        rows.append(row)
    return rows


def inspire_rows() -> list[dict]:
    rows = []
    for index, t in enumerate(frames()):
        left = [0.0, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0]      # ring half closed
        right = [0.0, 0.0, 0.0, 0.0, 0.0, ramp(t), 0.0]  # pinky closing
        rows.append({'index': index, 'episode_index': 0, 'frame_index': index,
                     'task': 'grasp', 'observation.hand': left + right,
                     'valid.observation.hand': ([1.0] * 6 + [0.0]) * 2})
    return rows


def export(base: Path, name: str, profile: str, extra: tuple) -> Path:
    bag = bf.write_vendor_bag(base / name, profile, events=(bf.EventSpec(START_S, END_S,
                                                                         'grasp'),),
                              duration_s=DURATION_S, camera=False, extra=extra)
    out = base / f'{name}-dataset'
    export_recordings(ExportRequest(bags=(bag,), out=out, profile=profile,
                                    policy=ExportPolicy(action='none')), lambda line: None)
    return out


@pytest.fixture(scope='module')
def datasets(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp('hands')
    dex3 = tuple(dex3_index_ramp(DURATION_S, HAND_HZ))
    return {'g1_dex3': export(base, 'g1_dex3', 'unitree_g1_29dof', dex3),
            'h1_inspire': export(base, 'h1_inspire', 'unitree_h1', inspire_messages())}


@pytest.mark.timeout(LOADER_TIMEOUT_S + 60)
def test_the_real_lerobot_loader_reads_hands_and_touch_item_by_item(datasets, tmp_path):
    if not LEROBOT_PYTHON.exists():
        pytest.fail(f'{LEROBOT_PYTHON} is missing: run `make bootstrap`')
    expected = tmp_path / 'expected.json'
    expected.write_text(json.dumps({'datasets': [
        {'name': 'g1_dex3', 'root': str(datasets['g1_dex3']), 'fps': FPS, 'cameras': {},
         'rows': dex3_rows(), 'atol': 1e-5},
        {'name': 'h1_inspire', 'root': str(datasets['h1_inspire']), 'fps': FPS,
         'cameras': {}, 'rows': inspire_rows(), 'atol': 1e-5}]}))
    env = {**os.environ, 'HF_HUB_OFFLINE': '1', 'HF_HOME': str(tmp_path / 'hf-home'),
           'PYTHONPATH': ''}
    result = process_groups.run([str(LEROBOT_PYTHON), str(HELPER), str(expected)],
                                timeout=LOADER_TIMEOUT_S, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith('g1_dex3: 49 items, 1 episodes, 0 frames decoded') and \
        lines[0].endswith(': OK')
    assert lines[1].startswith('h1_inspire: 49 items, 1 episodes') and lines[1].endswith(': OK')


def test_the_inspire_dataset_has_no_tactile_features(datasets):
    info = json.loads((datasets['h1_inspire'] / 'meta' / 'info.json').read_text())
    assert not [key for key in info['features'] if 'tactile' in key]
