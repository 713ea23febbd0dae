"""Every declared profile key changes what the bridge or the exporter does.

The keys are enumerated from the declarations themselves (profile_schema and each adapter's
entry in the registry), so a new key without an effect test fails here. Each effect test
changes one key of a shipped profile and checks the outcome against values computed by hand
(or by rosbags / transforms3d), never against the profile's own mapping. Keys whose only
effect is in a ROS message (name, vendor, model, imu.frame, native_name, state_rate_hz in the
embodiment) are checked in test/ros/test_embodiment_keys.py.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import transforms3d
import vendor_messages as vm
import yaml
from profile_variants import EMBODIMENT_KEYS, set_key, variant

from interop_bridge.bridge_core import BridgeCore, command_from_arrays
from interop_bridge.canonical import load_canonical
from interop_bridge.commands.profiles import run_list
from interop_bridge.errors import ProfileError
from interop_bridge.profile import Profile, load_profile
from interop_bridge.profile_schema import (
    COMMAND_KEYS, EXTRA_KEYS, GRIPPER_KEYS, IMU_KEYS, JOINT_KEYS, TOP_KEYS, TOPIC_KEYS,
    WRENCH_KEYS)
from interop_bridge.vendors.registry import sections

SPEC = load_canonical()
N = SPEC.joint_count
SECTION_KEYS = {'topics': TOPIC_KEYS, 'imu': IMU_KEYS, 'joints': JOINT_KEYS,
                'extra': EXTRA_KEYS, 'wrenches': WRENCH_KEYS, 'grippers': GRIPPER_KEYS,
                'command': COMMAND_KEYS, **sections()}
KNEE = SPEC.joint_index('left_knee')  # G1 slot 3, measured -0.07 in the test state
HIP_YAW = SPEC.joint_index('left_hip_yaw')  # G1 slot 2, measured -0.08
G1_FILE = yaml.safe_load(Path(load_profile('unitree_g1_29dof').source_file).read_text())
G1_KNEE = next(joint for joint in G1_FILE['joints'] if joint['canonical'] == 'left_knee')
G1_HIP_PITCH = G1_FILE['joints'][0]


def declared_keys() -> set[str]:
    keys = {key.name for key in TOP_KEYS if key.name not in SECTION_KEYS}
    for section, section_keys in SECTION_KEYS.items():
        keys |= {f'{section}.{key.name}' for key in section_keys}
    return keys


def core_of(profile: Profile) -> BridgeCore:
    return BridgeCore(profile, SPEC, vm.typestore().fielddefs)


def g1_core(tmp_path: Path, edit: Callable[[dict[str, Any]], None]) -> BridgeCore:
    core = core_of(variant(tmp_path, 'unitree_g1_29dof', edit))
    core.on_state(vm.unitree_lowstate('hg', vm.slot_values(35)), 0.0)
    return core


def knee_command(core: BridgeCore, position: float, **fields: Any) -> Any:
    """Command only the left knee; other fields as canonical arrays (one value for all)."""
    commanded = np.zeros(N, dtype=bool)
    commanded[KNEE] = True
    target = np.zeros(N)
    target[KNEE] = position
    arrays = {name: np.full(N, value) for name, value in fields.items()}
    command = command_from_arrays(N, commanded, target, arrays.get('velocity', []),
                                  arrays.get('effort', []), arrays.get('stiffness', []),
                                  arrays.get('damping', []))
    return core.on_command(command, 0.01)


def lowcmd(result: Any) -> Any:
    return vm.deserialize(result.payload, 'unitree_hg/msg/LowCmd')


# ----- top level ------------------------------------------------------------------------------

def effect_description(tmp_path, capsys):
    run_list(None)
    text = yaml.safe_load(Path(load_profile('booster_t1').source_file).read_text())
    assert f"booster_t1           {text['description']}" in capsys.readouterr().out


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
    core = g1_core(tmp_path, set_key('joint_defaults.stiffness_max', 33.0))
    message = lowcmd(knee_command(core, 0.5, stiffness=400.0))
    assert message.motor_cmd[KNEE].kp == 33.0


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
    core = g1_core(tmp_path, set_key('joints.3.stiffness_max', 120.0))
    assert lowcmd(knee_command(core, 0.5, stiffness=250.0)).motor_cmd[KNEE].kp == 120.0


def effect_joints_damping_max(tmp_path):
    core = g1_core(tmp_path, set_key('joints.3.damping_max', 1.0))
    assert lowcmd(knee_command(core, 0.5, damping=6.0)).motor_cmd[KNEE].kd == 1.0


# ----- extras, wrenches, grippers -------------------------------------------------------------

def effect_extra_name(tmp_path):
    state = g1_core(tmp_path, set_key('extra', [{'name': 'unitree/weight_slot', 'source': 29}]))
    assert state.canonical.extra_names == ('unitree/weight_slot',)


def effect_extra_source(tmp_path):
    state = g1_core(tmp_path, set_key('extra', [{'name': 'unitree/slot_30', 'source': 30}]))
    assert state.canonical.extra_position.tolist() == [pytest.approx(0.2)]  # slot 30


def talos_wrench(tmp_path: Path, edit: Callable[[dict[str, Any]], None]) -> BridgeCore:
    core = core_of(variant(tmp_path, 'pal_talos', edit))
    for sensor in core.profile.wrenches:
        core.on_wrench(sensor.frame, vm.wrench_stamped(force=(1.0, 2.0, 3.0),
                                                       torque=(4.0, 5.0, 6.0)))
    return core


def effect_wrenches_frame(tmp_path):
    core = talos_wrench(tmp_path, set_key('wrenches.0.frame', 'l_wrist'))
    assert sorted(core.wrenches) == ['l_wrist', 'r_sole']


def effect_wrenches_topic(tmp_path):
    core = core_of(variant(tmp_path, 'pal_talos', set_key('wrenches.0.topic', '/ft/left')))
    assert ('l_sole', '/ft/left', 'geometry_msgs/msg/WrenchStamped') in [
        (topic.role, topic.topic, topic.typename) for topic in core.vendor_topics()]


def effect_wrenches_force_axes(tmp_path):
    core = talos_wrench(tmp_path, set_key('wrenches.0.force_axes', [-1, 1, -1]))
    assert core.wrenches['l_sole'].tolist() == [-1.0, 2.0, -3.0, 4.0, -5.0, -6.0]


def effect_wrenches_torque_axes(tmp_path):
    core = talos_wrench(tmp_path, set_key('wrenches.0.torque_axes', [1, 1, 1]))
    assert core.wrenches['l_sole'].tolist() == [1.0, -2.0, -3.0, 4.0, 5.0, 6.0]


def talos_closure(tmp_path: Path, edit: Callable[[dict[str, Any]], None],
                  side: str = 'left') -> float:
    core = core_of(variant(tmp_path, 'pal_talos', edit))
    names = [str(entry.source) for entry in (*core.profile.joints, *core.profile.extra,
                                             *core.profile.grippers)]
    q = np.zeros(len(names))
    q[names.index('gripper_left_joint')] = -0.24
    state = core.on_state(vm.joint_state(names, q), 0.0)
    return float(state.hand_closure[SPEC.hand_channel_names(side).index(f'{side}_gripper')
                                    + (len(SPEC.hand_channels) if side == 'right' else 0)])


def effect_grippers_side(tmp_path):
    def edit(raw):
        raw['grippers'] = [{**raw['grippers'][0], 'side': 'right'}]
    assert talos_closure(tmp_path, edit, side='right') == pytest.approx(0.24 / 0.959931)


def effect_grippers_source(tmp_path):
    def edit(raw):
        raw['grippers'][0]['source'] = 'gripper_right_joint'
        raw['grippers'][1]['source'] = 'gripper_left_joint'
    assert talos_closure(tmp_path, edit) == pytest.approx(0.0)  # right joint reads 0


def effect_grippers_open(tmp_path):
    assert talos_closure(tmp_path, set_key('grippers.0.open', 0.2)) == pytest.approx(
        (-0.24 - 0.2) / (-0.959931 - 0.2))


def effect_grippers_closed(tmp_path):
    assert talos_closure(tmp_path, set_key('grippers.0.closed', -0.48)) == pytest.approx(0.5)


# ----- command --------------------------------------------------------------------------------

def effect_command_limit_policy(tmp_path):
    core = g1_core(tmp_path, set_key('command.limit_policy', 'reject'))
    assert knee_command(core, 9.0).outcome.rejected == '1 values outside the profile limits'


def effect_command_timeout_s(tmp_path):
    core = g1_core(tmp_path, set_key('command.timeout_s', 0.5))
    knee_command(core, 0.5)
    for now in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6):  # the vendor state stays fresh
        core.on_state(vm.unitree_lowstate('hg', vm.slot_values(35)), now)
    assert core.safe_command_due(0.3) is None  # 0.29 s after the command
    assert core.safe_command_due(0.6) is not None


def effect_command_state_timeout_s(tmp_path):
    core = g1_core(tmp_path, set_key('command.state_timeout_s', 0.5))  # state at 0.0
    assert knee_command(core, 0.5).payload is not None
    late = core.on_command(command_from_arrays(N, np.zeros(N, dtype=bool), np.zeros(N), [],
                                               [], [], []), 0.6)
    assert late.outcome.rejected == 'vendor state older than 0.5 s: nothing is forwarded'
    assert core.health['state'].timeouts == 0
    core.safe_command_due(0.6)
    assert core.health['state'].timeouts == 1


def effect_command_on_timeout(tmp_path):
    core = g1_core(tmp_path, set_key('command.on_timeout', 'hold'))
    knee_command(core, 0.5)
    message = vm.deserialize(core.safe_command_due(1.0), 'unitree_hg/msg/LowCmd')
    assert message.motor_cmd[KNEE].kp == G1_KNEE['stiffness']  # its default: hold
    assert message.motor_cmd[KNEE].q == pytest.approx(-0.07)  # measured


def effect_command_timeout_damping(tmp_path):
    core = g1_core(tmp_path, set_key('command.timeout_damping', 4.5))
    knee_command(core, 0.5)
    message = vm.deserialize(core.safe_command_due(1.0), 'unitree_hg/msg/LowCmd')
    assert (message.motor_cmd[KNEE].kp, message.motor_cmd[KNEE].kd) == (0.0, 4.5)


def effect_command_uncommanded(tmp_path):
    core = g1_core(tmp_path, set_key('command.uncommanded', 'damp'))
    message = lowcmd(knee_command(core, 0.5))
    assert message.motor_cmd[0].kp == 0.0  # damped
    assert message.motor_cmd[0].kd == G1_HIP_PITCH['damping']
    assert message.motor_cmd[KNEE].kp == G1_KNEE['stiffness']


# ----- adapter options ------------------------------------------------------------------------

def effect_unitree_motor_slots(tmp_path):
    with pytest.raises(ProfileError, match=r'joints\[28\].source: got 28, expected a slot '
                                           'index below 20'):
        variant(tmp_path, 'unitree_g1_29dof', set_key('unitree.motor_slots', 20))


def effect_unitree_mode_pr(tmp_path):
    core = g1_core(tmp_path, set_key('unitree.mode_pr', 1))
    assert lowcmd(knee_command(core, 0.5)).mode_pr == 1


def effect_unitree_motor_mode(tmp_path):
    core = g1_core(tmp_path, set_key('unitree.motor_mode', 10))
    message = lowcmd(knee_command(core, 0.5))
    assert message.motor_cmd[KNEE].mode == 10 and message.motor_cmd[30].mode == 0


def effect_unitree_weight_slot(tmp_path):
    core = g1_core(tmp_path, set_key('unitree.weight_slot', 29))
    assert lowcmd(knee_command(core, 0.5)).motor_cmd[29].q == 1.0  # the default weight


def effect_unitree_weight(tmp_path):
    def edit(raw):
        raw['unitree'].update(weight_slot=29, weight=0.25)
    assert lowcmd(knee_command(g1_core(tmp_path, edit), 0.5)).motor_cmd[29].q == 0.25


def effect_booster_motor_count(tmp_path):
    core = core_of(variant(tmp_path, 'booster_t1', set_key('booster.motor_count', 24)))
    result = core.on_state(vm.booster_lowstate(vm.slot_values(23)), 0.0)
    assert result is None
    assert core.health['state'].reasons == {
        'booster_interface/msg/LowState: motor_state_serial has 23 motors, the profile '
        'expects 24': 1}


def talos_command(tmp_path: Path, edit: Callable[[dict[str, Any]], None]) -> list[float]:
    """TALOS (leg joints: sign 1, offset 0) commanded knee 0.3 rad, 0.5 rad/s; hip yaw 0.1."""
    core = core_of(variant(tmp_path, 'pal_talos', edit))
    raw, _, _ = vm.profile_state(core.profile)
    core.on_state(raw, 0.0)
    position, velocity = np.zeros(N), np.zeros(N)
    position[KNEE], velocity[KNEE], position[HIP_YAW] = 0.3, 0.5, 0.1
    result = core.on_command(command_from_arrays(N, core.limits.present, position, velocity,
                                                 [], [], []), 0.01)
    return list(vm.deserialize(result.payload, 'std_msgs/msg/Float64MultiArray').data)


def effect_ros2_control_command_interface(tmp_path):
    order = list(load_profile('pal_talos').options['controller_joints'])
    data = talos_command(tmp_path, set_key('ros2_control.command_interface', 'velocity'))
    assert data[order.index('leg_left_4_joint')] == pytest.approx(0.5)  # the knee velocity
    assert data[order.index('arm_left_1_joint')] == 0.0  # an extra: no velocity
    positions = talos_command(tmp_path, lambda raw: None)
    assert positions[order.index('leg_left_4_joint')] == pytest.approx(0.3)


def effect_ros2_control_controller_joints(tmp_path):
    def edit(raw):
        raw['ros2_control']['controller_joints'] = ['leg_left_4_joint', 'leg_left_1_joint']
    assert talos_command(tmp_path, edit) == [pytest.approx(0.3), pytest.approx(0.1)]


def key_of(function_name: str) -> str:
    """'effect_ros2_control_command_interface' -> 'ros2_control.command_interface'."""
    name = function_name.removeprefix('effect_')
    for section in sorted(SECTION_KEYS, key=len, reverse=True):
        if name.startswith(f'{section}_'):
            return f'{section}.{name.removeprefix(section + "_")}'
    return name


EFFECTS = {key_of(name): function for name, function in dict(globals()).items()
           if name.startswith('effect_')}


def test_every_declared_key_has_an_effect_test():
    missing = declared_keys() - set(EFFECTS) - EMBODIMENT_KEYS
    assert missing == set(), f'profile keys without an effect test: {sorted(missing)}'
    assert set(EFFECTS) <= declared_keys()


@pytest.mark.parametrize('key', sorted(EFFECTS))
def test_changing_the_key_changes_the_outcome(key, tmp_path, capsys):
    effect = EFFECTS[key]
    if effect.__code__.co_argcount == 2:
        effect(tmp_path, capsys)
    else:
        effect(tmp_path)
