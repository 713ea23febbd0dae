"""scripts/kinematic_facts.py: MJCF body rotations survive as URDF rpy, gimbal lock included.

The truth is scipy's rotation algebra (an independent implementation), and for the AgiBot X1
(whose MJCF turns several bodies by exactly 90 degrees about y, where roll and yaw meet) the
joint mapping that vendor-interfaces-2.md §2.4 derived with its own forward kinematics of the
same file: the draft on the fixture the script wrote must give that table back.
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from kinematic_fixtures import write_urdf
from scipy.spatial.transform import Rotation

from interop_bridge.kinematics.draft_body import draft_mapping
from interop_bridge.kinematics.model import load_model

REPO = Path(__file__).resolve().parents[3]
HALF_PI = math.pi / 2


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location('kinematic_facts',
                                                  REPO / 'scripts' / 'kinematic_facts.py')
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


facts = _script()
# w, x, y, z as MuJoCo writes them: the X1's left shoulder yaw body (pitch +90 deg, where the
# script once lost roll and yaw), the other gimbal-lock side, and two ordinary turns
QUATERNIONS = [(0.5, 0.5, 0.5, -0.5), (0.5, -0.5, -0.5, -0.5), (0.707107, 0.0, -0.707107, 0.0),
               (0.65328, 0.270599, -0.270598, 0.653282), (1.0, 0.0, 0.0, -2.27456e-05)]


@pytest.mark.parametrize('quaternion', QUATERNIONS)
def test_the_rpy_written_turns_the_body_as_the_quaternion_does(quaternion):
    w, x, y, z = quaternion
    rpy = facts._rpy_from_quaternion(w, x, y, z)
    written = Rotation.from_euler('xyz', rpy).as_matrix()  # URDF: Rz(yaw) Ry(pitch) Rx(roll)
    np.testing.assert_allclose(written, Rotation.from_quat([x, y, z, w]).as_matrix(), atol=1e-6)


def test_random_rotations_survive_and_a_zero_quaternion_is_refused():
    for w, x, y, z in np.random.default_rng(7).normal(size=(500, 4)):
        rpy = facts._rpy_from_quaternion(w, x, y, z)
        np.testing.assert_allclose(Rotation.from_euler('xyz', rpy).as_matrix(),
                                   Rotation.from_quat([x, y, z, w]).as_matrix(), atol=1e-6)
    with pytest.raises(ZeroDivisionError):
        facts._rpy_from_quaternion(0.0, 0.0, 0.0, 0.0)


# vendor-interfaces-2.md §2.4: X1 joint -> (canonical, sign, offset); the hip pitch axes are
# 45 degrees from y, so the draft names them hip pitch only as a guess (sign "approximate").
X1_TABLE = {
    'left_hip_pitch_joint': ('left_hip_pitch', -1, 0.0),
    'left_hip_roll_joint': ('left_hip_roll', -1, 0.0),
    'left_hip_yaw_joint': ('left_hip_yaw', 1, 0.0),
    'left_knee_pitch_joint': ('left_knee', 1, 0.0),
    'left_ankle_pitch_joint': ('left_ankle_pitch', 1, 0.0),
    'left_ankle_roll_joint': ('left_ankle_roll', 1, 0.0),
    'right_hip_pitch_joint': ('right_hip_pitch', 1, 0.0),
    'right_hip_roll_joint': ('right_hip_roll', -1, 0.0),
    'right_hip_yaw_joint': ('right_hip_yaw', 1, 0.0),
    'right_knee_pitch_joint': ('right_knee', 1, 0.0),
    'right_ankle_pitch_joint': ('right_ankle_pitch', 1, 0.0),
    'right_ankle_roll_joint': ('right_ankle_roll', 1, 0.0),
    'lumbar_yaw_joint': ('waist_yaw', 1, 0.0),
    'lumbar_roll_joint': ('waist_roll', -1, 0.0),
    'lumbar_pitch_joint': ('waist_pitch', 1, 0.0),
    'left_shoulder_pitch_joint': ('left_shoulder_pitch', 1, 0.0),
    'left_shoulder_roll_joint': ('left_shoulder_roll', -1, 0.0),
    'left_shoulder_yaw_joint': ('left_shoulder_yaw', 1, 0.0),
    'left_elbow_pitch_joint': ('left_elbow', -1, HALF_PI),
    'left_elbow_yaw_joint': ('left_wrist_roll', -1, 0.0),
    'left_wrist_pitch_joint': ('left_wrist_yaw', 1, 0.0),
    'left_wrist_roll_joint': ('left_wrist_pitch', 1, 0.0),
    'right_shoulder_pitch_joint': ('right_shoulder_pitch', 1, 0.0),
    'right_shoulder_roll_joint': ('right_shoulder_roll', 1, 0.0),
    'right_shoulder_yaw_joint': ('right_shoulder_yaw', -1, 0.0),
    'right_elbow_pitch_joint': ('right_elbow', -1, HALF_PI),
    'right_elbow_yaw_joint': ('right_wrist_roll', 1, 0.0),
    'right_wrist_pitch_joint': ('right_wrist_yaw', -1, 0.0),
    'right_wrist_roll_joint': ('right_wrist_pitch', 1, 0.0),
}


def test_the_x1_fixture_gives_back_the_researched_x1_mapping(tmp_path: Path):
    draft = draft_mapping(load_model(write_urdf('agibot_x1', tmp_path / 'x1.urdf')))
    drafted = {joint.native_name: (joint.canonical, joint.sign, round(joint.offset, 6))
               for joint in draft.joints}
    expected = {name: (canonical, sign, round(offset, 6))
                for name, (canonical, sign, offset) in X1_TABLE.items()}
    assert drafted == expected
