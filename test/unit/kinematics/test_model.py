"""The kinematic model answers placements, axes and chains as the geometry says."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from interop_bridge.errors import KinematicsError
from interop_bridge.kinematics.model import load_model

# A pelvis, a shoulder 0.15 m left and 0.3 m up rolled 0.3 rad about x, an elbow 0.2 m below
# the shoulder, and an unbounded wrist: placements below follow from this by hand.
ARM = '''<robot name="arm">
  <link name="pelvis"/><link name="upper"/><link name="fore"/><link name="hand"/>
  <joint name="shoulder" type="revolute"><parent link="pelvis"/><child link="upper"/>
    <origin xyz="0 0.15 0.3" rpy="0.3 0 0"/><axis xyz="0 1 0"/>
    <limit lower="-1.5" upper="2.5" effort="10" velocity="5"/></joint>
  <joint name="elbow" type="revolute"><parent link="upper"/><child link="fore"/>
    <origin xyz="0 0 -0.2"/><axis xyz="0 1 0"/>
    <limit lower="-1" upper="2" effort="10" velocity="5"/></joint>
  <joint name="wrist" type="continuous"><parent link="fore"/><child link="hand"/>
    <origin xyz="0.1 0 0"/><axis xyz="1 0 0"/></joint>
</robot>'''


@pytest.fixture()
def arm(tmp_path: Path):
    path = tmp_path / 'arm.urdf'
    path.write_text(ARM)
    return load_model(path)


def test_the_actuated_joints_and_their_limits_are_read(arm):
    assert list(arm.joints) == ['shoulder', 'elbow', 'wrist']
    assert (arm.joints['shoulder'].lower, arm.joints['shoulder'].upper) == (-1.5, 2.5)
    assert arm.joints['wrist'].continuous and arm.joints['wrist'].upper == math.inf


def test_a_joint_position_follows_the_origins_at_zero_and_when_moved(arm):
    zero = arm.configuration({})
    roll = 0.3  # the shoulder frame is rolled: its -z points to (0, sin 0.3, -cos 0.3)
    expected = np.array([0.0, 0.15 + 0.2 * math.sin(roll), 0.3 - 0.2 * math.cos(roll)])
    np.testing.assert_allclose(arm.joint_position(zero, 'elbow'), expected, atol=1e-12)
    bent = arm.configuration({'shoulder': math.pi / 2})  # -z of the shoulder turns to -x
    assert arm.joint_position(bent, 'elbow')[0] == pytest.approx(-0.2)


def test_the_measured_rotation_axis_is_the_tilted_file_axis(arm):
    axis = arm.rotation_axis(arm.configuration({}), 'shoulder')
    np.testing.assert_allclose(axis, [0.0, math.cos(0.3), math.sin(0.3)], atol=1e-6)


def test_a_continuous_joint_is_set_by_its_angle(arm):
    q = arm.configuration({'wrist': 0.5})
    assert arm.rotation_axis(q, 'wrist') == pytest.approx(
        arm.rotation_axis(arm.configuration({}), 'wrist'), abs=1e-6)
    assert q.size == 4  # two revolute angles, cos and sin of the continuous one


def test_frames_and_chains_are_found(arm):
    zero = arm.configuration({})
    np.testing.assert_allclose(arm.frame_position(zero, 'hand'),
                               arm.joint_position(zero, 'wrist'), atol=1e-12)
    assert arm.ancestors('hand') == ('shoulder', 'elbow', 'wrist')
    assert arm.ancestors('elbow') == ('shoulder', 'elbow')


def test_unknown_names_and_files_are_kinematics_errors(arm, tmp_path: Path):
    with pytest.raises(KinematicsError, match="no joint 'knee'"):
        arm.joint('knee')
    with pytest.raises(KinematicsError, match="no link or frame 'toe'"):
        arm.frame_position(arm.configuration({}), 'toe')
    with pytest.raises(KinematicsError, match='no such model file'):
        load_model(tmp_path / 'missing.urdf')
    with pytest.raises(KinematicsError, match="unknown model file kind '.sdf'"):
        load_model(tmp_path / 'robot.sdf')
    broken = tmp_path / 'broken.urdf'
    broken.write_text('<robot name="x"><joint name="j" type="revolute">')
    with pytest.raises(KinematicsError, match='not a readable URDF model'):
        load_model(broken)


# A trunk root with the pelvis hanging from a waist yaw joint (the Booster T1's tree), and a
# hip below the pelvis: seen from the pelvis, the waist turns the trunk, not the pelvis.
TRUNK_ROOTED = '''<robot name="t">
  <link name="trunk"/><link name="Waist"/><link name="thigh"/>
  <joint name="Waist" type="revolute"><parent link="trunk"/><child link="Waist"/>
    <origin xyz="0 0 -0.1"/><axis xyz="0 0 1"/>
    <limit lower="-1" upper="1" effort="30" velocity="10"/></joint>
  <joint name="hip" type="revolute"><parent link="Waist"/><child link="thigh"/>
    <origin xyz="0 0.1 0"/><axis xyz="0 1 0"/>
    <limit lower="-1" upper="1" effort="0" velocity="0"/></joint>
</robot>'''


@pytest.fixture()
def trunk_rooted(tmp_path: Path):
    path = tmp_path / 't.urdf'
    path.write_text(TRUNK_ROOTED)
    return load_model(path)


def test_a_joint_between_the_root_and_the_base_turns_the_root_side(trunk_rooted):
    zero = trunk_rooted.configuration({})
    np.testing.assert_allclose(trunk_rooted.rotation_axis(zero, 'Waist'), [0, 0, 1], atol=1e-6)
    trunk_rooted.set_base('Waist')  # a link and a joint of one name: the link is meant
    np.testing.assert_allclose(trunk_rooted.rotation_axis(zero, 'Waist'), [0, 0, -1], atol=1e-6)
    np.testing.assert_allclose(trunk_rooted.rotation_axis(zero, 'hip'), [0, 1, 0], atol=1e-6)
    np.testing.assert_allclose(trunk_rooted.frame_position(zero, 'trunk'), [0, 0, 0.1],
                               atol=1e-12)


def test_an_added_frame_sits_at_its_offset_and_turns_with_its_link(arm):
    arm.add_frame('tip', 'fore', (0.3, 0.0, 0.0))
    q = arm.configuration({'elbow': math.pi / 2})  # +y turns the forearm's x to -z
    (rotation, position), = arm.frame_poses(q, ('tip',))
    np.testing.assert_allclose(position - arm.joint_position(q, 'elbow'),
                               rotation @ [0.3, 0.0, 0.0], atol=1e-12)
    roll = 0.3
    np.testing.assert_allclose(rotation @ [1.0, 0.0, 0.0],
                               [0.0, math.sin(roll), -math.cos(roll)], atol=1e-12)
    with pytest.raises(KinematicsError, match="a frame named 'tip' exists already"):
        arm.add_frame('tip', 'fore', (0.0, 0.0, 0.0))
    with pytest.raises(KinematicsError, match="no link or frame 'claw'"):
        arm.add_frame('grip', 'claw', (0.0, 0.0, 0.0))
    with pytest.raises(KinematicsError, match="no link 'torso' for the base frame"):
        arm.set_base('torso')


def test_effort_and_velocity_limits_are_read_and_zero_means_not_declared(trunk_rooted):
    assert (trunk_rooted.joints['Waist'].effort, trunk_rooted.joints['Waist'].velocity) == (
        30.0, 10.0)
    assert (trunk_rooted.joints['hip'].effort, trunk_rooted.joints['hip'].velocity) == (0.0, 0.0)
