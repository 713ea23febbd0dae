"""The Booster wire: serial and actuator-space state out; only SERIAL commands are applied."""

from __future__ import annotations

import numpy as np
import pytest
from booster_interface.msg import LowCmd, LowState, MotorCmd
from rclpy.serialization import deserialize_message, serialize_message

from interop_bridge.sim.booster import BoosterWire, to_actuator_space
from interop_bridge.msgdefs import fielddefs_for
from interop_bridge.sim.robot import SimRobot


@pytest.fixture
def t1():
    robot = SimRobot('booster_t1')
    return robot, BoosterWire(robot, fielddefs_for(['booster_interface/msg/LowState']))


def command(cmd_type, count=23, q=0.1):
    return serialize_message(LowCmd(cmd_type=cmd_type, motor_cmd=[
        MotorCmd(q=q, kp=50.0, kd=1.0, weight=1.0) for _ in range(count)]))


def test_actuator_space_maps_ankle_pitch_and_roll_to_crank_up_and_down():
    joint = np.arange(23, dtype=float)
    crank = to_actuator_space(joint, ((15, 16),))
    assert (crank[15], crank[16]) == (31.0, -1.0)
    assert np.array_equal(np.delete(crank, [15, 16]), np.delete(joint, [15, 16]))
    torque = to_actuator_space(joint, ((15, 16),), torque=True)
    assert (torque[15], torque[16]) == (15.5, -0.5)


def test_low_state_has_rpy_only_imu_and_both_motor_sets(t1):
    robot, wire = t1
    for _ in range(100):
        robot.step(0.002)
    state = deserialize_message(wire.encode(0, 0)[0], LowState)
    assert len(state.motor_state_serial) == 23 and len(state.motor_state_parallel) == 23
    assert [motor.q for motor in state.motor_state_serial] == pytest.approx(robot.q, abs=1e-6)
    assert state.motor_state_parallel[21].q == pytest.approx(robot.q[21] + robot.q[22], abs=1e-6)
    assert state.motor_state_parallel[3].q == pytest.approx(robot.q[3], abs=1e-6)
    assert list(state.imu_state.rpy) == pytest.approx(robot.imu().rpy, abs=1e-6)
    assert list(state.motor_state_serial[0].reserve) == [0, 500]


def test_a_serial_command_is_followed(t1):
    robot, wire = t1
    assert wire.take_command('/joint_ctrl', command(1, q=0.1)) is None
    for _ in range(200):
        robot.step(0.002)
    assert robot.q[10] == pytest.approx(0.1, abs=0.01)


@pytest.mark.parametrize('cmd_type,reason', [
    (0, 'cmd_type PARALLEL (0) ignored: this robot is driven with SERIAL (1)'),
    (2, 'unknown cmd_type 2 (expected SERIAL = 1)')])
def test_other_command_types_are_ignored(t1, cmd_type, reason):
    robot, wire = t1
    assert wire.take_command('/joint_ctrl', command(cmd_type)) == reason
    assert not robot.held.any()


def test_a_command_for_another_joint_count_is_ignored(t1):
    robot, wire = t1
    assert wire.take_command('/joint_ctrl', command(1, count=29)) == (
        'booster_interface/msg/LowCmd with 29 motor commands (expected 23)')
    assert not robot.held.any()
