"""Every declared key of a profile's top level, topics, imu and joints changes what the bridge
or the exporter does (extras, sensors, command, adapter options: test_profile_option_effects).

Each effect test changes one key of a shipped profile and checks the outcome against values
computed by hand (or by rosbags / transforms3d), never against the profile's own mapping. Keys
whose only effect is in a ROS message (name, vendor, model, imu.frame, native_name,
state_rate_hz in the embodiment) are checked in test/ros/test_embodiment_keys.py.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import transforms3d
import vendor_messages as vm
import yaml
from key_effects import (
    HIP_YAW, KNEE, SPEC, TOP_LEVEL, all_sections, core_of, effects_of, g1_core,
    knee_command, lowcmd, run_effect, uncovered_keys)
from profile_variants import set_key, set_keys, variant
from unitree_reference import lowstate_crc

from kinematic_fixtures import write_urdf

from interop_bridge.commands.profiles import run_list
from interop_bridge.kinematics.model import load_model
from interop_bridge.kinematics.profile_check import check_profile_kinematics
from interop_bridge.errors import ProfileError
from interop_bridge.profile import load_profile
from interop_bridge.vendors.registry import sections

SECTIONS = {TOP_LEVEL, 'topics', 'imu', 'joints'}
OPTION_SECTIONS = {'extra', 'wrenches', 'grippers', 'command', *sections()}


# ----- top level ------------------------------------------------------------------------------

def effect_description(tmp_path, capsys):
    run_list(None)
    text = yaml.safe_load(Path(load_profile('booster_t1').source_file).read_text())
    assert f"booster_t1           {text['description']}" in capsys.readouterr().out


def effect_kinematics(tmp_path):
    # the H1 has no wrist: its forearms end at the frames the section places on the model
    model = write_urdf('unitree_h1', tmp_path / 'h1.urdf')
    shipped = check_profile_kinematics(load_profile('unitree_h1'), load_model(model))
    bare = check_profile_kinematics(
        variant(tmp_path, 'unitree_h1', lambda raw: raw.pop('kinematics')), load_model(model))
    assert set(shipped.segment_error_deg) - set(bare.segment_error_deg) == {
        'left_forearm', 'right_forearm'}


def effect_adapter(tmp_path):
    def edit(raw):  # an H1 profile (unitree_go, 20 slots) read as unitree_hg (35 slots)
        raw.update(adapter='unitree_hg')
        raw['unitree']['motor_slots'] = 35
    assert core_of(load_profile('unitree_h1')).codec.state_type == 'unitree_go/msg/LowState'
    assert core_of(variant(tmp_path, 'unitree_h1', edit)).codec.state_type == \
        'unitree_hg/msg/LowState'


def effect_stamp_source(tmp_path):
    for source, expected in (('vendor', (5_000_000_123, 'vendor')),
                             ('receive', (42, 'receive'))):
        core = core_of(variant(tmp_path, 'pal_talos', set_key('stamp_source', source)))
        raw, _, _ = vm.profile_state(core.profile)
        state = core.on_state(raw, 0.0)
        assert core.stamp_ns(state, 42) == expected


def effect_joint_defaults(tmp_path):
    core = g1_core(tmp_path, set_key('joint_defaults.damping_max', 5.0))
    message = lowcmd(knee_command(core, 0.5, damping=9.0))
    assert message.motor_cmd[KNEE].kd == 5.0


# ----- topics ---------------------------------------------------------------------------------

def effect_topics_state(tmp_path):
    core = core_of(variant(tmp_path, 'unitree_g1_29dof', set_key('topics.state', 'lf/lowstate')))
    assert [(topic.role, topic.topic) for topic in core.vendor_topics()][0] == \
        ('state', 'lf/lowstate')


def effect_topics_command(tmp_path):
    core = core_of(variant(tmp_path, 'unitree_g1_29dof', set_key('topics.command', 'arm_sdk')))
    assert ('command', 'arm_sdk', 'unitree_hg/msg/LowCmd') in [
        (topic.role, topic.topic, topic.typename) for topic in core.vendor_topics()]


def effect_topics_imu(tmp_path):
    core = core_of(variant(tmp_path, 'pal_talos', set_key('topics.imu', '/base_imu')))
    assert ('imu', '/base_imu', 'sensor_msgs/msg/Imu') in [
        (topic.role, topic.topic, topic.typename) for topic in core.vendor_topics()]


# ----- imu ------------------------------------------------------------------------------------

def effect_imu_present(tmp_path):
    core = g1_core(tmp_path, set_key('imu.present', False))
    assert core.canonical.imu is None
    assert g1_core(tmp_path, lambda raw: None).canonical.imu is not None
    with pytest.raises(ProfileError, match="topics.imu: got '/imu_sensor_broadcaster/imu', "
                                           'expected no IMU topic with imu.present: false'):
        variant(tmp_path, 'pal_talos', set_key('imu.present', False))


def unitree_state_with_rpy(rpy: tuple[float, float, float]) -> bytes:
    package = 'unitree_hg'
    motors = [vm._message(f'{package}/msg/MotorState') for _ in range(35)]
    imu = vm._message(f'{package}/msg/IMUState',
                      quaternion=np.array([1.0, 0.0, 0.0, 0.0], dtype=np.float32),
                      rpy=np.array(rpy, dtype=np.float32))
    message = vm._message(f'{package}/msg/LowState', imu_state=imu, motor_state=motors)
    message.crc = lowstate_crc(message, 'hg')  # a state the robot sent: its CRC is right
    return bytes(vm.typestore().serialize_cdr(message, f'{package}/msg/LowState'))


def effect_imu_orientation(tmp_path):
    raw = unitree_state_with_rpy((0.1, -0.2, 0.3))
    quaternion = core_of(load_profile('unitree_g1_29dof')).on_state(raw, 0.0).imu.orientation
    np.testing.assert_allclose(quaternion, [0.0, 0.0, 0.0, 1.0])  # the identity, w first
    rpy = core_of(variant(tmp_path, 'unitree_g1_29dof', set_key('imu.orientation', 'rpy')))
    w, x, y, z = transforms3d.euler.euler2quat(0.3, -0.2, 0.1, 'rzyx')
    np.testing.assert_allclose(rpy.on_state(raw, 0.0).imu.orientation, [x, y, z, w],
                               rtol=1e-6)
    none = core_of(variant(tmp_path, 'unitree_g1_29dof', set_key('imu.orientation', 'none')))
    assert np.isnan(none.on_state(raw, 0.0).imu.orientation).all()
    with pytest.raises(ProfileError, match="imu.orientation: got 'quaternion_xyzw', expected "
                                           "one of \\['quaternion_wxyz', 'rpy', 'none'\\]"):
        variant(tmp_path, 'unitree_g1_29dof', set_key('imu.orientation', 'quaternion_xyzw'))


def effect_imu_euler_order(tmp_path):
    raw = vm.booster_lowstate(vm.slot_values(23), rpy=(0.1, 0.2, 0.3))
    # Intrinsic X-Y-Z: roll, then pitch about the new y, then yaw about the newest z (not the
    # same rotation as the default Z-Y-X, which equals extrinsic x-y-z).
    core = core_of(variant(tmp_path, 'booster_t1', set_key('imu.euler_order', 'XYZ')))
    w, x, y, z = transforms3d.euler.euler2quat(0.1, 0.2, 0.3, 'rxyz')
    np.testing.assert_allclose(core.on_state(raw, 0.0).imu.orientation, [x, y, z, w],
                               rtol=1e-6)


# ----- joints ---------------------------------------------------------------------------------

def effect_joints_canonical(tmp_path):
    # G1 slot 2 (left_hip_yaw) mapped onto waist_yaw instead (the waist_yaw entry removed).
    def edit(raw):
        raw['joints'] = [joint for joint in raw['joints'] if joint['canonical'] != 'waist_yaw']
        raw['joints'][2]['canonical'] = 'waist_yaw'
    state = g1_core(tmp_path, edit).canonical
    assert state.position[SPEC.joint_index('waist_yaw')] == pytest.approx(-0.08)  # slot 2
    assert not state.valid[HIP_YAW]


def effect_joints_source(tmp_path):
    def edit(raw):
        raw['joints'][0]['source'], raw['joints'][1]['source'] = 1, 0
    state = g1_core(tmp_path, edit).canonical
    assert state.position[0] == pytest.approx(-0.09) and state.position[1] == pytest.approx(-0.1)


def effect_joints_sign(tmp_path):
    state = g1_core(tmp_path, set_key('joints.2.sign', -1)).canonical
    assert state.position[HIP_YAW] == pytest.approx(+0.08)  # slot 2 holds -0.08
    assert state.effort[HIP_YAW] == pytest.approx(-0.08)  # tau_est = -q = 0.08, sign -1


def effect_joints_scale(tmp_path):
    def edit(raw):
        raw['joints'][3].update(scale=math.pi / 180, position=[-2.0, 160.0], velocity=1000.0)
    state = g1_core(tmp_path, edit).canonical
    assert state.position[KNEE] == pytest.approx(-0.07 * math.pi / 180)
    assert state.velocity[KNEE] == pytest.approx(-0.035 * math.pi / 180)


def effect_joints_offset(tmp_path):
    state = g1_core(tmp_path, set_key('joints.3.offset', 0.02)).canonical
    assert state.position[KNEE] == pytest.approx(-0.07 + 0.02)


def effect_joints_position(tmp_path):
    core = g1_core(tmp_path, set_key('joints.3.position', [-0.08, 1.5]))
    assert lowcmd(knee_command(core, 2.0)).motor_cmd[KNEE].q == pytest.approx(1.5)


def effect_joints_velocity(tmp_path):
    core = g1_core(tmp_path, set_key('joints.3.velocity', 4.0))
    assert lowcmd(knee_command(core, 0.5, velocity=9.0)).motor_cmd[KNEE].dq == 4.0


def effect_joints_effort(tmp_path):
    core = g1_core(tmp_path, set_key('joints.3.effort', 30.0))
    assert lowcmd(knee_command(core, 0.5, effort=-99.0)).motor_cmd[KNEE].tau == -30.0


def effect_joints_stiffness(tmp_path):
    core = g1_core(tmp_path, set_key('joints.3.stiffness', 77.0))
    assert lowcmd(knee_command(core, 0.5)).motor_cmd[KNEE].kp == 77.0


def effect_joints_damping(tmp_path):
    core = g1_core(tmp_path, set_key('joints.3.damping', 3.25))
    assert lowcmd(knee_command(core, 0.5)).motor_cmd[KNEE].kd == 3.25


def effect_joints_stiffness_max(tmp_path):
    core = g1_core(tmp_path, set_keys(('joints.3.stiffness_max', 120.0),
                                      ('joints.3.stiffness', 100.0)))
    assert lowcmd(knee_command(core, 0.5, stiffness=250.0)).motor_cmd[KNEE].kp == 120.0


def effect_joints_damping_max(tmp_path):
    core = g1_core(tmp_path, set_keys(('joints.3.damping_max', 3.0), ('joints.3.damping', 1.0)))
    assert lowcmd(knee_command(core, 0.5, damping=6.0)).motor_cmd[KNEE].kd == 3.0


EFFECTS = effects_of(dict(globals()))


def test_every_key_of_these_sections_has_an_effect_test():
    assert uncovered_keys(EFFECTS, SECTIONS) == set()


@pytest.mark.parametrize('key', sorted(EFFECTS))
def test_changing_the_key_changes_the_outcome(key, tmp_path, capsys):
    run_effect(EFFECTS[key], tmp_path, capsys)


def test_the_two_effect_modules_cover_every_section():
    assert SECTIONS | OPTION_SECTIONS == all_sections()
