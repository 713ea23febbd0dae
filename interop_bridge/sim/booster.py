"""The simulated robot as a Booster robot sees the wire: /low_state out, /joint_ctrl in.

`/low_state` (booster_interface/LowState) carries the IMU as roll/pitch/yaw only, the joint-space
motors in `motor_state_serial` and an actuator-space copy in `motor_state_parallel`. The ankle
parallel linkage is represented by a plain differential stand-in, crank up = pitch + roll,
crank down = pitch - roll (torques by virtual work); Booster's real linkage kinematics are not
public. `/joint_ctrl` (booster_interface/LowCmd) is applied only with cmd_type SERIAL (1) and
one MotorCmd per joint; PARALLEL commands are ignored (and counted by the node). MotorCmd.weight
is not used ("not effective in custom mode").
"""

from __future__ import annotations

import numpy as np

from interop_bridge.cdr import HEADER_SIZE, FieldGather, layout_for_lengths
from interop_bridge.export.typestore import TypeDefinitions
from interop_bridge.sim.robot import SimRobot
from interop_bridge.sim.templates import message_template

# Where the robot publishes and listens (DDS rt/low_state ...): absolute, whatever the namespace.
STATE_TOPIC = '/low_state'
COMMAND_TOPIC = '/joint_ctrl'
STATE_TYPE = 'booster_interface/msg/LowState'
COMMAND_TYPE = 'booster_interface/msg/LowCmd'
CMD_TYPE_PARALLEL = 0
CMD_TYPE_SERIAL = 1
MOTOR_TEMPERATURE_C = 35
COMMUNICATION_HZ = 500
_MOTOR_FIELDS = ('q', 'dq', 'ddq', 'tau_est')
_SETS = ('serial', 'parallel')


def to_actuator_space(values: np.ndarray, pairs: tuple[tuple[int, int], ...], *,
                      torque: bool = False) -> np.ndarray:
    """Joint-space values -> actuator space for the (pitch, roll) slot pairs (copy).

    Positions and velocities: up = pitch + roll, down = pitch - roll. Torques map through the
    transposed inverse: up = (pitch + roll) / 2, down = (pitch - roll) / 2.
    """
    result = np.array(values, dtype=float)
    scale = 0.5 if torque else 1.0
    for pitch, roll in pairs:
        result[pitch] = scale * (values[pitch] + values[roll])
        result[roll] = scale * (values[pitch] - values[roll])
    return result


class BoosterWire:
    """Encodes a SimRobot's state as LowState and applies SERIAL LowCmd commands to it."""

    state_type = STATE_TYPE
    command_type = COMMAND_TYPE
    state_topics = ((STATE_TOPIC, STATE_TYPE),)
    command_topics = ((COMMAND_TOPIC, COMMAND_TYPE),)

    def __init__(self, robot: SimRobot, definitions: TypeDefinitions) -> None:
        self.robot = robot
        count = robot.slot_count
        patterns = {f'{name}.{kind}': f'motor_state_{kind}.*.{name}'
                    for name in (*_MOTOR_FIELDS, 'mode', 'temperature', 'reserve')
                    for kind in _SETS}
        patterns.update({name: f'imu_state.{name}' for name in ('rpy', 'gyro', 'acc')})
        self._state = message_template(
            definitions, STATE_TYPE, patterns, stamp_path=None,
            lengths={f'motor_state_{kind}': count for kind in _SETS})
        for kind in _SETS:
            self._state.write(f'mode.{kind}', 1)
            self._state.write(f'temperature.{kind}', MOTOR_TEMPERATURE_C)
            self._state.write(f'reserve.{kind}', np.tile([0, COMMUNICATION_HZ], count))
        self._command_layout = layout_for_lengths(definitions, COMMAND_TYPE, {'motor_cmd': count})
        self._command = FieldGather(self._command_layout, {
            'cmd_type': 'cmd_type', **{name: f'motor_cmd.*.{name}'
                                       for name in ('q', 'dq', 'tau', 'kp', 'kd')}})

    def encode(self, stamp_ns: int, tick_ms: int) -> list[bytes]:
        """Every state message, in `state_topics` order (LowState has no stamp or counter)."""
        del stamp_ns, tick_ms
        return [self.encode_state()]

    def encode_state(self) -> bytes:
        """The robot's current state as serialized LowState (with the CDR header)."""
        robot, write, pairs = self.robot, self._state.write, self.robot.spec.parallel_pairs
        for name, values in zip(_MOTOR_FIELDS, (robot.q, robot.dq, robot.ddq, robot.tau)):
            write(f'{name}.serial', values)
            write(f'{name}.parallel',
                  to_actuator_space(values, pairs, torque=name == 'tau_est'))
        imu = robot.imu()
        write('rpy', imu.rpy)
        write('gyro', imu.gyroscope)
        write('acc', imu.accelerometer)
        return self._state.serialize()

    def take_command(self, topic: str, raw: bytes) -> str | None:
        """Check one serialized LowCmd and apply it; return why it was ignored, or None."""
        del topic  # one command topic
        if not self._command_layout.matches(raw):
            return self._malformed(raw)
        fields = self._command.one(raw)
        cmd_type = int(fields['cmd_type'][0])
        if cmd_type == CMD_TYPE_PARALLEL:
            return 'cmd_type PARALLEL (0) ignored: this robot is driven with SERIAL (1)'
        if cmd_type != CMD_TYPE_SERIAL:
            return f'unknown cmd_type {cmd_type} (expected SERIAL = 1)'
        self.robot.apply_command(q=fields['q'], dq=fields['dq'], tau=fields['tau'],
                                 kp=fields['kp'], kd=fields['kd'])
        return None

    def _malformed(self, raw: bytes) -> str:
        count = self.robot.slot_count
        if len(raw) >= HEADER_SIZE + 8:
            got = int.from_bytes(raw[HEADER_SIZE + 4:HEADER_SIZE + 8], 'little')
            if got != count:
                return f'{COMMAND_TYPE} with {got} motor commands (expected {count})'
        return f'malformed {COMMAND_TYPE} ({len(raw)} bytes)'
