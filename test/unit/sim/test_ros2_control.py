"""The ros2_control wire publishes what the broadcasters do and takes forward commands."""

from __future__ import annotations

import numpy as np
import pytest
from geometry_msgs.msg import WrenchStamped
from rclpy.serialization import deserialize_message, serialize_message
from sensor_msgs.msg import Imu, JointState
from std_msgs.msg import Float64MultiArray, MultiArrayDimension

from interop_bridge.errors import UnknownNameError
from interop_bridge.msgdefs import fielddefs_for
from interop_bridge.sim.robot import SimRobot
from interop_bridge.sim.ros2_control import Ros2ControlWire
from interop_bridge.sim.styles import TALOS_CONTROLLER_JOINTS, VENDOR_JOINT_ORDERS


@pytest.fixture
def talos():
    robot = SimRobot('ros2_control_talos')
    return robot, Ros2ControlWire(robot, fielddefs_for([]), TALOS_CONTROLLER_JOINTS)


def test_joint_states_name_every_joint_in_order_with_stamp_and_values(talos):
    robot, wire = talos
    robot.step(0.7)
    state = deserialize_message(wire.encode_joint_states(12_000_000_345), JointState)
    assert list(state.name) == list(VENDOR_JOINT_ORDERS['ros2_control_talos'])
    assert (state.header.stamp.sec, state.header.stamp.nanosec) == (12, 345)
    assert list(state.position) == pytest.approx(robot.q)
    assert list(state.velocity) == pytest.approx(robot.dq)
    assert list(state.effort) == pytest.approx(robot.tau)


def test_imu_is_x_y_z_w_in_the_imu_frame(talos):
    robot, wire = talos
    robot.step(1.1)
    imu = deserialize_message(wire.encode_imu(5), Imu)
    w, x, y, z = robot.imu().quaternion_wxyz
    orientation = imu.orientation
    assert imu.header.frame_id == 'imu_link'
    assert [orientation.x, orientation.y, orientation.z, orientation.w] == pytest.approx(
        [x, y, z, w])
    assert imu.angular_velocity.x == pytest.approx(robot.imu().gyroscope[0])


def test_ankle_wrenches_carry_the_weight_in_raw_sensor_axes(talos):
    _, wire = talos
    left, right = (deserialize_message(raw, WrenchStamped) for raw in wire.encode_wrenches(5))
    assert (left.header.frame_id, right.header.frame_id) == ('leg_left_6_link',
                                                             'leg_right_6_link')
    assert left.wrench.force.z < 0 and right.wrench.force.z < 0
    assert -(left.wrench.force.z + right.wrench.force.z) == pytest.approx(95.0 * 9.81)


def test_a_forward_command_moves_the_controller_joints(talos):
    robot, wire = talos
    positions = np.full(30, -0.3)
    raw = serialize_message(Float64MultiArray(data=list(positions)))
    assert wire.take_command('forward_position_controller/commands', raw) is None
    for _ in range(200):
        robot.step(0.002)
    assert robot.q[VENDOR_JOINT_ORDERS['ros2_control_talos'].index('arm_left_1_joint')] == (
        pytest.approx(-0.3, abs=0.01))
    assert not robot.held[-2:].any()  # grippers are not controller joints


def test_a_forward_command_with_a_layout_is_decoded_too(talos):
    robot, wire = talos
    message = Float64MultiArray(data=[0.1] * 30)
    message.layout.dim = [MultiArrayDimension(label='joints', size=30, stride=30)]
    assert wire.take_command('commands', serialize_message(message)) is None
    assert robot.held.sum() == 30


def test_a_forward_command_of_the_wrong_length_is_ignored(talos):
    robot, wire = talos
    raw = serialize_message(Float64MultiArray(data=[0.0] * 29))
    assert wire.take_command('commands', raw) == '29 positions for 30 controller joints'
    assert not robot.held.any()


def test_unknown_controller_joints_are_rejected_by_name():
    with pytest.raises(UnknownNameError, match=r"unknown: \['arm_left_8_joint'\]"):
        Ros2ControlWire(SimRobot('ros2_control_talos'), fielddefs_for([]),
                        ['leg_left_1_joint', 'arm_left_8_joint'])
