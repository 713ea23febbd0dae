"""The simulated robot as a Unitree robot sees the wire: LowState out, LowCmd and arm_sdk in.

State goes out as pre-serialized CDR (`/lowstate`, unitree_hg or unitree_go LowState): the
message is laid out once and only the changing values are written per tick, then its CRC (as
the robot computes it, interop_bridge.vendors.unitree_state_crc). Commands come in
as raw CDR and are checked like the robot checks them:
- `/lowcmd`: the CRC over the packed struct image must match, and (unitree_hg) `mode_machine`
  must equal the robot's; slots with mode 0 are ignored.
- `/arm_sdk`: the CRC must match; the weight in `motor_cmd[weight slot].q` (0..1) blends the
  command into the arm (and waist) slots whose kp or kd is non-zero. The vendor's arm_sdk
  examples set neither `mode` nor `mode_machine`, so neither is checked here.
"""

from __future__ import annotations

import numpy as np

from interop_bridge.cdr import FieldGather, layout_for_lengths
from interop_bridge.export.typestore import TypeDefinitions
from interop_bridge.sim.robot import SimRobot
from interop_bridge.sim.templates import message_template
from interop_bridge.vendors.unitree_crc import (
    go_lowcmd_crc, go_lowcmd_image, hg_lowcmd_crc, hg_lowcmd_image, motor_columns)
from interop_bridge.vendors.unitree_state_crc import LowStateCrc

# Where the robot publishes and listens (DDS rt/lowstate ...): absolute, whatever the namespace.
STATE_TOPIC = '/lowstate'
COMMAND_TOPIC = '/lowcmd'
ARM_SDK_TOPIC = '/arm_sdk'
MOTOR_TEMPERATURE_C = 32
IMU_TEMPERATURE_C = 38
SUPPLY_VOLTAGE_V = 50.4
_MOTOR_PATTERNS = {name: f'motor_cmd.*.{name}' for name in ('mode', 'q', 'dq', 'tau', 'kp', 'kd')}
_MOTOR_STATE_FIELDS = ('mode', 'q', 'dq', 'ddq', 'tau_est', 'temperature')
_IMU_FIELDS = ('quaternion', 'gyroscope', 'accelerometer', 'rpy')
_HG_STATE_EXTRA = {'mode_machine': 'mode_machine', 'vol': 'motor_state.*.vol'}
_GO_STATE_EXTRA = {'head': 'head', 'level_flag': 'level_flag', 'soc': 'bms_state.soc',
                   'power_v': 'power_v'}
_GO_SCALARS = ('level_flag', 'frame_reserve', 'bandwidth', 'gpio', 'bms_off')


def _state_patterns(hg: bool) -> dict[str, str]:
    """Named LowState values the wire writes."""
    patterns = {name: f'motor_state.*.{name}' for name in _MOTOR_STATE_FIELDS}
    patterns.update({name: f'imu_state.{name}' for name in _IMU_FIELDS})
    patterns.update(imu_temperature='imu_state.temperature', tick='tick', crc='crc')
    patterns.update(_HG_STATE_EXTRA if hg else _GO_STATE_EXTRA)
    return patterns


def _command_patterns(hg: bool) -> dict[str, str]:
    """Named LowCmd values the wire reads: every field the CRC covers."""
    patterns = dict(_MOTOR_PATTERNS, motor_reserve='motor_cmd.*.reserve', reserve='reserve',
                    crc='crc')
    if hg:
        patterns.update(mode_pr='mode_pr', mode_machine='mode_machine')
    else:
        patterns.update({name: name for name in ('head', 'level_flag', 'frame_reserve', 'sn',
                                                 'version', 'bandwidth', 'wireless_remote',
                                                 'led', 'fan', 'gpio')})
        patterns.update(bms_off='bms_cmd.off', bms_reserve='bms_cmd.reserve')
    return patterns


class UnitreeWire:
    """Encodes a SimRobot's state as LowState and applies LowCmd / arm_sdk commands to it."""

    def __init__(self, robot: SimRobot, definitions: TypeDefinitions, *,
                 mode_machine: int) -> None:
        self.robot = robot
        self.family = robot.spec.family
        self.mode_machine = mode_machine
        self.state_type = f'{self.family}/msg/LowState'
        self.command_type = f'{self.family}/msg/LowCmd'
        hg = self.family == 'unitree_hg'
        self._state = message_template(definitions, self.state_type, _state_patterns(hg),
                                       stamp_path=None)
        self._write_constants(hg)
        self._state_crc = LowStateCrc(definitions, self.state_type)
        self._command_layout = layout_for_lengths(definitions, self.command_type)
        self._command = FieldGather(self._command_layout, _command_patterns(hg))
        self._arm_slots = np.zeros(robot.slot_count, dtype=bool)
        self._arm_slots[list(robot.spec.arm_sdk_slots)] = True
        self.state_topics = ((STATE_TOPIC, self.state_type),)
        self.command_topics = ((COMMAND_TOPIC, self.command_type),) + (
            ((ARM_SDK_TOPIC, self.command_type),)
            if robot.spec.arm_sdk_weight_slot is not None else ())

    def _write_constants(self, hg: bool) -> None:
        write = self._state.write
        write('mode', self.robot.valid.astype(np.uint8))
        write('temperature', MOTOR_TEMPERATURE_C)
        write('imu_temperature', IMU_TEMPERATURE_C)
        if hg:
            write('mode_machine', self.mode_machine)
            write('vol', np.where(self.robot.valid, SUPPLY_VOLTAGE_V, 0.0))
        else:
            write('head', [0xFE, 0xEF])
            write('level_flag', 0xFF)
            write('soc', 87)
            write('power_v', SUPPLY_VOLTAGE_V)

    def encode(self, stamp_ns: int, tick_ms: int) -> list[bytes]:
        """Every state message, in `state_topics` order (LowState has no stamp)."""
        del stamp_ns
        return [self.encode_state(tick_ms)]

    def encode_state(self, tick_ms: int) -> bytes:
        """The robot's current state as serialized LowState (with the CDR header)."""
        robot, write = self.robot, self._state.write
        write('q', robot.q)
        write('dq', robot.dq)
        write('ddq', robot.ddq)
        write('tau_est', robot.tau)
        imu = robot.imu()
        write('quaternion', imu.quaternion_wxyz)
        write('gyroscope', imu.gyroscope)
        write('accelerometer', imu.accelerometer)
        write('rpy', imu.rpy)
        write('tick', tick_ms & 0xFFFFFFFF)
        write('crc', self._state_crc.of_payload(self._state.buffer))
        return self._state.serialize()

    def take_command(self, topic: str, raw: bytes) -> str | None:
        """Check one serialized LowCmd and apply it; return why it was ignored, or None.

        Args:
            topic: `/lowcmd` or `/arm_sdk` (as subscribed).
            raw: The serialized message (with the CDR header).
        """
        if not self._command_layout.matches(raw):
            return f'malformed {self.command_type} ({len(raw)} bytes)'
        fields = self._command.one(raw)
        crc = self._crc(fields)
        if crc != int(fields['crc'][0]):
            return f'wrong crc (got {int(fields["crc"][0]):#010x}, expected {crc:#010x})'
        if topic == ARM_SDK_TOPIC:
            return self._apply_arm_sdk(fields)
        if self.family == 'unitree_hg' and int(fields['mode_machine'][0]) != self.mode_machine:
            return (f'mode_machine {int(fields["mode_machine"][0])} does not match the '
                    f'robot ({self.mode_machine})')
        self.robot.apply_command(q=fields['q'], dq=fields['dq'], tau=fields['tau'],
                                 kp=fields['kp'], kd=fields['kd'], enabled=fields['mode'] != 0)
        return None

    def _apply_arm_sdk(self, fields: dict[str, np.ndarray]) -> str | None:
        slot = self.robot.spec.arm_sdk_weight_slot
        if slot is None:
            return f'{self.robot.spec.name} has no arm_sdk'
        weight = float(np.clip(fields['q'][slot], 0.0, 1.0))
        enabled = self._arm_slots & ((fields['kp'] != 0) | (fields['kd'] != 0))
        self.robot.apply_command(q=fields['q'], dq=fields['dq'], tau=fields['tau'],
                                 kp=fields['kp'], kd=fields['kd'], enabled=enabled,
                                 blend=weight)
        return None

    def _crc(self, fields: dict[str, np.ndarray]) -> int:
        motors = motor_columns(fields.__getitem__)
        if self.family == 'unitree_hg':
            return hg_lowcmd_crc(hg_lowcmd_image(
                mode_pr=int(fields['mode_pr'][0]), mode_machine=int(fields['mode_machine'][0]),
                motor_reserve=fields['motor_reserve'], reserve=fields['reserve'], **motors))
        scalars = {name: int(fields[name][0]) for name in _GO_SCALARS}
        return go_lowcmd_crc(go_lowcmd_image(
            head=fields['head'], sn=fields['sn'], version=fields['version'],
            motor_reserve=fields['motor_reserve'].reshape(-1, 3),
            bms_reserve=fields['bms_reserve'], wireless_remote=fields['wireless_remote'],
            led=fields['led'], fan=fields['fan'], reserve=int(fields['reserve'][0]),
            **scalars, **motors))
