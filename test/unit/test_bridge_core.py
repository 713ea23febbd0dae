"""The bridge core maps vendor states exactly and sends only safe vendor commands."""

from __future__ import annotations

import numpy as np
import pytest
import transforms3d
import vendor_messages as vm
from unitree_reference import crc32_bitwise, go_lowcmd_bytes, hg_lowcmd_bytes

from interop_bridge.bridge_core import BridgeCore, command_from_arrays
from interop_bridge.canonical import load_canonical
from interop_bridge.profile import load_profile, shipped_profiles

SPEC = load_canonical()
N = SPEC.joint_count


def make_core(name: str) -> BridgeCore:
    return BridgeCore(load_profile(name), SPEC, vm.typestore().fielddefs)


def vendor_state(name: str, seed: float = 0.0) -> tuple[bytes, np.ndarray, list[str] | None]:
    """Serialized state of a profile's robot: native values per slot (or per name)."""
    profile = load_profile(name)
    if profile.adapter.startswith('unitree_'):
        q = vm.slot_values(profile.options['motor_slots'], seed)
        return vm.unitree_lowstate(profile.adapter[-2:], q), q, None
    if profile.adapter == 'booster':
        q = vm.slot_values(profile.options['motor_count'], seed)
        return vm.booster_lowstate(q), q, None
    names = [str(j.source) for j in profile.joints] + [str(e.source) for e in profile.extra] + \
        [str(g.source) for g in profile.grippers]
    names = names[::-1]  # any order: the bridge addresses joints by name
    q = np.round(np.linspace(-0.3, 0.3, len(names)), 6)
    q[names.index('gripper_left_joint')] = -0.479966
    return vm.joint_state(names, q), q, names


@pytest.mark.parametrize('name', shipped_profiles())
def test_every_joint_maps_with_its_index_sign_offset_and_unit(name):
    profile = load_profile(name)
    core = make_core(name)
    raw, q, names = vendor_state(name)
    state = core.on_state(raw, 0.0)
    for joint in profile.joints:
        slot = names.index(joint.source) if names else joint.source
        native = np.float64(q[slot])
        assert state.position[joint.index] == pytest.approx(joint.gain * native + joint.offset,
                                                            abs=1e-12), joint.canonical
        assert state.velocity[joint.index] == pytest.approx(joint.gain * native / 2, abs=1e-12)
        assert state.effort[joint.index] == pytest.approx(-joint.sign * native, abs=1e-12)
    present = {joint.index for joint in profile.joints}
    missing = [index for index in range(N) if index not in present]
    assert not state.valid[missing].any()
    assert np.isnan(state.position[missing]).all()
    assert state.valid[sorted(present)].all()


def test_g1_23dof_marks_waist_roll_pitch_and_wrist_pitch_yaw_invalid():
    state = make_core('unitree_g1_23dof').on_state(vendor_state('unitree_g1_23dof')[0], 0.0)
    invalid = [SPEC.joint_names[i] for i in np.flatnonzero(~state.valid)]
    assert invalid == ['waist_roll', 'waist_pitch', 'left_wrist_pitch', 'left_wrist_yaw',
                       'right_wrist_pitch', 'right_wrist_yaw', 'head_yaw', 'head_pitch',
                       'head_roll']


def test_h1_reads_its_scrambled_slots_into_canonical_order():
    state = make_core('unitree_h1').on_state(vendor_state('unitree_h1')[0], 0.0)
    q = vm.slot_values(20)
    assert state.position[SPEC.joint_index('right_hip_roll')] == pytest.approx(q[0])
    assert state.position[SPEC.joint_index('left_knee')] == pytest.approx(q[5])
    assert state.position[SPEC.joint_index('left_elbow')] == pytest.approx(q[19])
    assert not state.valid[SPEC.joint_index('left_ankle_roll')]


def test_t1_tpose_shoulder_and_swapped_elbow_joints_get_their_offsets():
    state = make_core('booster_t1').on_state(vendor_state('booster_t1')[0], 0.0)
    q = vm.slot_values(23).astype(np.float64)
    roll = SPEC.joint_index('left_shoulder_roll')
    assert state.position[roll] == pytest.approx(q[3] + vm.HALF_PI)
    assert state.position[SPEC.joint_index('left_shoulder_yaw')] == pytest.approx(-q[4])
    assert state.position[SPEC.joint_index('right_elbow')] == pytest.approx(-q[9] + vm.HALF_PI)


def test_unitree_quaternion_w_first_becomes_ros_x_y_z_w():
    state = make_core('unitree_g1_29dof').on_state(vendor_state('unitree_g1_29dof')[0], 0.0)
    np.testing.assert_allclose(state.imu.orientation, [0.1, 0.2, 0.3, 0.9], rtol=1e-6)
    np.testing.assert_allclose(state.imu.linear_acceleration, [0, 0, 9.81], rtol=1e-6)


def test_booster_roll_pitch_yaw_becomes_the_quaternion_transforms3d_computes():
    state = make_core('booster_t1').on_state(vendor_state('booster_t1')[0], 0.0)
    w, x, y, z = transforms3d.euler.euler2quat(0.3, 0.2, 0.1, 'rzyx')  # yaw, pitch, roll
    np.testing.assert_allclose(state.imu.orientation, [x, y, z, w], rtol=1e-6)


def test_talos_gripper_becomes_a_closure_and_arm_1_an_extra():
    state = make_core('pal_talos').on_state(vendor_state('pal_talos')[0], 0.0)
    left_gripper = SPEC.hand_channel_names('left').index('left_gripper')
    assert state.hand_closure[left_gripper] == pytest.approx(0.5, abs=1e-6)
    assert state.extra_names == ('talos/arm_left_1_joint', 'talos/arm_right_1_joint')
    assert not state.valid[SPEC.joint_index('left_shoulder_pitch')]


def test_a_malformed_vendor_message_is_counted_and_dropped():
    core = make_core('unitree_g1_29dof')
    assert core.on_state(b'\x00\x01\x00\x00' + bytes(40), 0.0) is None
    raw = vendor_state('unitree_g1_29dof')[0]
    nan_raw = vm.unitree_lowstate('hg', np.full(35, np.nan, dtype=np.float32))
    assert core.on_state(nan_raw, 0.001) is None
    assert core.health['state'].malformed == 2
    assert core.on_state(raw, 0.002) is not None


def full_command(position, commanded=None, **fields):
    commanded = np.ones(N, dtype=bool) if commanded is None else commanded
    return command_from_arrays(N, commanded, position, fields.get('velocity', []),
                               fields.get('effort', []), fields.get('stiffness', []),
                               fields.get('damping', []))


def g1_core_with_state():
    core = make_core('unitree_g1_29dof')
    core.on_state(vendor_state('unitree_g1_29dof')[0], 0.0)
    return core


def test_a_g1_command_becomes_the_exact_lowcmd_with_a_valid_crc_and_mode_machine():
    core = g1_core_with_state()
    position = np.zeros(N)
    position[3] = 0.5  # left knee
    stiffness = np.full(N, 50.0)
    result = core.on_command(full_command(position, stiffness=stiffness,
                                          damping=np.full(N, 1.5)), 0.01)
    message = vm.deserialize(result.payload, 'unitree_hg/msg/LowCmd')
    assert message.mode_machine == 5 and message.mode_pr == 0
    motors = message.motor_cmd
    assert motors[3].q == pytest.approx(0.5) and motors[3].kp == 50.0 and motors[3].kd == 1.5
    assert [motor.mode for motor in motors] == [1] * 29 + [0] * 6
    assert message.crc == crc32_bitwise(hg_lowcmd_bytes(message))


def test_positions_and_gains_beyond_the_limits_are_clamped_and_counted():
    core = g1_core_with_state()
    position = np.zeros(N)
    position[3] = 9.0  # knee upper limit 2.8798
    result = core.on_command(full_command(position, stiffness=np.full(N, 1000.0)), 0.01)
    message = vm.deserialize(result.payload, 'unitree_hg/msg/LowCmd')
    assert message.motor_cmd[3].q == pytest.approx(2.8798)
    assert message.motor_cmd[3].kp == 300.0
    assert result.outcome.clamped == 1 + 29  # one position, 29 stiffnesses
    assert core.health['command'].clamped == 30


def test_nan_in_a_commanded_joint_is_rejected_and_nothing_is_sent():
    core = g1_core_with_state()
    position = np.zeros(N)
    position[5] = np.nan
    result = core.on_command(full_command(position), 0.01)
    assert result.payload is None
    assert result.outcome.rejected == 'non-finite position for a commanded joint'


def test_reject_policy_refuses_a_command_outside_the_limits(tmp_path):
    text = open(load_profile('unitree_g1_29dof').source_file).read()
    path = tmp_path / 'unitree_g1_29dof.yaml'
    path.write_text(text.replace('limit_policy: clamp', 'limit_policy: reject'))
    core = BridgeCore(load_profile(path), SPEC, vm.typestore().fielddefs)
    core.on_state(vendor_state('unitree_g1_29dof')[0], 0.0)
    position = np.zeros(N)
    position[3] = 9.0
    result = core.on_command(full_command(position, commanded=core.limits.present), 0.01)
    assert result.payload is None
    assert result.outcome.rejected == '1 values outside the profile limits'
    head = full_command(np.zeros(N))  # commands the head a G1 does not have
    assert core.on_command(head, 0.02).outcome.rejected == (
        "commands joints the robot does not have: ('head_yaw', 'head_pitch', 'head_roll')")


def test_joints_not_commanded_hold_their_measured_position_never_zero():
    core = g1_core_with_state()
    commanded = np.zeros(N, dtype=bool)
    commanded[3] = True
    result = core.on_command(full_command(np.full(N, 0.2), commanded=commanded), 0.01)
    message = vm.deserialize(result.payload, 'unitree_hg/msg/LowCmd')
    measured = vm.slot_values(35)
    assert message.motor_cmd[0].q == pytest.approx(measured[0])
    assert message.motor_cmd[0].kp == 100.0  # profile default stiffness
    assert message.motor_cmd[3].q == pytest.approx(0.2)


def test_a_command_before_any_vendor_state_is_refused():
    core = make_core('unitree_g1_29dof')
    result = core.on_command(full_command(np.zeros(N)), 0.0)
    assert result.payload is None
    assert result.outcome.rejected == 'no vendor state seen yet: nothing is sent'


def test_commanding_joints_the_robot_lacks_is_ignored_in_clamp_mode():
    core = make_core('unitree_h1')
    core.on_state(vendor_state('unitree_h1')[0], 0.0)
    result = core.on_command(full_command(np.zeros(N)), 0.01)
    assert 'left_wrist_roll' in result.outcome.ignored
    assert result.payload is not None


def test_after_the_timeout_the_safe_damping_command_is_sent_once_flagged():
    core = g1_core_with_state()
    raw = vendor_state('unitree_g1_29dof')[0]
    for now in (0.9, 1.0, 1.05, 1.15):  # the vendor state stays fresh
        core.on_state(raw, now)
    assert core.safe_command_due(1.0) is None  # never commanded: leave the robot alone
    core.on_command(full_command(np.zeros(N)), 1.0)
    assert core.safe_command_due(1.05) is None
    payload = core.safe_command_due(1.2)
    message = vm.deserialize(payload, 'unitree_hg/msg/LowCmd')
    assert all(motor.kp == 0.0 for motor in message.motor_cmd[:29])
    assert all(motor.kd == 2.0 for motor in message.motor_cmd[:29])
    assert message.crc == crc32_bitwise(hg_lowcmd_bytes(message))
    assert core.health['command'].timeouts == 1
    core.safe_command_due(1.3)
    assert core.health['command'].timeouts == 1


def test_t1_commands_go_out_in_serial_mode_with_native_offsets_removed():
    core = make_core('booster_t1')
    core.on_state(vendor_state('booster_t1')[0], 0.0)
    position = np.zeros(N)
    position[SPEC.joint_index('left_shoulder_roll')] = vm.HALF_PI  # arm horizontal: native 0
    result = core.on_command(full_command(position), 0.01)
    message = vm.deserialize(result.payload, 'booster_interface/msg/LowCmd')
    assert message.cmd_type == 1 and len(message.motor_cmd) == 23
    assert message.motor_cmd[3].q == pytest.approx(0.0, abs=1e-6)


def test_talos_commands_follow_the_controller_joint_order_and_hold_extras():
    profile = load_profile('pal_talos')
    core = make_core('pal_talos')
    raw, q, names = vendor_state('pal_talos')
    core.on_state(raw, 0.0)
    position = np.zeros(N)
    position[SPEC.joint_index('left_knee')] = 0.7
    result = core.on_command(full_command(position), 0.01)
    data = vm.deserialize(result.payload, 'std_msgs/msg/Float64MultiArray').data
    order = list(profile.options['controller_joints'])
    assert data[order.index('leg_left_4_joint')] == pytest.approx(0.7)
    pan = 'arm_left_1_joint'
    assert data[order.index(pan)] == pytest.approx(q[names.index(pan)])


def test_an_arm_sdk_profile_writes_the_blend_weight_into_its_slot(tmp_path):
    text = open(load_profile('unitree_g1_29dof').source_file).read()
    path = tmp_path / 'g1_arm_sdk.yaml'
    path.write_text(text.replace('name: unitree_g1_29dof', 'name: g1_arm_sdk')
                    .replace('command: lowcmd', 'command: arm_sdk')
                    .replace('  motor_mode: 1',
                             '  motor_mode: 1\n  weight_slot: 29\n  weight: 0.6'))
    core = BridgeCore(load_profile(path), SPEC, vm.typestore().fielddefs)
    core.on_state(vendor_state('unitree_g1_29dof')[0], 0.0)
    message = vm.deserialize(core.on_command(full_command(np.zeros(N)), 0.01).payload,
                             'unitree_hg/msg/LowCmd')
    assert message.motor_cmd[29].q == pytest.approx(0.6)
    assert message.motor_cmd[29].mode == 0
    assert message.crc == crc32_bitwise(hg_lowcmd_bytes(message))


def test_an_h1_command_goes_out_in_its_scrambled_slots_with_the_go_crc():
    core = make_core('unitree_h1')
    core.on_state(vendor_state('unitree_h1')[0], 0.0)
    position = np.zeros(N)
    position[SPEC.joint_index('left_knee')] = 0.9
    commanded = core.limits.present.copy()
    result = core.on_command(full_command(position, commanded=commanded), 0.01)
    message = vm.deserialize(result.payload, 'unitree_go/msg/LowCmd')
    assert message.motor_cmd[5].q == pytest.approx(0.9)  # slot 5 is left_knee on the H1
    assert message.motor_cmd[9].mode == 0  # slot 9 has no joint
    assert (list(message.head), message.level_flag) == ([0xFE, 0xEF], 0xFF)
    assert message.crc == crc32_bitwise(go_lowcmd_bytes(message))


def test_a_joint_held_at_its_measured_position_never_gets_a_target_past_its_limit():
    core = make_core('unitree_g1_29dof')
    q = vm.slot_values(35)
    q[3] = -0.2  # the knee measured 0.113 rad past its lower limit (-0.087267)
    core.on_state(vm.unitree_lowstate('hg', q), 0.0)
    commanded = np.zeros(N, dtype=bool)
    commanded[0] = True
    message = vm.deserialize(core.on_command(full_command(np.zeros(N), commanded=commanded),
                                             0.01).payload, 'unitree_hg/msg/LowCmd')
    assert message.motor_cmd[3].q == pytest.approx(-0.087267)
    core.on_command(full_command(np.zeros(N)), 0.01)
    safe = vm.deserialize(core.safe_command_due(0.5), 'unitree_hg/msg/LowCmd')
    assert safe.motor_cmd[3].q == pytest.approx(-0.087267)


@pytest.mark.parametrize('slot, value, reason', [
    (3, 1e9, 'left_knee at 1e+09 rad, beyond its limits [-0.08727, 2.88] by more than 0.2 '
             'rad: vendor state not used'),
    (0, 3.5, 'left_hip_pitch at 3.5 rad, beyond its limits [-2.531, 2.88] by more than 0.2 '
             'rad: vendor state not used'),
])
def test_an_impossible_vendor_state_is_counted_and_never_a_hold_reference(slot, value, reason):
    core = g1_core_with_state()
    good = core.canonical.position.copy()
    q = vm.slot_values(35)
    q[slot] = value
    assert core.on_state(vm.unitree_lowstate('hg', q), 0.01) is None
    assert core.health['state'].malformed == 1 and core.health['state'].reasons == {reason: 1}
    commanded = np.zeros(N, dtype=bool)
    commanded[5] = True
    message = vm.deserialize(core.on_command(full_command(np.zeros(N), commanded=commanded),
                                             0.02).payload, 'unitree_hg/msg/LowCmd')
    assert message.motor_cmd[slot].q == pytest.approx(good[slot])


def test_when_vendor_state_goes_stale_commands_stop_and_the_safe_command_goes_out():
    core = g1_core_with_state()  # state at 0.0; state_timeout_s 0.1 (the default)
    assert core.on_command(full_command(np.zeros(N)), 0.05).payload is not None
    assert core.safe_command_due(0.08) is None  # commands and state fresh
    late = core.on_command(full_command(np.zeros(N)), 0.15)
    assert late.payload is None
    assert late.outcome.rejected == 'vendor state older than 0.1 s: nothing is forwarded'
    safe = vm.deserialize(core.safe_command_due(0.16), 'unitree_hg/msg/LowCmd')
    assert all(motor.kp == 0.0 and motor.kd == 2.0 for motor in safe.motor_cmd[:29])
    assert core.health['state'].timeouts == 1 and core.health['command'].timeouts == 0
    core.safe_command_due(0.2)
    assert core.health['state'].timeouts == 1  # one stale period, counted once
    core.on_state(vendor_state('unitree_g1_29dof')[0], 0.3)  # the state resumes
    assert core.safe_command_due(0.305) is not None  # until a command is accepted again,
    assert core.health['command'].timeouts == 0  # the same event: not a command timeout
    assert core.on_command(full_command(np.zeros(N)), 0.31).payload is not None
    assert core.safe_command_due(0.32) is None
