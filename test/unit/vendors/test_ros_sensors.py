"""Standard sensor topics: sensor_msgs/Imu and geometry_msgs/WrenchStamped, decoded one at a
time (bridge) or batched (exporter), against messages serialized by rosbags.
"""

from __future__ import annotations

import numpy as np
import pytest
import vendor_messages as vm

from interop_bridge.errors import MappingError
from interop_bridge.vendors.ros_sensors import RosSensorCodec


@pytest.fixture
def codec():
    return RosSensorCodec(vm.typestore().fielddefs)


def test_an_imu_message_gives_its_quaternion_rates_acceleration_and_stamp(codec):
    sample = codec.decode_imu(vm.imu((0.1, 0.2, 0.3, 0.9), (0.4, 0.5, 0.6), (0.0, 0.1, 9.8),
                                     stamp_ns=7_000_000_042))
    assert sample.orientation.tolist() == [0.1, 0.2, 0.3, 0.9]  # already x, y, z, w
    assert sample.angular_velocity.tolist() == [0.4, 0.5, 0.6]
    assert sample.linear_acceleration.tolist() == [0.0, 0.1, 9.8]
    assert int(sample.stamp_ns) == 7_000_000_042


def test_an_imu_whose_orientation_covariance_starts_with_minus_1_has_no_orientation(codec):
    sample = codec.decode_imu(vm.imu(orientation_covariance0=-1.0))
    assert np.isnan(sample.orientation).all() and sample.orientation.shape == (4,)
    assert sample.angular_velocity.tolist() == [0.4, 0.5, 0.6]  # the rates are still there


def test_a_profile_without_orientation_gets_nan_whatever_the_message_says():
    codec = RosSensorCodec(vm.typestore().fielddefs, orientation='none')
    assert np.isnan(codec.decode_imu(vm.imu()).orientation).all()
    assert np.isnan(codec.decode_imus([vm.imu(), vm.imu()]).orientation).all()


def test_a_batch_of_imu_messages_keeps_each_message_its_own_orientation_and_stamp(codec):
    raws = [vm.imu((0.0, 0.0, 0.0, 1.0), stamp_ns=1),
            vm.imu((0.0, 0.0, 1.0, 0.0), orientation_covariance0=-1.0, stamp_ns=2),
            vm.imu((1.0, 0.0, 0.0, 0.0), stamp_ns=3_000_000_000)]
    batch = codec.decode_imus(raws)
    assert batch.orientation[0].tolist() == [0.0, 0.0, 0.0, 1.0]
    assert np.isnan(batch.orientation[1]).all()
    assert batch.orientation[2].tolist() == [1.0, 0.0, 0.0, 0.0]
    assert batch.stamp_ns.tolist() == [1, 2, 3_000_000_000]
    assert batch.angular_velocity.shape == (3, 3)


def test_a_wrench_gives_force_then_torque_in_the_sensor_axes(codec):
    sample = codec.decode_wrench(vm.wrench_stamped((1.0, -2.0, 3.0), (0.4, 0.5, -0.6),
                                                   stamp_ns=8_000_000_007))
    assert sample.force_torque.tolist() == [1.0, -2.0, 3.0, 0.4, 0.5, -0.6]
    assert int(sample.stamp_ns) == 8_000_000_007


def test_a_batch_of_wrenches_stacks_rows_with_their_stamps(codec):
    batch = codec.decode_wrenches([vm.wrench_stamped((i, 0, 0), (0, 0, -i), stamp_ns=i)
                                   for i in range(3)])
    assert batch.force_torque[:, 0].tolist() == [0.0, 1.0, 2.0]
    assert batch.force_torque[:, 5].tolist() == [0.0, -1.0, -2.0]
    assert batch.stamp_ns.tolist() == [0, 1, 2]


def test_truncated_sensor_messages_are_refused(codec):
    with pytest.raises(MappingError, match='^sensor_msgs/msg/Imu: message'):
        codec.decode_imu(vm.imu()[:40])
    with pytest.raises(MappingError, match='^geometry_msgs/msg/WrenchStamped: message'):
        codec.decode_wrench(vm.wrench_stamped()[:30])
