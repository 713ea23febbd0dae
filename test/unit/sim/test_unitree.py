"""The Unitree wire: LowState bytes decode to the robot's state; LowCmd is checked like a robot."""

from __future__ import annotations

import numpy as np
import pytest
from rclpy.serialization import deserialize_message, serialize_message
from unitree_go.msg import LowCmd as GoLowCmd
from unitree_go.msg import LowState as GoLowState
from unitree_hg.msg import LowCmd, LowState

from unitree_reference import lowstate_crc

from interop_bridge.msgdefs import fielddefs_for
from interop_bridge.sim.robot import SimRobot
from interop_bridge.sim.unitree import UnitreeWire
from interop_bridge.vendors.unitree_crc import go_lowcmd_crc, hg_lowcmd_crc


@pytest.fixture
def g1():
    robot = SimRobot('unitree_g1_29dof')
    return robot, UnitreeWire(robot, fielddefs_for(['unitree_hg/msg/LowState']), mode_machine=5)


def hg_command(q=0.4, mode=1, mode_machine=5, kp=40.0, slots=range(35)):
    message = LowCmd()
    message.mode_machine = mode_machine
    for slot in slots:
        motor = message.motor_cmd[slot]
        motor.mode, motor.q, motor.kp, motor.kd = mode, q, kp, 1.0
    message.crc = hg_lowcmd_crc(message)
    return message


def run(robot, seconds=0.4):
    for _ in range(round(seconds / 0.002)):
        robot.step(0.002)


def test_lowstate_carries_positions_imu_tick_and_mode_machine(g1):
    robot, wire = g1
    run(robot, 0.3)
    state = deserialize_message(wire.encode(0, 1234)[0], LowState)
    assert state.tick == 1234 and state.mode_machine == 5
    assert [motor.q for motor in state.motor_state[:29]] == pytest.approx(robot.q[:29], abs=1e-6)
    assert state.motor_state[3].tau_est == pytest.approx(robot.tau[3], abs=1e-4)
    assert [motor.mode for motor in state.motor_state] == [1] * 29 + [0] * 6
    assert list(state.imu_state.quaternion) == pytest.approx(robot.imu().quaternion_wxyz,
                                                             abs=1e-6)
    assert state.imu_state.accelerometer[2] == pytest.approx(9.81, abs=0.01)


def test_a_lowcmd_with_the_right_crc_and_mode_machine_is_followed(g1):
    robot, wire = g1
    assert wire.take_command('/lowcmd', serialize_message(hg_command(q=0.4))) is None
    run(robot)
    assert robot.q[3] == pytest.approx(0.4, abs=0.01)


def test_a_lowcmd_with_a_wrong_crc_is_ignored(g1):
    robot, wire = g1
    command = hg_command(q=0.4)
    command.crc ^= 1
    reason = wire.take_command('/lowcmd', serialize_message(command))
    assert reason.startswith('wrong crc (got ')
    assert not robot.held.any()


def test_a_lowcmd_for_another_robot_type_is_ignored(g1):
    robot, wire = g1
    reason = wire.take_command('/lowcmd', serialize_message(hg_command(mode_machine=4)))
    assert reason == 'mode_machine 4 does not match the robot (5)'
    assert not robot.held.any()


def test_slots_with_mode_zero_are_ignored(g1):
    robot, wire = g1
    command = hg_command(q=0.4, slots=[3])
    assert wire.take_command('/lowcmd', serialize_message(command)) is None
    assert list(np.flatnonzero(robot.held)) == [3]


def test_a_message_of_another_size_is_reported_malformed(g1):
    _, wire = g1
    raw = serialize_message(hg_command())
    assert wire.take_command('/lowcmd', raw[:-8]) == 'malformed unitree_hg/msg/LowCmd (996 bytes)'


def test_arm_sdk_blends_the_arm_slots_by_the_weight_and_ignores_the_legs(g1):
    robot, wire = g1
    command = LowCmd()  # as the vendor's arm_sdk examples: no mode, no mode_machine
    for slot in (3, 18):
        command.motor_cmd[slot].q, command.motor_cmd[slot].kp = 1.0, 40.0
    command.motor_cmd[29].q = 0.5
    command.crc = hg_lowcmd_crc(command)
    assert wire.take_command('/arm_sdk', serialize_message(command)) is None
    assert list(np.flatnonzero(robot.held)) == [18]
    run(robot, 1.0)
    assert 0.4 < robot.q[18] < 0.6


def test_h1_lowstate_is_unitree_go_with_its_header_and_20_slots():
    robot = SimRobot('unitree_h1')
    wire = UnitreeWire(robot, fielddefs_for(['unitree_go/msg/LowState']), mode_machine=0)
    state = deserialize_message(wire.encode(0, 7)[0], GoLowState)
    assert list(state.head) == [0xFE, 0xEF] and state.level_flag == 0xFF and state.tick == 7
    assert [motor.mode for motor in state.motor_state] == [1] * 9 + [0] + [1] * 10
    assert state.motor_state[0].q == pytest.approx(robot.q[0], abs=1e-6)
    assert wire.command_topics == (('/lowcmd', 'unitree_go/msg/LowCmd'),
                                   ('/arm_sdk', 'unitree_go/msg/LowCmd'))


def test_h1_checks_the_go_crc_over_every_field():
    robot = SimRobot('unitree_h1')
    wire = UnitreeWire(robot, fielddefs_for(['unitree_go/msg/LowState']), mode_machine=0)
    command = GoLowCmd()
    command.head, command.level_flag, command.led[5] = [0xFE, 0xEF], 0xFF, 9
    for motor in command.motor_cmd:
        motor.mode, motor.q, motor.kp, motor.reserve = 1, 0.1, 60.0, [1, 2, 3]
    command.crc = go_lowcmd_crc(command)
    assert wire.take_command('/lowcmd', serialize_message(command)) is None
    command.led[5] = 10  # changed after the CRC was computed
    assert wire.take_command('/lowcmd', serialize_message(command)).startswith('wrong crc')


@pytest.mark.parametrize(('style', 'message_type'),
                         [('unitree_g1_29dof', LowState), ('unitree_h1', GoLowState)])
def test_every_lowstate_carries_the_crc_the_robot_computes(style, message_type):
    robot = SimRobot(style)
    family = robot.spec.family
    wire = UnitreeWire(robot, fielddefs_for([f'{family}/msg/LowState']), mode_machine=5)
    crcs = set()
    for tick in range(3):
        run(robot, 0.1)  # the values change between states
        state = deserialize_message(wire.encode(0, tick)[0], message_type)
        assert state.crc == lowstate_crc(state, family.removeprefix('unitree_'))
        crcs.add(state.crc)
    assert len(crcs) == 3


def test_recorded_sim_lowstates_decode_through_the_exporters_codec_with_no_crc_failure():
    from interop_bridge.canonical import load_canonical
    from interop_bridge.profile import load_profile
    from interop_bridge.robot_codec import RobotCodec, checksum_failures
    robot = SimRobot('unitree_g1_29dof')
    fielddefs = fielddefs_for(['unitree_hg/msg/LowState'])
    wire = UnitreeWire(robot, fielddefs, mode_machine=5)
    raws = []
    for tick in range(20):
        run(robot, 0.01)
        raws.append(wire.encode(0, tick)[0])
    codec = RobotCodec(load_profile('unitree_g1_29dof'), load_canonical(), fielddefs)
    native, state = codec.states(raws)
    assert checksum_failures(native) == 0
    assert state.valid[:, :29].all()
