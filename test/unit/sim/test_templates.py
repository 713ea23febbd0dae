"""Message templates decode to the intended messages: fixed strings in place, values written."""

from __future__ import annotations

import numpy as np
import pytest
from geometry_msgs.msg import Vector3
from rclpy.serialization import deserialize_message
from sensor_msgs.msg import Imu, JointState

from interop_bridge.errors import MappingError
from interop_bridge.msgdefs import fielddefs_for
from interop_bridge.sim.templates import message_template


def test_a_joint_state_template_decodes_to_the_message_rclpy_would_serialize():
    names = ['a_joint', 'b', 'joint_with_a_long_name']
    template = message_template(
        fielddefs_for([]), 'sensor_msgs/msg/JointState',
        {'position': 'position', 'effort': 'effort'},
        lengths={'name': 3, 'position': 3, 'velocity': 0, 'effort': 3},
        texts={'header.frame_id': 'base', **{f'name.{i}': n for i, n in enumerate(names)}})
    template.write_stamp(3_000_000_004)
    template.write('position', [0.5, -1.0, 2.0])
    template.write('effort', 1.5)  # one value for every element
    expected = JointState(name=names, position=[0.5, -1.0, 2.0], effort=[1.5] * 3)
    expected.header.frame_id = 'base'
    expected.header.stamp.sec, expected.header.stamp.nanosec = 3, 4
    # rclpy's serialize_message leaves padding uninitialised and its length over-estimated,
    # so the comparison is of decoded values.
    assert deserialize_message(template.serialize(), JointState) == expected


def test_a_list_of_paths_is_written_as_one_run():
    template = message_template(fielddefs_for([]), 'sensor_msgs/msg/Imu',
                                {'gyro': [f'angular_velocity.{axis}' for axis in 'xyz']},
                                texts={'header.frame_id': 'imu_link'})
    template.write('gyro', np.array([1.0, 2.0, 3.0]))
    expected = Imu(angular_velocity=Vector3(x=1.0, y=2.0, z=3.0))
    expected.header.frame_id = 'imu_link'
    expected.orientation.w = 0.0  # the template starts all zero; Imu() defaults w to 1
    assert deserialize_message(template.serialize(), Imu) == expected


def test_paths_of_different_value_types_cannot_share_a_run():
    with pytest.raises(MappingError, match='mixes value types'):
        message_template(fielddefs_for([]), 'sensor_msgs/msg/Imu',
                         {'mixed': ['header.stamp.sec', 'angular_velocity.x']})
