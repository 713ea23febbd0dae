"""The Booster codec reads serial-mode LowState and writes / reads serial LowCmd.

Messages are built and read back by rosbags (test/vendor_messages.py), Euler angles converted
by transforms3d. The profile is written here: four serial motors, three of them joints.
"""

from __future__ import annotations

import numpy as np
import pytest
import transforms3d
import vendor_messages as vm
import yaml

from interop_bridge.errors import MappingError
from interop_bridge.profile import load_profile
from interop_bridge.vendors.booster import BoosterCodec
from interop_bridge.vendors.native import NativeCommand, NativeState

SLOTS = np.array([0, 2, 3])
FIELD_WIRE = {'position': 'q', 'velocity': 'dq', 'effort': 'tau', 'stiffness': 'kp',
              'damping': 'kd'}
PARALLEL, SERIAL = 0, 1


def codec_for(tmp_path, imu: dict | None = None) -> BoosterCodec:
    raw = {
        'name': 'tiny', 'vendor': 'booster', 'model': 'tiny', 'adapter': 'booster',
        'state_rate_hz': 500, 'topics': {'state': 'low_state', 'command': 'joint_ctrl'},
        'imu': imu or {'orientation': 'rpy', 'euler_order': 'ZYX'}, 'command': {},
        'booster': {'motor_count': 4},
        'joints': [
            {'canonical': 'head_yaw', 'source': 0, 'native_name': 'AAHead_yaw',
             'position': [-1.5, 1.5], 'velocity': 12, 'effort': 7},
            {'canonical': 'left_knee', 'source': 2, 'native_name': 'Left_Knee_Pitch',
             'position': [0, 2.3], 'velocity': 12, 'effort': 60},
            {'canonical': 'left_ankle_pitch', 'source': 3, 'native_name': 'Left_Ankle_Pitch',
             'position': [-0.8, 0.3], 'velocity': 12, 'effort': 20}]}
    path = tmp_path / 'tiny.yaml'
    path.write_text(yaml.safe_dump(raw))
    return BoosterCodec(load_profile(path), vm.typestore().fielddefs)


@pytest.fixture
def codec(tmp_path):
    return codec_for(tmp_path)


def command(position=(0.2, 1.1, -0.3), enabled=(True, True, True)) -> NativeCommand:
    return NativeCommand(position=np.array(position, dtype=np.float64),
                         velocity=np.array([0.5, -0.5, 1.0]), effort=np.array([0.0, 2.0, -1.0]),
                         stiffness=np.array([10.0, 200.0, 50.0]),
                         damping=np.array([0.5, 5.0, 1.0]), enabled=np.array(enabled))


NO_STATE = NativeState(position=np.zeros(4))


# ----- state -----------------------------------------------------------------------------------

def test_the_serial_motors_are_read_and_the_parallel_cranks_ignored(codec):
    q = np.array([0.1, -0.2, 0.3, -0.4], dtype=np.float32)
    raw = vm.booster_lowstate(q, error_flags=[0, 3, 0, 255])
    message = vm.deserialize(raw, 'booster_interface/msg/LowState')
    state = codec.decode_state(raw)
    np.testing.assert_array_equal(state.position, [m.q for m in message.motor_state_serial])
    np.testing.assert_array_equal(state.velocity, q.astype(np.float64) / 2)
    np.testing.assert_array_equal(state.effort, -q.astype(np.float64))
    np.testing.assert_array_equal(state.temperature, [25.0] * 4)
    assert state.status.tolist() == [0, 3, 0, 255]  # reserve[0]: the motor error flags
    assert 9.0 not in state.position  # motor_state_parallel holds q = 9
    assert state.sequence is None and state.stamp_ns is None and state.mode_machine is None


@pytest.mark.parametrize(('order', 'axes'), [('ZYX', 'rzyx'), ('xyz', 'sxyz')])
def test_roll_pitch_yaw_become_the_quaternion_transforms3d_computes(tmp_path, order, axes):
    codec = codec_for(tmp_path, {'orientation': 'rpy', 'euler_order': order})
    rpy = np.float32([0.3, -0.1, 1.2]).astype(np.float64)
    state = codec.decode_state(vm.booster_lowstate(np.zeros(4), rpy=tuple(rpy)))
    roll, pitch, yaw = rpy
    angles = (yaw, pitch, roll) if axes == 'rzyx' else (roll, pitch, yaw)
    w, x, y, z = transforms3d.euler.euler2quat(*angles, axes)
    np.testing.assert_allclose(state.imu.orientation, [x, y, z, w], atol=1e-12)
    np.testing.assert_allclose(state.imu.linear_acceleration, [0, 0, 9.81], rtol=1e-7)


def test_without_orientation_the_quaternion_is_nan(tmp_path):
    state = codec_for(tmp_path, {'orientation': 'none'}).decode_state(
        vm.booster_lowstate(np.zeros(4)))
    assert np.isnan(state.imu.orientation).all()
    np.testing.assert_allclose(state.imu.angular_velocity, [0.1, 0.2, 0.3], rtol=1e-7)


def test_a_batch_of_states_stacks_the_messages(codec):
    raws = [vm.booster_lowstate(np.full(4, value), rpy=(value, 0, 0)) for value in (0.1, 0.2)]
    batch = codec.decode_states(raws)
    assert batch.position.shape == (2, 4) and batch.imu.orientation.shape == (2, 4)
    for row, raw in enumerate(raws):
        alone = codec.decode_state(raw)
        np.testing.assert_array_equal(batch.position[row], alone.position)
        np.testing.assert_array_equal(batch.imu.orientation[row], alone.imu.orientation)


def test_a_state_with_another_motor_count_is_refused(codec):
    with pytest.raises(MappingError, match=r'^booster_interface/msg/LowState: '
                                           r'motor_state_serial has 3 motors, the profile '
                                           r'expects 4$'):
        codec.decode_state(vm.booster_lowstate(np.zeros(3)))


def test_a_truncated_state_is_refused(codec):
    raw = vm.booster_lowstate(np.zeros(4))
    with pytest.raises(MappingError, match='^booster_interface/msg/LowState: message'):
        codec.decode_state(raw[:60])


# ----- commands ------------------------------------------------------------------------------

def test_a_command_goes_out_in_serial_mode_with_weight_1_on_its_motors(codec):
    message = vm.deserialize(codec.encode_command(command(), SLOTS, NO_STATE),
                             'booster_interface/msg/LowCmd')
    assert message.cmd_type == SERIAL and len(message.motor_cmd) == 4
    for name, wire in FIELD_WIRE.items():
        sent = [getattr(message.motor_cmd[slot], wire) for slot in SLOTS]
        np.testing.assert_array_equal(sent, getattr(command(), name).astype(np.float32), name)
    assert [motor.weight for motor in message.motor_cmd] == [1.0, 0.0, 1.0, 1.0]
    idle = message.motor_cmd[1]
    assert (idle.q, idle.kp, idle.kd, idle.tau) == (0.0, 0.0, 0.0, 0.0)


def test_an_encoded_command_decodes_to_the_same_values(codec):
    sent = command(enabled=(True, False, True))
    decoded = codec.decode_commands([codec.encode_command(sent, SLOTS, NO_STATE)])
    assert decoded.enabled.tolist() == [[True, False, False, True]]
    for name in FIELD_WIRE:
        expected = np.where(sent.enabled, getattr(sent, name), 0.0).astype(np.float32)
        np.testing.assert_array_equal(getattr(decoded, name)[0][SLOTS], expected, name)


@pytest.mark.parametrize(('motor', 'enabled'), [
    ({'q': 0.5}, False),  # a target alone drives nothing
    ({'q': 0.5, 'kp': 20.0}, True), ({'kd': 1.0}, True), ({'tau': -2.0}, True),
    ({'weight': 1.0}, True), ({}, False)])
def test_a_motor_is_enabled_when_a_gain_torque_or_weight_is_not_zero(codec, motor, enabled):
    decoded = codec.decode_commands([vm.booster_lowcmd([motor, {}, {}, {}])])
    assert decoded.enabled[0].tolist() == [enabled, False, False, False]
    assert decoded.position[0, 0] == motor.get('q', 0.0)


def test_a_parallel_mode_command_is_no_joint_command(codec):
    motors = [{'q': 0.5, 'kp': 20.0, 'kd': 1.0, 'weight': 1.0}] * 4
    decoded = codec.decode_commands([vm.booster_lowcmd(motors, cmd_type=PARALLEL),
                                     vm.booster_lowcmd(motors, cmd_type=SERIAL)])
    assert decoded.enabled.tolist() == [[False] * 4, [True] * 4]
    assert decoded.position[0].tolist() == [0.5] * 4  # the values stay readable


def test_a_command_with_another_motor_count_is_refused(codec):
    with pytest.raises(MappingError, match=r'^booster_interface/msg/LowCmd: motor_cmd has 3 '
                                           r'motors, the profile expects 4$'):
        codec.decode_commands([vm.booster_lowcmd([{'kp': 1.0}] * 3)])


def test_a_non_finite_value_of_an_enabled_motor_is_never_encoded(codec):
    bad = command()
    bad.damping[1] = np.nan
    with pytest.raises(MappingError, match=r'^booster_interface/msg/LowCmd: refusing to encode '
                                           r'a non-finite damping \(\[nan\] at \[1\]\)$'):
        codec.encode_command(bad, SLOTS, NO_STATE)


def test_slots_beyond_the_motor_count_are_refused(codec):
    with pytest.raises(MappingError, match=r'^booster_interface/msg/LowCmd: command slots '
                                           r'\[0, 2, 4\] do not fit 4 motors$'):
        codec.encode_command(command(), np.array([0, 2, 4]), NO_STATE)
