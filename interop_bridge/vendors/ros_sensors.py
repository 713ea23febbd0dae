"""Standard ROS sensor topics of any robot: sensor_msgs/Imu and geometry_msgs/WrenchStamped.

ros2_control humanoids publish the base IMU (imu_sensor_broadcaster) and every force/torque
sensor (force_torque_sensor_broadcaster) on topics of their own; a profile names them in
`topics.imu` and `wrenches`. `RosSensorCodec` decodes one message (bridge) or a batch
(exporter) with the same gathers. An Imu whose orientation_covariance[0] is -1 says it has no
orientation (REP-145); so does a profile with `imu.orientation: none`: the orientation is NaN.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from interop_bridge.vendors.codec import CachedGather, FieldDefs
from interop_bridge.vendors.native import ImuSample, WrenchSample

IMU_TYPE = 'sensor_msgs/msg/Imu'
WRENCH_TYPE = 'geometry_msgs/msg/WrenchStamped'
IMU_ORIENTATIONS = ('quaternion_xyzw', 'none')
NS = 1_000_000_000
STAMP = {'sec': 'header.stamp.sec', 'nanosec': 'header.stamp.nanosec'}


class RosSensorCodec:
    """Decodes sensor_msgs/Imu and geometry_msgs/WrenchStamped messages."""

    def __init__(self, fielddefs: FieldDefs, orientation: str = 'quaternion_xyzw') -> None:
        self.orientation = orientation
        self._imu = CachedGather(fielddefs, IMU_TYPE, {
            **STAMP, 'q': 'orientation.*', 'w': 'angular_velocity.*',
            'a': 'linear_acceleration.*', 'covariance': 'orientation_covariance'})
        self._wrench = CachedGather(fielddefs, WRENCH_TYPE, {
            **STAMP, 'wrench': 'wrench.*.*'})

    def decode_imu(self, raw: bytes | memoryview) -> ImuSample:
        """One Imu message -> ImuSample (ROS conventions already)."""
        return self._imu_sample({name: values[None] for name, values in
                                 self._imu.one(raw).items()}, single=True)

    def decode_imus(self, raws: Sequence[bytes]) -> ImuSample:
        """Imu messages -> batched ImuSample with header stamps."""
        return self._imu_sample(self._imu.many(raws), single=False)

    def _imu_sample(self, values: dict[str, np.ndarray], *, single: bool) -> ImuSample:
        orientation = values['q'].astype(np.float64)
        unknown = values['covariance'][:, 0] == -1.0
        if self.orientation == 'none':
            unknown[:] = True
        orientation[unknown] = np.nan
        sample = ImuSample(orientation=orientation,
                           angular_velocity=values['w'].astype(np.float64),
                           linear_acceleration=values['a'].astype(np.float64),
                           stamp_ns=_stamp(values))
        if not single:
            return sample
        return ImuSample(orientation=sample.orientation[0],
                         angular_velocity=sample.angular_velocity[0],
                         linear_acceleration=sample.linear_acceleration[0],
                         stamp_ns=None if sample.stamp_ns is None else sample.stamp_ns[0])

    def decode_wrench(self, raw: bytes | memoryview) -> WrenchSample:
        """One WrenchStamped -> [fx, fy, fz, tx, ty, tz] in the sensor's raw axes."""
        values = self._wrench.one(raw)
        return WrenchSample(values['wrench'].astype(np.float64),
                            _stamp({name: array[None] for name, array in values.items()})[0])

    def decode_wrenches(self, raws: Sequence[bytes]) -> WrenchSample:
        """WrenchStamped messages -> batched raw wrenches with header stamps."""
        values = self._wrench.many(raws)
        return WrenchSample(values['wrench'].astype(np.float64), _stamp(values))


def _stamp(values: dict[str, np.ndarray]) -> np.ndarray:
    # numpy types an integer index in a tuple as Any (scalar or array): declare the columns.
    seconds: np.ndarray = values['sec'][:, 0]
    nanoseconds: np.ndarray = values['nanosec'][:, 0]
    return seconds.astype(np.int64) * NS + nanoseconds.astype(np.int64)
