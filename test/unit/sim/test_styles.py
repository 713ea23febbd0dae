"""Style tables hold the vendors' slot orders, names and limits, and agree with the profiles."""

from __future__ import annotations

import pytest
import yaml

from interop_bridge.errors import UnknownNameError
from interop_bridge.sim.styles import (
    STYLES, TALOS_CONTROLLER_JOINTS, VENDOR_JOINT_ORDERS, style_spec)
from ros_process import REPO

# Profile file -> style (the lead's robot profiles address vendor slots by index or name).
PROFILES = {'unitree_g1_29dof': 'unitree_g1_29dof', 'unitree_g1_23dof': 'unitree_g1_23dof',
            'unitree_h1_2': 'unitree_h1_2', 'unitree_h1': 'unitree_h1',
            'booster_t1': 'booster_t1', 'pal_talos': 'ros2_control_talos',
            'unitree_h2': 'unitree_h2', 'unitree_r1': 'unitree_r1', 'booster_k1': 'booster_k1'}


@pytest.mark.parametrize('style,slot,name', [
    ('unitree_g1_29dof', 0, 'left_hip_pitch_joint'),
    ('unitree_g1_29dof', 15, 'left_shoulder_pitch_joint'),
    ('unitree_g1_29dof', 28, 'right_wrist_yaw_joint'),
    ('unitree_g1_29dof', 29, None),
    ('unitree_g1_23dof', 13, None),
    ('unitree_g1_23dof', 19, 'left_wrist_roll_joint'),
    ('unitree_g1_23dof', 20, None),
    ('unitree_h1_2', 0, 'left_hip_yaw_joint'),
    ('unitree_h1_2', 1, 'left_hip_pitch_joint'),
    ('unitree_h1_2', 12, 'torso_joint'),
    ('unitree_h1_2', 27, None),
    ('unitree_h1', 0, 'right_hip_roll_joint'),
    ('unitree_h1', 9, None),
    ('unitree_h1', 10, 'left_ankle_joint'),
    ('unitree_h1', 19, 'left_elbow_joint'),
    ('booster_t1', 0, 'AAHead_yaw'),
    ('booster_t1', 10, 'Waist'),
    ('booster_t1', 15, 'Left_Ankle_Pitch'),
    ('ros2_control_talos', 0, 'leg_left_1_joint'),
    ('ros2_control_talos', 12, 'torso_1_joint'),
    ('ros2_control_talos', 31, 'gripper_right_joint'),
    ('unitree_h2', 4, 'left_ankle_roll_joint'),
    ('unitree_h2', 5, 'left_ankle_pitch_joint'),
    ('unitree_h2', 29, 'head_pitch_joint'),
    ('unitree_h2', 30, 'head_yaw_joint'),
    ('unitree_h2', 31, None),
    ('unitree_r1', 12, 'waist_roll_joint'),
    ('unitree_r1', 13, 'waist_yaw_joint'),
    ('unitree_r1', 14, None),
    ('unitree_r1', 19, 'left_wrist_roll_joint'),
    ('unitree_r1', 20, None),
    ('unitree_r1', 22, 'right_shoulder_pitch_joint'),
    ('unitree_r1', 29, 'head_pitch_joint'),
    ('booster_k1', 2, 'ALeft_Shoulder_Pitch'),
    ('booster_k1', 10, 'Left_Hip_Pitch'),
    ('booster_k1', 14, 'Left_Ankle_Pitch'),
    ('booster_k1', 21, 'Right_Ankle_Roll'),
])
def test_vendor_slot_holds_the_joint_of_the_vendor_order(style, slot, name):
    assert VENDOR_JOINT_ORDERS[style][slot] == name


@pytest.mark.parametrize('style,slots,joints', [
    ('unitree_g1_29dof', 35, 29), ('unitree_g1_23dof', 35, 23), ('unitree_h1_2', 35, 27),
    ('unitree_h1', 20, 19), ('booster_t1', 23, 23), ('ros2_control_talos', 32, 32),
    ('unitree_h2', 35, 31), ('unitree_r1', 35, 26), ('booster_k1', 22, 22)])
def test_each_style_has_the_vendor_slot_and_joint_count(style, slots, joints):
    order = VENDOR_JOINT_ORDERS[style]
    assert len(order) == slots
    assert sum(name is not None for name in order) == joints
    assert len({name for name in order if name}) == joints


@pytest.mark.parametrize('style', sorted(STYLES))
def test_every_joint_has_a_non_empty_range_containing_its_home(style):
    for joint in style_spec(style).slots:
        if joint:
            assert joint.lower < joint.upper, joint
            assert joint.lower <= joint.home <= joint.upper or joint.home == 0.0, joint


def test_right_side_limits_mirror_roll_and_yaw_and_keep_pitch():
    g1 = {joint.name: joint for joint in style_spec('unitree_g1_29dof').slots if joint}
    assert (g1['right_hip_roll_joint'].lower, g1['right_hip_roll_joint'].upper) == (
        -2.9671, 0.5236)
    assert (g1['right_hip_pitch_joint'].lower, g1['right_hip_pitch_joint'].upper) == (
        -2.5307, 2.8798)


def test_unitree_specifics_match_the_vendor_facts():
    assert style_spec('unitree_g1_29dof').mode_machine == 5
    assert style_spec('unitree_g1_23dof').mode_machine == 4
    assert style_spec('unitree_g1_29dof').arm_sdk_weight_slot == 29
    assert style_spec('unitree_h1_2').arm_sdk_weight_slot == 27
    assert style_spec('unitree_h1').arm_sdk_weight_slot == 9
    assert style_spec('booster_t1').parallel_pairs == ((15, 16), (21, 22))
    assert style_spec('booster_k1').parallel_pairs == ((14, 15), (20, 21))
    assert style_spec('unitree_h2').arm_sdk_weight_slot == 31
    assert style_spec('unitree_r1').arm_sdk_weight_slot is None  # its weight is in mode_pr


def test_talos_controller_joints_are_the_non_gripper_joints_with_the_arm_pans_last():
    assert len(TALOS_CONTROLLER_JOINTS) == 30
    assert TALOS_CONTROLLER_JOINTS[:16] == VENDOR_JOINT_ORDERS['ros2_control_talos'][:16]
    assert TALOS_CONTROLLER_JOINTS[-2:] == ('arm_left_1_joint', 'arm_right_1_joint')
    assert not any('gripper' in name for name in TALOS_CONTROLLER_JOINTS)


@pytest.mark.parametrize('profile', sorted(PROFILES))
def test_robot_profiles_name_the_same_joints_and_limits_as_the_vendor_order(profile):
    raw = yaml.safe_load((REPO / 'config' / 'robots' / f'{profile}.yaml').read_text())
    spec = style_spec(PROFILES[profile])
    for joint in raw['joints']:
        source = joint['source']
        slot = source if isinstance(source, int) else spec.joint_names.index(source)
        simulated = spec.slots[slot]
        assert simulated is not None and simulated.name == joint['native_name'], joint
        assert simulated.lower == pytest.approx(joint['position'][0], abs=1e-4), joint
        assert simulated.upper == pytest.approx(joint['position'][1], abs=1e-4), joint


def test_talos_profile_controller_joints_are_the_fake_robot_default():
    raw = yaml.safe_load((REPO / 'config' / 'robots' / 'pal_talos.yaml').read_text())
    assert tuple(raw['ros2_control']['controller_joints']) == TALOS_CONTROLLER_JOINTS


def test_an_unknown_style_names_the_known_ones():
    with pytest.raises(UnknownNameError,
                       match="unknown robot style 'g2' .known: unitree_g1_29dof"):
        style_spec('g2')
