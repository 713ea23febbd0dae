"""ros2_control codec: joint_state_broadcaster in, forward command controller out.

State: sensor_msgs/JointState addressed by joint name (the order may differ between robots and
even between controller restarts, so slots are resolved per name list). The IMU and the
force/torque sensors arrive on their own standard topics (decoded by `decode_imu` and
`decode_wrench`). Command: std_msgs/Float64MultiArray in the controller's `joints` order with
one value per joint of the configured interface; joints of the controller that are not mapped
(extras, grippers) keep their measured native value.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from interop_bridge.cdr import FieldGather, MessageEncoder, layout_from_sample
from interop_bridge.errors import MappingError
from interop_bridge.profile import Profile
from interop_bridge.vendors.codec import check_finite_command, command_encoder
from interop_bridge.vendors.native import ImuSample, NativeCommand, NativeState

STATE_TYPE = 'sensor_msgs/msg/JointState'
COMMAND_TYPE = 'std_msgs/msg/Float64MultiArray'
IMU_TYPE = 'sensor_msgs/msg/Imu'
WRENCH_TYPE = 'geometry_msgs/msg/WrenchStamped'
INTERFACE_FIELD = {'position': 'position', 'velocity': 'velocity', 'effort': 'effort'}


class Ros2ControlCodec:
    """Decodes JointState/Imu/WrenchStamped and encodes forward-controller commands."""

    state_type = STATE_TYPE
    command_type = COMMAND_TYPE

    def __init__(self, profile: Profile, fielddefs: Mapping[str, Any]) -> None:
        self.fielddefs = fielddefs
        self.interface = profile.options['command_interface']
        self.controller_joints = tuple(profile.options['controller_joints'])
        self._mapped = {str(joint.source): position
                        for position, joint in enumerate(profile.joints)}
        self._layouts: dict[str, tuple[FieldGather, tuple[str, ...]]] = {}

    @functools.cached_property
    def _encoder(self) -> MessageEncoder:
        # Built on first use: a recording may hold states without the command definition.
        return command_encoder(self.fielddefs, COMMAND_TYPE, {'data': 'data'},
                               {'data': len(self.controller_joints)})

    def _state_gather(self, raw: bytes | memoryview) -> tuple[FieldGather, tuple[str, ...]]:
        cached = self._layouts.get('state')
        if cached is None or not cached[0].layout.matches(raw):
            layout = layout_from_sample(self.fielddefs, STATE_TYPE, raw)
            count = layout.leaves['position'].count
            names = tuple(layout.string(raw, f'name.{index}')
                          for index in range(layout.leaves['name'].count
                                             if 'name' in layout.leaves else count))
            patterns = {'sec': 'header.stamp.sec', 'nanosec': 'header.stamp.nanosec'}
            for name in ('position', 'velocity', 'effort'):
                if layout.leaves[name].count == count and count:
                    patterns[name] = name
            cached = (FieldGather(layout, patterns), names)
            self._layouts['state'] = cached
        return cached

    def decode(self, raw: bytes | memoryview) -> NativeState:
        """One JointState -> NativeState in the message's name order."""
        gather, names = self._state_gather(raw)
        values = gather.one(raw)
        return self._native(values, names, batch=False)

    def decode_many(self, raws: Sequence[bytes]) -> NativeState:
        """Many JointState messages with one name list -> batched NativeState."""
        gather, names = self._state_gather(raws[0])
        if not all(gather.layout.matches(raw) for raw in raws):
            msg = f'{STATE_TYPE}: joint names or array lengths change within the batch'
            raise MappingError(msg)
        return self._native(gather.many(raws), names, batch=True)

    @staticmethod
    def _native(values: dict[str, np.ndarray], names: tuple[str, ...], *,
                batch: bool) -> NativeState:
        if 'position' not in values:
            msg = f'{STATE_TYPE}: position must have one value per name ({len(names)} names)'
            raise MappingError(msg)
        stamp = values['sec'].astype(np.int64) * 1_000_000_000 + values['nanosec']
        width = values['position'].shape[-1]

        def optional(name: str) -> np.ndarray:
            return values[name] if name in values else np.full(values['position'].shape, np.nan)
        return NativeState(
            position=values['position'], velocity=optional('velocity'),
            effort=optional('effort'), names=names[:width],
            stamp_ns=stamp[..., 0] if batch else stamp[:1].reshape(()))

    def decode_imu(self, raw: bytes | memoryview) -> ImuSample:
        """A sensor_msgs/Imu message -> ImuSample (already in ROS conventions)."""
        values = self._gather_of(IMU_TYPE, raw, {
            'q': 'orientation.*', 'w': 'angular_velocity.*', 'a': 'linear_acceleration.*'})
        return ImuSample(orientation=values['q'], angular_velocity=values['w'],
                         linear_acceleration=values['a'])

    def decode_wrench(self, raw: bytes | memoryview) -> np.ndarray:
        """A WrenchStamped -> [fx, fy, fz, tx, ty, tz] in the sensor's raw axes."""
        values = self._gather_of(WRENCH_TYPE, raw, {'f': 'wrench.force.*',
                                                    't': 'wrench.torque.*'})
        return np.concatenate([values['f'], values['t']])

    def _gather_of(self, typename: str, raw: bytes | memoryview,
                   patterns: dict[str, str]) -> dict[str, np.ndarray]:
        cached = self._layouts.get(typename)
        if cached is None or not cached[0].layout.matches(raw):
            cached = (FieldGather(layout_from_sample(self.fielddefs, typename, raw), patterns),
                      ())
            self._layouts[typename] = cached
        return cached[0].one(raw)

    def encode(self, command: NativeCommand, slots: np.ndarray, state: NativeState) -> bytes:
        """A Float64MultiArray in controller order; unmapped joints hold their measured value."""
        field = INTERFACE_FIELD[self.interface]
        targets = getattr(command, field)
        measured = dict(zip(state.names or (), np.asarray(state.position, dtype=np.float64)))
        data = np.empty(len(self.controller_joints))
        for index, name in enumerate(self.controller_joints):
            if name in self._mapped:
                data[index] = targets[self._mapped[name]] if field == 'position' or \
                    command.enabled[self._mapped[name]] else 0.0
            elif field == 'position':
                data[index] = measured.get(name, np.nan)
            else:
                data[index] = 0.0
        del slots  # the controller order replaces vendor slots
        check_finite_command({'data': data}, COMMAND_TYPE)
        buffer = self._encoder.new_buffer()
        self._encoder.write(buffer, 'data', data)
        return self._encoder.serialize(buffer)
