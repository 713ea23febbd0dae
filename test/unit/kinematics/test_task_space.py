"""Task-space state: hand, foot and head poses from the robot's own kinematics, the same in the
bridge and in the exporter, and equal to Pinocchio's forward kinematics on the same joints.

Expected values come from the library's FK run here on the fixture model (independently of
the TaskSpace class) and from the public zero-pose facts (vendor-interfaces.md Appendix A).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import bag_factory as bf
import numpy as np
import pinocchio as pin
import pyarrow.parquet as pq
import pytest
import transforms3d
import vendor_messages as vm
from kinematic_fixtures import profile_with_model

from interop_bridge.bridge_core import BridgeCore
from interop_bridge.canonical import load_canonical
from interop_bridge.export.exporter import ExportRequest, export_recordings
from interop_bridge.kinematics.task_space import quaternions_xyzw, task_space_for
from interop_bridge.profile import load_profile

SPEC = load_canonical()
FRAMES = ('l_wrist', 'r_wrist', 'l_sole', 'r_sole', 'gaze')


def robot(name: str, tmp_path: Path):
    profile = load_profile(profile_with_model(name, tmp_path / name))
    return profile, task_space_for(profile, SPEC)


def present(profile) -> np.ndarray:
    return np.array([profile.joint(joint.name) is not None for joint in SPEC.joints])


def library_fk(profile, position: np.ndarray, link: str) -> np.ndarray:
    """Position of `link` in the profile's base link by Pinocchio, q set by hand."""
    model = pin.buildModelFromUrdf(profile.kinematics.model)
    data = model.createData()
    q = pin.neutral(model)
    for joint in profile.joints:
        jid = model.getJointId(joint.native_name)
        q[model.joints[jid].idx_q] = joint.sign * (position[joint.index] - joint.offset)
    pin.framesForwardKinematics(model, data, q)
    base = data.oMf[model.getFrameId(profile.kinematics.base, pin.FrameType.BODY)]
    return np.array(base.actInv(data.oMf[model.getFrameId(link, pin.FrameType.BODY)])
                    .translation)


def test_the_task_frames_are_the_spec_s(tmp_path: Path):
    assert SPEC.task_frames == FRAMES
    assert robot('unitree_g1_29dof', tmp_path)[1].frames == FRAMES


def test_at_the_reference_pose_the_g1_hand_is_ahead_of_its_wrist_and_orientations_are_identity(
        tmp_path: Path):
    profile, task = robot('unitree_g1_29dof', tmp_path)
    pose, valid = task.poses(np.zeros(32), present(profile))
    assert valid.all()
    # Appendix A: left_wrist_yaw at (0.200, 0.149, 0.095) at q = 0; the hand lies beyond it
    x, y, z = pose[0, :3]
    assert x > 0.2 and y == pytest.approx(0.149, abs=0.01) and z == pytest.approx(0.095, abs=0.01)
    np.testing.assert_allclose(pose[:, 3:], np.tile([0, 0, 0, 1.0], (5, 1)), atol=1e-9)


@pytest.mark.parametrize('name,link', [('unitree_g1_29dof', 'left_rubber_hand'),
                                       ('booster_t1', 'left_foot_link'),
                                       ('pal_talos', 'left_sole_link')])
def test_poses_equal_the_library_fk_on_the_same_joint_values(name, link, tmp_path: Path):
    profile, task = robot(name, tmp_path)
    rng = np.random.default_rng(3)
    row = FRAMES.index('l_wrist' if 'hand' in link else 'l_sole')
    for _ in range(5):
        position = np.zeros(32)
        for joint in profile.joints:
            low, high = sorted(joint.gain * limit + joint.offset for limit in joint.position)
            position[joint.index] = rng.uniform(low, high)
        pose, valid = task.poses(position, present(profile))
        assert valid[row]
        np.testing.assert_allclose(pose[row, :3], library_fk(profile, position, link),
                                   atol=1e-12)
        assert np.linalg.norm(pose[row, 3:]) == pytest.approx(1.0) and pose[row, 6] >= 0


def test_an_invalid_joint_invalidates_only_the_frames_beyond_it(tmp_path: Path):
    profile, task = robot('unitree_g1_29dof', tmp_path)
    valid = present(profile)
    valid[SPEC.joint_index('left_elbow')] = False
    pose, ok = task.poses(np.zeros(32), valid)
    assert ok.tolist() == [False, True, True, True, True]
    assert np.isnan(pose[0]).all() and np.isfinite(pose[1:]).all()


def test_talos_wrists_are_never_valid_their_chain_has_a_joint_without_canonical_value(
        tmp_path: Path):
    profile, task = robot('pal_talos', tmp_path)
    _, ok = task.poses(np.zeros(32), present(profile))
    assert ok.tolist() == [False, False, True, True, True]


def test_arms_sideways_turn_every_robot_s_hand_a_quarter_turn_about_x(tmp_path: Path):
    for name in ('unitree_g1_29dof', 'booster_t1', 'unitree_h1'):
        profile, task = robot(name, tmp_path)
        position = np.zeros(32)
        position[SPEC.joint_index('left_shoulder_roll')] = math.pi / 2
        pose, _ = task.poses(position, present(profile))
        # x, y, z, w of a +90 deg turn about +x, within the tilt of the shoulder axes
        np.testing.assert_allclose(pose[0, 3:], [math.sqrt(0.5), 0, 0, math.sqrt(0.5)],
                                   atol=0.15)


def test_the_bridge_and_the_exporter_give_the_same_poses(tmp_path: Path):
    path = profile_with_model('unitree_g1_29dof', tmp_path / 'p')
    profile = load_profile(path)
    core = BridgeCore(profile, SPEC, vm.typestore().fielddefs)
    bag = bf.write_vendor_bag(tmp_path / 'bag', 'unitree_g1_29dof', camera=False,
                              events=(bf.EventSpec(0.2, 1.2, 'wave'),))
    export_recordings(ExportRequest(bags=(bag,), out=tmp_path / 'ds', profile=str(path),
                                    vcodec='libx264'), lambda line: None)
    table = pq.read_table(next((tmp_path / 'ds' / 'data').rglob('*.parquet')))
    eef = np.stack(table['observation.eef.position'].to_numpy(zero_copy_only=False))
    valid = np.stack(table['valid.observation.eef'].to_numpy(zero_copy_only=False))
    times = table['timestamp'].to_numpy()
    assert valid.all()
    for row in (0, 10, 29):  # grid instants fall on recorded states (300 Hz, 30 fps)
        state = core.on_state(bf.vendor_state_at('unitree_g1_29dof', 0.2 + times[row], None),
                              float(row))
        assert state is not None and state.task_pose is not None
        np.testing.assert_allclose(eef[row].reshape(5, 3), state.task_pose[:, :3], atol=2e-6)
    info = json.loads((tmp_path / 'ds' / 'meta' / 'info.json').read_text())
    assert info['features']['observation.eef.orientation']['names'][:4] == [
        'l_wrist.x', 'l_wrist.y', 'l_wrist.z', 'l_wrist.w']


def test_a_robot_without_a_model_has_the_features_but_never_valid(tmp_path: Path):
    bag = bf.write_vendor_bag(tmp_path / 'bag', 'booster_t1', camera=False)
    export_recordings(ExportRequest(bags=(bag,), out=tmp_path / 'ds', profile='booster_t1',
                                    vcodec='libx264', task='stand'), lambda line: None)
    table = pq.read_table(next((tmp_path / 'ds' / 'data').rglob('*.parquet')))
    valid = np.stack(table['valid.observation.eef'].to_numpy(zero_copy_only=False))
    values = np.stack(table['observation.eef.position'].to_numpy(zero_copy_only=False))
    assert not valid.any() and (values == 0.0).all()


def test_quaternions_agree_with_transforms3d_on_random_rotations():
    rng = np.random.default_rng(11)
    axes = rng.normal(size=(200, 3))
    angles = rng.uniform(-math.pi, math.pi, 200)
    rotations = np.stack([transforms3d.axangles.axangle2mat(axis, angle)
                          for axis, angle in zip(axes, angles, strict=True)])
    ours = quaternions_xyzw(rotations)
    for quaternion, rotation in zip(ours, rotations, strict=True):
        w, x, y, z = transforms3d.quaternions.mat2quat(rotation)
        reference = np.array([x, y, z, w]) * (1 if w >= 0 else -1)
        np.testing.assert_allclose(quaternion, reference, atol=1e-9)
