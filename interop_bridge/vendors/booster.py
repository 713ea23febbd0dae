"""Booster low-level codec (T1, K1): booster_interface LowState / LowCmd in serial mode.

State: joint-space values from `motor_state_serial` (the actuator-space ankle cranks in
`motor_state_parallel` are ignored), an IMU that reports roll/pitch/yaw only, turned into a
quaternion with the profile's Euler order. Command: LowCmd with cmd_type SERIAL and one MotorCmd
per motor in SDK order, blend weight 1 on the commanded motors. Decoding a LowCmd: a motor is
enabled when any of its gains, torque or weight is not zero; commands in PARALLEL (actuator
space) mode are not joint targets and decode as not enabled.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from interop_bridge.cdr import MessageEncoder
from interop_bridge.errors import MappingError
from interop_bridge.orientation import orientation_to_xyzw
from interop_bridge.schema import Key, positive
from interop_bridge.vendors.codec import (
    CachedGather, FieldDefs, check_finite_command, command_encoder, spread_to_slots)
from interop_bridge.vendors.native import ImuSample, NativeCommand, NativeState

if TYPE_CHECKING:
    from interop_bridge.profile import Profile

STATE_TYPE = 'booster_interface/msg/LowState'
COMMAND_TYPE = 'booster_interface/msg/LowCmd'
CMD_TYPE_SERIAL = 1
OPTION_KEYS = (
    Key('motor_count', int, 'motors in the serial arrays (T1 23, K1 22)', check=positive),
)
STATE_PATTERNS = {
    'gyro': 'imu_state.gyro', 'acc': 'imu_state.acc',
    'q': 'motor_state_serial.*.q', 'dq': 'motor_state_serial.*.dq',
    'tau': 'motor_state_serial.*.tau_est', 'temperature': 'motor_state_serial.*.temperature',
    'status': 'motor_state_serial.*.reserve'}
WIRE_FIELDS = {'position': 'q', 'velocity': 'dq', 'effort': 'tau', 'stiffness': 'kp',
               'damping': 'kd'}
COMMAND_PATTERNS = {'cmd_type': 'cmd_type',
                    **{name: f'motor_cmd.*.{name}' for name in
                       ('mode', 'q', 'dq', 'tau', 'kp', 'kd', 'weight')}}


class BoosterCodec:
    """Decodes LowState and encodes / decodes serial-mode LowCmd of one Booster profile."""

    state_type = STATE_TYPE
    command_type = COMMAND_TYPE

    def __init__(self, profile: Profile, fielddefs: FieldDefs) -> None:
        self.motor_count = int(profile.options['motor_count'])
        self.orientation = profile.imu.orientation
        self.euler_order = profile.imu.euler_order
        self.imu_present = profile.imu.present
        self.fielddefs = fielddefs
        patterns = dict(STATE_PATTERNS)
        if self.orientation == 'rpy':
            patterns['rpy'] = 'imu_state.rpy'
        self._state = CachedGather(fielddefs, STATE_TYPE, patterns)

    @functools.cached_property
    def _encoder(self) -> MessageEncoder:
        # Built on first use: a recording may hold states without the command definition.
        return command_encoder(self.fielddefs, COMMAND_TYPE, COMMAND_PATTERNS,
                               {'motor_cmd': self.motor_count})

    @functools.cached_property
    def _commands(self) -> CachedGather:
        return CachedGather(self.fielddefs, COMMAND_TYPE, COMMAND_PATTERNS)

    def decode_state(self, raw: bytes | memoryview) -> NativeState:
        """One LowState message -> NativeState over the serial motors."""
        return self._native(self._state.one(raw))

    def decode_states(self, raws: Sequence[bytes]) -> NativeState:
        """Many LowState messages -> NativeState with a leading message dimension."""
        return self._native(self._state.many(raws))

    def _native(self, values: dict[str, np.ndarray]) -> NativeState:
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
            status=status.astype(np.uint32), imu=self._imu(values))

    def _imu(self, values: dict[str, np.ndarray]) -> ImuSample | None:
        if not self.imu_present:
            return None
        gyro = values['gyro'].astype(np.float64)
        orientation = (orientation_to_xyzw(values['rpy'], 'rpy', self.euler_order)
                       if 'rpy' in values else np.full((*gyro.shape[:-1], 4), np.nan))
        return ImuSample(orientation=orientation, angular_velocity=gyro,
                         linear_acceleration=values['acc'].astype(np.float64))

    def encode_command(self, command: NativeCommand, slots: np.ndarray,
                       state: NativeState) -> bytes:
        """A serial-mode LowCmd for a checked native command."""
        del state  # Booster commands carry nothing echoed from the state
        check_finite_command(command, COMMAND_TYPE)
        spread = spread_to_slots(command, slots, self.motor_count, COMMAND_TYPE)
        buffer = self._encoder.new_buffer()
        self._encoder.write(buffer, 'cmd_type', CMD_TYPE_SERIAL)
        for name, wire in WIRE_FIELDS.items():
            self._encoder.write(buffer, wire, spread[name])
        self._encoder.write(buffer, 'weight', spread['enabled'].astype(np.float64))
        return self._encoder.serialize(buffer)

    def decode_commands(self, raws: Sequence[bytes]) -> NativeCommand:
        """LowCmd messages -> NativeCommand over every motor (see the module docstring)."""
        values = self._commands.many(raws)
        count = values['q'].shape[-1]
        if count != self.motor_count:
            msg = (f'{COMMAND_TYPE}: motor_cmd has {count} motors, the profile expects '
                   f'{self.motor_count}')
            raise MappingError(msg)
        fields = {name: values[wire].astype(np.float64) for name, wire in WIRE_FIELDS.items()}
        active = (fields['stiffness'] != 0) | (fields['damping'] != 0) | \
            (fields['effort'] != 0) | (values['weight'] != 0)
        serial = values['cmd_type'][..., :1] == CMD_TYPE_SERIAL
        return NativeCommand(position=fields['position'], velocity=fields['velocity'],
                             effort=fields['effort'], stiffness=fields['stiffness'],
                             damping=fields['damping'], enabled=active & serial)
