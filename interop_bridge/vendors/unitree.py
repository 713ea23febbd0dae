"""Unitree low-level codec: unitree_hg (G1, H1-2) and unitree_go (H1) LowState / LowCmd.

State: motor slots in SDK order with q, dq, tau_est, temperature and status, the pelvis IMU
(quaternion w, x, y, z, reordered here to x, y, z, w), the tick counter and (hg) mode_machine.
Command: a LowCmd over all motor slots, mode_machine echoed from the last state, unused slots
disabled (mode 0), the arm_sdk blend weight written to its slot when the profile uses one, and
the CRC the robot checks (interop_bridge.vendors.unitree_crc).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from interop_bridge.cdr import MessageEncoder
from interop_bridge.errors import MappingError
from interop_bridge.orientation import quaternion_wxyz_to_xyzw
from interop_bridge.profile import Profile
from interop_bridge.vendors.codec import CachedGather, check_finite_command, command_encoder
from interop_bridge.vendors.native import ImuSample, NativeCommand, NativeState
from interop_bridge.vendors.unitree_crc import go_lowcmd_image, hg_lowcmd_image, image_crc

STATE_PATTERNS = {
    'tick': 'tick', 'quaternion': 'imu_state.quaternion', 'gyroscope': 'imu_state.gyroscope',
    'accelerometer': 'imu_state.accelerometer', 'q': 'motor_state.*.q',
    'dq': 'motor_state.*.dq', 'tau': 'motor_state.*.tau_est',
    'temperature': 'motor_state.*.temperature'}
FAMILY_STATE = {'hg': {'mode_machine': 'mode_machine', 'status': 'motor_state.*.motorstate'},
                'go': {}}
COMMAND_PATTERNS = {name: f'motor_cmd.*.{name}' for name in ('mode', 'q', 'dq', 'tau', 'kp', 'kd')}
FAMILY_COMMAND = {
    'hg': {'mode_pr': 'mode_pr', 'mode_machine': 'mode_machine', 'crc': 'crc'},
    'go': {'head': 'head', 'level_flag': 'level_flag', 'crc': 'crc'}}


class UnitreeCodec:
    """Decodes LowState and encodes LowCmd of one Unitree profile."""

    def __init__(self, profile: Profile, fielddefs: Mapping[str, Any]) -> None:
        self.family = profile.adapter.removeprefix('unitree_')
        self.state_type = f'unitree_{self.family}/msg/LowState'
        self.command_type = f'unitree_{self.family}/msg/LowCmd'
        self.options = profile.options
        self.slot_count = int(profile.options['motor_slots'])
        self.fielddefs = fielddefs
        self._state = CachedGather(fielddefs, self.state_type,
                                   {**STATE_PATTERNS, **FAMILY_STATE[self.family]})

    @functools.cached_property
    def _encoder(self) -> MessageEncoder:
        # Built on first use: a recording may hold states without the command definition.
        return command_encoder(self.fielddefs, self.command_type,
                               {**COMMAND_PATTERNS, **FAMILY_COMMAND[self.family]})

    def decode(self, raw: bytes | memoryview) -> NativeState:
        """One LowState message -> NativeState over the motor slots."""
        return self._native(self._state.one(raw), batch=False)

    def decode_many(self, raws: Sequence[bytes]) -> NativeState:
        """Many LowState messages -> NativeState with a leading message dimension."""
        return self._native(self._state.many(raws), batch=True)

    def _native(self, values: dict[str, np.ndarray], *, batch: bool) -> NativeState:
        slots = self.slot_count
        temperature = values['temperature'].astype(np.float64)
        if temperature.shape[-1] == 2 * slots:  # hg: two sensors per motor, keep the hotter
            temperature = temperature.reshape(*temperature.shape[:-1], slots, 2).max(axis=-1)
        scalar = (lambda array: array[..., 0]) if batch else (lambda array: array[0])
        mode_machine = values.get('mode_machine')
        return NativeState(
            position=values['q'].astype(np.float64), velocity=values['dq'].astype(np.float64),
            effort=values['tau'].astype(np.float64), temperature=temperature,
            status=values['status'].astype(np.uint32) if 'status' in values else None,
            imu=ImuSample(orientation=quaternion_wxyz_to_xyzw(values['quaternion']),
                          angular_velocity=values['gyroscope'].astype(np.float64),
                          linear_acceleration=values['accelerometer'].astype(np.float64)),
            sequence=scalar(values['tick']).astype(np.int64),
            mode_machine=None if mode_machine is None or batch else int(mode_machine[0]))

    def encode(self, command: NativeCommand, slots: np.ndarray, state: NativeState) -> bytes:
        """A LowCmd with CRC for a checked native command (mode_machine from `state`)."""
        check_finite_command({name: getattr(command, name) for name in
                              ('position', 'velocity', 'effort', 'stiffness', 'damping')},
                             self.command_type)
        motors = self._motor_arrays(command, slots)
        if self.family == 'hg':
            fields = {'mode_pr': int(self.options['mode_pr']),
                      'mode_machine': int(state.mode_machine or 0)}
            image = hg_lowcmd_image(**fields, **motors)
        else:
            fields = {'head': np.array([0xFE, 0xEF]), 'level_flag': 0xFF}
            image = go_lowcmd_image(head=(0xFE, 0xEF), level_flag=0xFF, **motors)
        buffer = self._encoder.new_buffer()
        for name, value in {**fields, **motors}.items():
            self._encoder.write(buffer, name, value)
        self._encoder.write(buffer, 'crc', image_crc(image))
        return self._encoder.serialize(buffer)

    def _motor_arrays(self, command: NativeCommand, slots: np.ndarray) -> dict[str, np.ndarray]:
        count = self.slot_count
        if slots.shape[0] != command.position.shape[0] or (slots >= count).any():
            msg = f'{self.command_type}: command slots {slots.tolist()} do not fit {count} motors'
            raise MappingError(msg)
        motors = {name: np.zeros(count, dtype=np.float32) for name in
                  ('q', 'dq', 'tau', 'kp', 'kd')}
        mode = np.zeros(count, dtype=np.uint8)
        mode[slots[command.enabled]] = int(self.options['motor_mode'])
        for name, values in (('q', command.position), ('dq', command.velocity),
                             ('tau', command.effort), ('kp', command.stiffness),
                             ('kd', command.damping)):
            motors[name][slots] = np.where(command.enabled, values, 0.0)
        weight_slot = int(self.options.get('weight_slot', -1))
        if weight_slot >= 0:  # arm_sdk: the blend weight travels in an unused slot's q
            motors['q'][weight_slot] = float(self.options['weight'])
        return {'mode': mode, **motors}
