"""Booster low-level codec (T1, K1): booster_interface LowState / LowCmd in serial mode.

State: joint-space values from `motor_state_serial` (the actuator-space ankle cranks in
`motor_state_parallel` are ignored), an IMU that reports roll/pitch/yaw only, turned into a
quaternion with the profile's Euler order. Command: LowCmd with cmd_type SERIAL and one MotorCmd
per motor in SDK order.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from interop_bridge.cdr import MessageEncoder
from interop_bridge.errors import MappingError
from interop_bridge.orientation import rpy_to_quaternion
from interop_bridge.profile import Profile
from interop_bridge.vendors.codec import CachedGather, check_finite_command, command_encoder
from interop_bridge.vendors.native import ImuSample, NativeCommand, NativeState

STATE_TYPE = 'booster_interface/msg/LowState'
COMMAND_TYPE = 'booster_interface/msg/LowCmd'
CMD_TYPE_SERIAL = 1
STATE_PATTERNS = {
    'rpy': 'imu_state.rpy', 'gyro': 'imu_state.gyro', 'acc': 'imu_state.acc',
    'q': 'motor_state_serial.*.q', 'dq': 'motor_state_serial.*.dq',
    'tau': 'motor_state_serial.*.tau_est', 'temperature': 'motor_state_serial.*.temperature',
    'status': 'motor_state_serial.*.reserve'}
COMMAND_PATTERNS = {'cmd_type': 'cmd_type',
                    **{name: f'motor_cmd.*.{name}' for name in
                       ('mode', 'q', 'dq', 'tau', 'kp', 'kd', 'weight')}}


class BoosterCodec:
    """Decodes LowState and encodes serial-mode LowCmd of one Booster profile."""

    state_type = STATE_TYPE
    command_type = COMMAND_TYPE

    def __init__(self, profile: Profile, fielddefs: Mapping[str, Any]) -> None:
        self.motor_count = int(profile.options['motor_count'])
        self.euler_order = profile.imu.euler_order
        self.fielddefs = fielddefs
        self._state = CachedGather(fielddefs, STATE_TYPE, STATE_PATTERNS)

    @functools.cached_property
    def _encoder(self) -> MessageEncoder:
        # Built on first use: a recording may hold states without the command definition.
        return command_encoder(self.fielddefs, COMMAND_TYPE, COMMAND_PATTERNS,
                               {'motor_cmd': self.motor_count})

    def decode(self, raw: bytes | memoryview) -> NativeState:
        """One LowState message -> NativeState over the serial motors."""
        return self._native(self._state.one(raw), batch=False)

    def decode_many(self, raws: Sequence[bytes]) -> NativeState:
        """Many LowState messages -> NativeState with a leading message dimension."""
        return self._native(self._state.many(raws), batch=True)

    def _native(self, values: dict[str, np.ndarray], *, batch: bool) -> NativeState:
        count = values['q'].shape[-1]
        if count != self.motor_count:
            msg = (f'{STATE_TYPE}: motor_state_serial has {count} motors, the profile '
                   f'expects {self.motor_count}')
            raise MappingError(msg)
        status = values['status'].reshape(*values['status'].shape[:-1], count, 2)[..., 0]
        return NativeState(
            position=values['q'].astype(np.float64), velocity=values['dq'].astype(np.float64),
            effort=values['tau'].astype(np.float64),
            temperature=values['temperature'].astype(np.float64),
            status=status.astype(np.uint32),
            imu=ImuSample(orientation=rpy_to_quaternion(values['rpy'], self.euler_order),
                          angular_velocity=values['gyro'].astype(np.float64),
                          linear_acceleration=values['acc'].astype(np.float64)))

    def encode(self, command: NativeCommand, slots: np.ndarray, state: NativeState) -> bytes:
        """A serial-mode LowCmd for a checked native command."""
        del state  # Booster commands carry nothing echoed from the state
        check_finite_command({'position': command.position, 'stiffness': command.stiffness},
                             COMMAND_TYPE)
        count = self.motor_count
        buffer = self._encoder.new_buffer()
        self._encoder.write(buffer, 'cmd_type', CMD_TYPE_SERIAL)
        for name, values in (('q', command.position), ('dq', command.velocity),
                             ('tau', command.effort), ('kp', command.stiffness),
                             ('kd', command.damping)):
            full = np.zeros(count)
            full[slots] = np.where(command.enabled, values, 0.0)
            self._encoder.write(buffer, name, full)
        weight = np.zeros(count)
        weight[slots[command.enabled]] = 1.0
        self._encoder.write(buffer, 'weight', weight)
        return self._encoder.serialize(buffer)
