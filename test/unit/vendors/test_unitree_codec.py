"""The Unitree codec reads LowState and writes / reads LowCmd exactly as rosbags does.

States and commands are built and read back by rosbags (test/vendor_messages.py, an independent
CDR implementation), the CRC by the bit-serial reference in test/unitree_reference.py,
Euler angles by transforms3d. The profiles are written here: three joints at slots 0, 5, 12.
"""

from __future__ import annotations

import numpy as np
import pytest
import transforms3d
import vendor_messages as vm
import yaml
from unitree_reference import crc32_bitwise, go_lowcmd_bytes, hg_lowcmd_bytes

from interop_bridge.errors import MappingError
from interop_bridge.profile import load_profile
from interop_bridge.vendors.native import NativeCommand, NativeState
from interop_bridge.vendors.unitree import UnitreeCodec

SLOTS = np.array([0, 5, 12])
FIELD_WIRE = {'position': 'q', 'velocity': 'dq', 'effort': 'tau', 'stiffness': 'kp',
              'damping': 'kd'}


def codec_for(tmp_path, family: str = 'hg', imu: dict | None = None, **unitree) -> UnitreeCodec:
    slots = 35 if family == 'hg' else 20
    raw = {
        'name': 'tiny', 'vendor': 'unitree', 'model': 'tiny', 'adapter': f'unitree_{family}',
        'state_rate_hz': 500, 'topics': {'state': 'lowstate', 'command': 'lowcmd'},
        'imu': imu or {'orientation': 'quaternion_wxyz'}, 'command': {},
        'unitree': {'motor_slots': slots, **unitree},
        'joints': [
            {'canonical': 'left_hip_pitch', 'source': 0, 'native_name': 'a',
             'position': [-2, 2], 'velocity': 30, 'effort': 80},
            {'canonical': 'left_ankle_roll', 'source': 5, 'native_name': 'b',
             'position': [-0.2, 0.2], 'velocity': 30, 'effort': 30},
            {'canonical': 'waist_yaw', 'source': 12, 'native_name': 'c',
             'position': [-2, 2], 'velocity': 30, 'effort': 80}]}
    path = tmp_path / 'tiny.yaml'
    path.write_text(yaml.safe_dump(raw))
    return UnitreeCodec(load_profile(path), vm.typestore().fielddefs)


def command(position=(0.1, -0.05, 0.4), enabled=(True, True, True)) -> NativeCommand:
    return NativeCommand(position=np.array(position, dtype=np.float64),
                         velocity=np.array([0.5, -0.5, 1.0]), effort=np.array([2.0, -1.0, 0.0]),
                         stiffness=np.array([100.0, 40.0, 200.0]),
                         damping=np.array([2.0, 1.5, 5.0]), enabled=np.array(enabled))


def measured(mode_machine: int | None = 7) -> NativeState:
    return NativeState(position=np.zeros(35), mode_machine=mode_machine)


# ----- state -----------------------------------------------------------------------------------

def test_an_hg_lowstate_gives_every_motor_slot_in_float64():
    codec_q = vm.slot_values(35)
    raw = vm.unitree_lowstate('hg', codec_q, tick=4242, mode_machine=5)
    message = vm.deserialize(raw, 'unitree_hg/msg/LowState')
    state = _hg_codec().decode_state(raw)
    expected = np.array([motor.q for motor in message.motor_state], dtype=np.float64)
    assert state.position.dtype == np.float64
    np.testing.assert_array_equal(state.position, expected)
    np.testing.assert_array_equal(state.velocity, [m.dq for m in message.motor_state])
    np.testing.assert_array_equal(state.effort, [m.tau_est for m in message.motor_state])
    assert int(state.sequence) == 4242 and state.mode_machine == 5


def test_an_hg_motor_reports_the_hotter_of_its_two_temperature_sensors_and_its_status():
    state = _hg_codec().decode_state(vm.unitree_lowstate('hg', vm.slot_values(35)))
    np.testing.assert_array_equal(state.temperature, 40.0 + np.arange(35))  # sensors 30+s, 40+s
    assert state.status.dtype == np.uint32
    np.testing.assert_array_equal(state.status, np.arange(35))


def test_the_w_first_quaternion_becomes_x_y_z_w():
    state = _hg_codec().decode_state(
        vm.unitree_lowstate('hg', vm.slot_values(35), quaternion_wxyz=(0.9, 0.1, 0.2, 0.3)))
    np.testing.assert_allclose(state.imu.orientation, [0.1, 0.2, 0.3, 0.9], rtol=1e-7)
    np.testing.assert_allclose(state.imu.angular_velocity, [0.1, 0.2, 0.3], rtol=1e-7)
    np.testing.assert_allclose(state.imu.linear_acceleration, [0.0, 0.0, 9.81], rtol=1e-7)


@pytest.mark.parametrize(('order', 'axes'), [('ZYX', 'rzyx'), ('xyz', 'sxyz')])
def test_rpy_orientation_becomes_the_quaternion_transforms3d_computes(tmp_path, order, axes):
    codec = codec_for(tmp_path, imu={'orientation': 'rpy', 'euler_order': order})
    roll, pitch, yaw = 0.1, -0.2, 0.7
    state = codec.decode_state(vm.unitree_lowstate('hg', vm.slot_values(35),
                                                   rpy=(roll, pitch, yaw)))
    roll, pitch, yaw = (float(np.float32(v)) for v in (roll, pitch, yaw))
    if axes == 'rzyx':  # intrinsic z, y', x'': yaw first
        w, x, y, z = transforms3d.euler.euler2quat(yaw, pitch, roll, axes)
    else:  # extrinsic x, y, z: roll first
        w, x, y, z = transforms3d.euler.euler2quat(roll, pitch, yaw, axes)
    np.testing.assert_allclose(state.imu.orientation, [x, y, z, w], atol=1e-12)


def test_without_orientation_the_quaternion_is_nan_and_the_rates_remain(tmp_path):
    state = codec_for(tmp_path, imu={'orientation': 'none'}).decode_state(
        vm.unitree_lowstate('hg', vm.slot_values(35)))
    assert np.isnan(state.imu.orientation).all() and state.imu.orientation.shape == (4,)
    np.testing.assert_allclose(state.imu.angular_velocity, [0.1, 0.2, 0.3], rtol=1e-7)


def test_a_robot_without_imu_reports_none(tmp_path):
    state = codec_for(tmp_path, imu={'present': False, 'orientation': 'none'}).decode_state(
        vm.unitree_lowstate('hg', vm.slot_values(35)))
    assert state.imu is None


def test_a_go_lowstate_has_one_temperature_per_motor_and_no_mode_machine(tmp_path):
    codec = codec_for(tmp_path, 'go')
    state = codec.decode_state(vm.unitree_lowstate('go', vm.slot_values(20), tick=9))
    np.testing.assert_array_equal(state.position, vm.slot_values(20).astype(np.float64))
    np.testing.assert_array_equal(state.temperature, 20.0 + np.arange(20))
    assert state.status is None and state.mode_machine is None and int(state.sequence) == 9


def test_a_batch_of_lowstates_stacks_messages_with_their_ticks():
    raws = [vm.unitree_lowstate('hg', vm.slot_values(35, seed), tick=tick)
            for seed, tick in ((0.0, 1), (0.5, 2), (1.0, 3))]
    batch = _hg_codec().decode_states(raws)
    assert batch.position.shape == (3, 35) and batch.imu.orientation.shape == (3, 4)
    assert batch.sequence.tolist() == [1, 2, 3]
    for row, raw in enumerate(raws):
        np.testing.assert_array_equal(batch.position[row], _hg_codec().decode_state(raw).position)


@pytest.mark.parametrize('raw', [b'', b'\x00\x01\x00\x00', b'\x00\x01\x00\x00' + bytes(40)])
def test_a_truncated_lowstate_is_refused_with_its_size(raw):
    with pytest.raises(MappingError, match=r'^unitree_hg/msg/LowState: message has '
                                           rf'{max(len(raw) - 4, 0)} bytes, its layout needs'):
        _hg_codec().decode_state(raw)


def test_a_go_lowstate_is_not_read_as_an_hg_one():
    with pytest.raises(MappingError, match='unitree_hg/msg/LowState: message'):
        _hg_codec().decode_state(vm.unitree_lowstate('go', vm.slot_values(20)))


# ----- commands ------------------------------------------------------------------------------

def test_a_command_goes_to_its_slots_with_mode_machine_echoed_and_a_valid_crc(tmp_path):
    codec = codec_for(tmp_path)
    message = vm.deserialize(codec.encode_command(command(), SLOTS, measured(7)),
                             'unitree_hg/msg/LowCmd')
    assert (message.mode_pr, message.mode_machine) == (0, 7)
    motors = message.motor_cmd
    for name, wire in FIELD_WIRE.items():
        sent = [getattr(motors[slot], wire) for slot in SLOTS]
        np.testing.assert_array_equal(sent, getattr(command(), name).astype(np.float32), name)
    assert [motor.mode for motor in motors] == [1 if s in SLOTS else 0 for s in range(35)]
    assert all(motor.q == motor.kp == motor.kd == 0.0 for s, motor in enumerate(motors)
               if s not in SLOTS)
    assert message.crc == crc32_bitwise(hg_lowcmd_bytes(message))


def test_the_profile_motor_mode_and_mode_pr_are_written(tmp_path):
    codec = codec_for(tmp_path, motor_mode=10, mode_pr=1)
    message = vm.deserialize(codec.encode_command(command(), SLOTS, measured(None)),
                             'unitree_hg/msg/LowCmd')
    assert (message.mode_pr, message.mode_machine) == (1, 0)
    assert [message.motor_cmd[slot].mode for slot in SLOTS] == [10, 10, 10]
    assert message.crc == crc32_bitwise(hg_lowcmd_bytes(message))


def test_a_disabled_joint_gets_mode_0_and_zeros_even_with_nan_values(tmp_path):
    codec = codec_for(tmp_path)
    payload = codec.encode_command(command((0.1, np.nan, 0.4), (True, False, True)), SLOTS,
                                   measured())
    motor = vm.deserialize(payload, 'unitree_hg/msg/LowCmd').motor_cmd[5]
    assert (motor.mode, motor.q, motor.kp) == (0, 0.0, 0.0)


def test_the_arm_sdk_weight_travels_in_its_slot_which_never_decodes_as_a_joint(tmp_path):
    codec = codec_for(tmp_path, weight_slot=29, weight=0.6)
    payload = codec.encode_command(command(), SLOTS, measured())
    message = vm.deserialize(payload, 'unitree_hg/msg/LowCmd')
    assert message.motor_cmd[29].q == pytest.approx(0.6) and message.motor_cmd[29].mode == 0
    assert message.crc == crc32_bitwise(hg_lowcmd_bytes(message))
    decoded = codec.decode_commands([vm.unitree_lowcmd('hg', [{'mode': 1}] * 35)])
    assert np.flatnonzero(~decoded.enabled[0]).tolist() == [29]


def test_a_go_command_carries_its_header_and_the_go_crc(tmp_path):
    codec = codec_for(tmp_path, 'go')
    message = vm.deserialize(codec.encode_command(command(), SLOTS, measured(None)),
                             'unitree_go/msg/LowCmd')
    assert (list(message.head), message.level_flag) == ([0xFE, 0xEF], 0xFF)
    assert message.motor_cmd[5].q == pytest.approx(-0.05)
    assert [m.mode for m in message.motor_cmd] == [1 if s in SLOTS else 0 for s in range(20)]
    assert message.crc == crc32_bitwise(go_lowcmd_bytes(message))


@pytest.mark.parametrize('family', ['hg', 'go'])
def test_an_encoded_command_decodes_to_the_same_values_at_its_slots(tmp_path, family):
    codec = codec_for(tmp_path, family)
    sent = command((0.1, -0.05, 0.4), (True, False, True))
    decoded = codec.decode_commands([codec.encode_command(sent, SLOTS, measured())])
    assert decoded.names is None and decoded.enabled.shape == (1, 35 if family == 'hg' else 20)
    assert np.flatnonzero(decoded.enabled[0]).tolist() == [0, 12]
    for name in FIELD_WIRE:
        values = getattr(decoded, name)[0]
        expected = np.where(sent.enabled, getattr(sent, name), 0.0).astype(np.float32)
        np.testing.assert_array_equal(values[SLOTS], expected, name)


def test_a_lowcmd_written_by_rosbags_decodes_with_mode_0_as_not_enabled(tmp_path):
    motors = [{'mode': 1, 'q': 0.25, 'dq': -1.0, 'tau': 3.0, 'kp': 60.0, 'kd': 1.5},
              {'mode': 0, 'q': 9.0, 'kp': 60.0}, {'mode': 10, 'q': -0.5}]
    raws = [vm.unitree_lowcmd('hg', motors, mode_machine=3),
            vm.unitree_lowcmd('hg', motors[::-1])]
    decoded = _hg_codec().decode_commands(raws)
    assert decoded.enabled.shape == (2, 35)
    assert decoded.enabled[0, :3].tolist() == [True, False, True]
    assert decoded.enabled[1, :3].tolist() == [True, False, True]
    assert not decoded.enabled[:, 3:].any()
    assert decoded.position[0, :3].tolist() == [0.25, 9.0, -0.5]
    assert decoded.velocity[0, 0] == -1.0 and decoded.effort[0, 0] == 3.0
    assert decoded.stiffness[0, 1] == 60.0 and decoded.damping[0, 0] == 1.5
    assert decoded.position[1, :3].tolist() == [-0.5, 9.0, 0.25]


def test_a_non_finite_value_of_an_enabled_joint_is_never_encoded(tmp_path):
    codec = codec_for(tmp_path)
    with pytest.raises(MappingError, match=r'^unitree_hg/msg/LowCmd: refusing to encode a '
                                           r'non-finite position \(\[nan\] at \[1\]\)$'):
        codec.encode_command(command((0.1, np.nan, 0.4)), SLOTS, measured())
    bad = command()
    bad.stiffness[2] = np.inf
    with pytest.raises(MappingError, match=r'non-finite stiffness \(\[inf\] at \[2\]\)'):
        codec.encode_command(bad, SLOTS, measured())


@pytest.mark.parametrize('slots', [[0, 5, 35], [0, 5, -1], [0, 5]])
def test_slots_that_do_not_fit_the_motors_are_refused(tmp_path, slots):
    codec = codec_for(tmp_path)
    with pytest.raises(MappingError, match=rf'^unitree_hg/msg/LowCmd: command slots '
                                           rf'\[{", ".join(map(str, slots))}\] do not fit 35 '
                                           r'motors$'):
        codec.encode_command(command(), np.array(slots), measured())


def test_a_truncated_lowcmd_is_refused():
    with pytest.raises(MappingError, match='^unitree_hg/msg/LowCmd: message has 10 bytes'):
        _hg_codec().decode_commands([b'\x00\x01\x00\x00' + bytes(10)])


def _hg_codec() -> UnitreeCodec:
    return UnitreeCodec(load_profile('unitree_g1_29dof'), vm.typestore().fielddefs)
