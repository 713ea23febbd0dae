"""Unitree low-level codec: unitree_hg (G1, H1-2) and unitree_go (H1) LowState / LowCmd.

State: motor slots in SDK order with q, dq, tau_est, temperature and status, the pelvis IMU
(its quaternion w, x, y, z reordered to x, y, z, w, or its rpy angles, as the profile's
`imu.orientation` says), the tick counter, (hg) mode_machine, and whether the state's CRC matches
its contents (`NativeState.checksum_ok`, interop_bridge.vendors.unitree_state_crc).
Command: a LowCmd over all motor slots, mode_machine echoed from the last state, unused slots
disabled (mode 0), the arm_sdk blend weight written to its slot when the profile uses one, and
the CRC the robot checks (interop_bridge.vendors.unitree_crc). Decoding a LowCmd gives every
slot back; a slot is enabled when its mode is not 0, and the weight slot never is a joint.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from interop_bridge.cdr import MessageEncoder
from interop_bridge.orientation import orientation_to_xyzw
from interop_bridge.schema import Key, between, positive
from interop_bridge.vendors.codec import (
    CachedGather, FieldDefs, check_finite_command, command_encoder, spread_to_slots)
from interop_bridge.vendors.native import ImuSample, NativeCommand, NativeState
from interop_bridge.vendors.unitree_crc import (
    MotorColumns, go_lowcmd_image, hg_lowcmd_image, image_crc, motor_columns)
from interop_bridge.vendors.unitree_state_crc import LowStateCrc

if TYPE_CHECKING:
    from interop_bridge.profile import Profile


def _zero_or_one(value: object) -> str | None:
    return None if value in (0, 1) else '0 or 1'


def _unit_interval(value: float) -> str | None:
    return None if 0.0 <= value <= 1.0 else 'a number from 0 to 1'


OPTION_KEYS = (
    Key('motor_slots', int, 'motor slots in LowState/LowCmd (35 hg, 20 go)', check=positive),
    Key('mode_pr', int, 'ankle/waist mode to command: 0 = PR (serial pitch/roll)', default=0,
        check=_zero_or_one),
    Key('motor_mode', int, 'MotorCmd.mode for enabled motors (a uint8 on the wire)', default=1,
        check=between(0, 255)),
    Key('weight_slot', int, 'arm_sdk blend weight slot (-1: command topic is lowcmd)',
        default=-1),
    Key('weight', float, 'arm_sdk blend weight written to the weight slot (0: vendor '
        'controller only, 1: this command only)', default=1.0, check=_unit_interval),
)


def check_options(options: dict[str, Any],
                  sources: set[int | str]) -> list[tuple[str, Any, str]]:
    """The arm_sdk weight slot must be a slot of its own: in range, and no joint's."""
    slot, count = options.get('weight_slot', -1), options.get('motor_slots')
    if not isinstance(slot, int) or slot == -1 or not isinstance(count, int):
        return []
    if not 0 <= slot < count:
        return [('unitree.weight_slot', slot, f'-1 (no arm_sdk) or a slot index below {count}')]
    if slot in sources:
        return [('unitree.weight_slot', slot, 'a slot no joint, extra or gripper uses (its q '
                 'carries the blend weight)')]
    return []


ORIENTATION_FIELDS = {'quaternion_wxyz': 'imu_state.quaternion', 'rpy': 'imu_state.rpy'}
STATE_PATTERNS = {
    'tick': 'tick', 'gyroscope': 'imu_state.gyroscope',
    'accelerometer': 'imu_state.accelerometer', 'q': 'motor_state.*.q',
    'dq': 'motor_state.*.dq', 'tau': 'motor_state.*.tau_est',
    'temperature': 'motor_state.*.temperature'}
FAMILY_STATE = {'hg': {'mode_machine': 'mode_machine', 'status': 'motor_state.*.motorstate'},
                'go': {}}
WIRE_FIELDS = {'position': 'q', 'velocity': 'dq', 'effort': 'tau', 'stiffness': 'kp',
               'damping': 'kd'}
COMMAND_PATTERNS = {name: f'motor_cmd.*.{name}' for name in ('mode', 'q', 'dq', 'tau', 'kp', 'kd')}
FAMILY_COMMAND = {
    'hg': {'mode_pr': 'mode_pr', 'mode_machine': 'mode_machine', 'crc': 'crc'},
    'go': {'head': 'head', 'level_flag': 'level_flag', 'crc': 'crc'}}


class UnitreeCodec:
    """Decodes LowState and encodes / decodes LowCmd of one Unitree profile."""

    def __init__(self, profile: Profile, fielddefs: FieldDefs) -> None:
        self.family = profile.adapter.removeprefix('unitree_')
        self.state_type = f'unitree_{self.family}/msg/LowState'
        self.command_type = f'unitree_{self.family}/msg/LowCmd'
        options = profile.options
        self.slot_count = int(options['motor_slots'])
        self.mode_pr = int(options['mode_pr'])
        self.motor_mode = int(options['motor_mode'])
        self.weight_slot = int(options['weight_slot'])
        self.weight = float(options['weight'])
        self.orientation = profile.imu.orientation
        self.euler_order = profile.imu.euler_order
        self.imu_present = profile.imu.present
        self.fielddefs = fielddefs
        patterns = {**STATE_PATTERNS, **FAMILY_STATE[self.family]}
        if self.orientation in ORIENTATION_FIELDS:
            patterns['orientation'] = ORIENTATION_FIELDS[self.orientation]
        self._state = CachedGather(fielddefs, self.state_type, patterns)

    @functools.cached_property
    def _encoder(self) -> MessageEncoder:
        # Built on first use: a recording may hold states without the command definition.
        return command_encoder(self.fielddefs, self.command_type,
                               {**COMMAND_PATTERNS, **FAMILY_COMMAND[self.family]})

    @functools.cached_property
    def _state_crc(self) -> LowStateCrc:
        return LowStateCrc(self.fielddefs, self.state_type)

    @functools.cached_property
    def _commands(self) -> CachedGather:
        return CachedGather(self.fielddefs, self.command_type, COMMAND_PATTERNS)

    def decode_state(self, raw: bytes | memoryview) -> NativeState:
        """One LowState message -> NativeState over the motor slots (`checksum_ok`: its CRC)."""
        values = self._state.one(raw)
        return self._native(values, np.asarray(self._state_crc.matches(raw)), batch=False)

    def decode_states(self, raws: Sequence[bytes]) -> NativeState:
        """Many LowState messages -> NativeState with a leading message dimension."""
        values = self._state.many(raws)
        return self._native(values, self._state_crc.matches_many(raws), batch=True)

    def _native(self, values: dict[str, np.ndarray], checksum_ok: np.ndarray, *,
                batch: bool) -> NativeState:
        slots = self.slot_count
        temperature = values['temperature'].astype(np.float64)
        if temperature.shape[-1] == 2 * slots:  # hg: two sensors per motor, keep the hotter
            temperature = temperature.reshape(*temperature.shape[:-1], slots, 2).max(axis=-1)
        tick = values['tick'][..., 0] if batch else values['tick'][0]
        mode_machine = values.get('mode_machine')
        return NativeState(
            position=values['q'].astype(np.float64), velocity=values['dq'].astype(np.float64),
            effort=values['tau'].astype(np.float64), temperature=temperature,
            status=values['status'].astype(np.uint32) if 'status' in values else None,
            imu=self._imu(values), sequence=np.asarray(tick, dtype=np.int64),
            mode_machine=None if mode_machine is None or batch else int(mode_machine[0]),
            checksum_ok=checksum_ok)

    def _imu(self, values: dict[str, np.ndarray]) -> ImuSample | None:
        if not self.imu_present:
            return None
        gyroscope = values['gyroscope'].astype(np.float64)
        if 'orientation' in values:
            orientation = orientation_to_xyzw(values['orientation'], self.orientation,
                                              self.euler_order)
        else:  # imu.orientation: none
            orientation = np.full((*gyroscope.shape[:-1], 4), np.nan)
        return ImuSample(orientation=orientation, angular_velocity=gyroscope,
                         linear_acceleration=values['accelerometer'].astype(np.float64))

    def encode_command(self, command: NativeCommand, slots: np.ndarray,
                       state: NativeState) -> bytes:
        """A LowCmd with CRC for a checked native command (mode_machine from `state`)."""
        check_finite_command(command, self.command_type)
        motors = self._motor_arrays(command, slots)
        fields: dict[str, ArrayLike]
        if self.family == 'hg':
            fields = {'mode_pr': self.mode_pr, 'mode_machine': int(state.mode_machine or 0)}
            image = hg_lowcmd_image(mode_pr=self.mode_pr,
                                    mode_machine=int(state.mode_machine or 0), **motors)
        else:
            fields = {'head': np.array([0xFE, 0xEF]), 'level_flag': 0xFF}
            image = go_lowcmd_image(head=(0xFE, 0xEF), level_flag=0xFF, **motors)
        buffer = self._encoder.new_buffer()
        for name, value in {**fields, **motors}.items():
            self._encoder.write(buffer, name, value)
        self._encoder.write(buffer, 'crc', image_crc(image))
        return self._encoder.serialize(buffer)

    def _motor_arrays(self, command: NativeCommand, slots: np.ndarray) -> MotorColumns:
        spread = spread_to_slots(command, slots, self.slot_count, self.command_type)
        motors = {WIRE_FIELDS[name]: spread[name].astype(np.float32) for name in WIRE_FIELDS}
        motors['mode'] = np.where(spread['enabled'], self.motor_mode, 0).astype(np.uint8)
        if self.weight_slot >= 0:  # arm_sdk: the blend weight travels in an unused slot's q
            motors['q'][self.weight_slot] = self.weight
        return motor_columns(motors.__getitem__)

    def decode_commands(self, raws: Sequence[bytes]) -> NativeCommand:
        """LowCmd messages -> NativeCommand over every motor slot (mode 0: not enabled)."""
        values = self._commands.many(raws)
        enabled = values['mode'] != 0
        if self.weight_slot >= 0:
            enabled[..., self.weight_slot] = False
        fields = {name: values[wire].astype(np.float64) for name, wire in WIRE_FIELDS.items()}
        return NativeCommand(position=fields['position'], velocity=fields['velocity'],
                             effort=fields['effort'], stiffness=fields['stiffness'],
                             damping=fields['damping'], enabled=enabled)
