"""The simulated robot as a ros2_control humanoid (PAL TALOS style) sees the wire.

Out: `joint_states` (sensor_msgs/JointState, every joint by name in the style's order, as the
joint_state_broadcaster publishes), `imu_sensor_broadcaster/imu` (sensor_msgs/Imu, x, y, z, w)
and `left_ankle_ft/wrench`, `right_ankle_ft/wrench` (geometry_msgs/WrenchStamped from
force_torque_sensor_broadcasters, in the raw sensor axes TALOS reports: sole-frame force and
torque as [x, -y, -z], so standing weight reads as negative z).
In: `forward_position_controller/commands` (std_msgs/Float64MultiArray), one position per
controller joint, in the order of the `controller_joints` list.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from interop_bridge.cdr import HEADER_SIZE, Layout, layout_from_sample
from interop_bridge.errors import MappingError, UnknownNameError
from interop_bridge.export.typestore import TypeDefinitions
from interop_bridge.sim.robot import GRAVITY, SimRobot
from interop_bridge.sim.templates import MessageTemplate, message_template

JOINT_STATES_TOPIC = 'joint_states'
IMU_TOPIC = 'imu_sensor_broadcaster/imu'
WRENCH_TOPICS = ('left_ankle_ft/wrench', 'right_ankle_ft/wrench')
COMMAND_TOPIC = 'forward_position_controller/commands'
COMMAND_TYPE = 'std_msgs/msg/Float64MultiArray'
IMU_FRAME = 'imu_link'
WRENCH_FRAMES = ('leg_left_6_link', 'leg_right_6_link')
MASS_KG = 95.0  # TALOS, nominal
# Gains only shape the reported effort: a forward position controller has no gains.
POSITION_KP, POSITION_KD = 100.0, 2.0
RAW_AXES = np.array([1.0, -1.0, -1.0])  # sole frame -> raw sensor axes (TALOS ankles)
_VECTOR = ('x', 'y', 'z')


def _joint_states_template(definitions: TypeDefinitions,
                           names: list[str]) -> MessageTemplate:
    count = len(names)
    return message_template(
        definitions, 'sensor_msgs/msg/JointState',
        {'position': 'position', 'velocity': 'velocity', 'effort': 'effort'},
        lengths={'name': count, 'position': count, 'velocity': count, 'effort': count},
        texts={'header.frame_id': '', **{f'name.{i}': name for i, name in enumerate(names)}})


def _imu_template(definitions: TypeDefinitions) -> MessageTemplate:
    return message_template(definitions, 'sensor_msgs/msg/Imu', {
        'orientation': [f'orientation.{axis}' for axis in ('x', 'y', 'z', 'w')],
        **{field: [f'{field}.{axis}' for axis in _VECTOR]
           for field in ('angular_velocity', 'linear_acceleration')}},
        texts={'header.frame_id': IMU_FRAME})


def _wrench_template(definitions: TypeDefinitions, frame: str) -> MessageTemplate:
    return message_template(definitions, 'geometry_msgs/msg/WrenchStamped', {
        'wrench': [f'wrench.{kind}.{axis}' for kind in ('force', 'torque') for axis in _VECTOR]},
        texts={'header.frame_id': frame})


class Ros2ControlWire:
    """Encodes a SimRobot's state as ros2_control broadcasters do; takes forward commands."""

    command_type = COMMAND_TYPE
    state_topics = ((JOINT_STATES_TOPIC, 'sensor_msgs/msg/JointState'),
                    (IMU_TOPIC, 'sensor_msgs/msg/Imu'),
                    *((topic, 'geometry_msgs/msg/WrenchStamped') for topic in WRENCH_TOPICS))
    command_topics = ((COMMAND_TOPIC, COMMAND_TYPE),)

    def __init__(self, robot: SimRobot, definitions: TypeDefinitions,
                 controller_joints: Sequence[str]) -> None:
        self.robot = robot
        self.definitions = definitions
        names = [name or '' for name in robot.spec.joint_names]
        self._controller_slots = self._slots_of(controller_joints, names)
        self.controller_joints = tuple(controller_joints)
        self._joints = _joint_states_template(definitions, names)
        self._imu = _imu_template(definitions)
        self._wrenches = [_wrench_template(definitions, frame) for frame in WRENCH_FRAMES]
        self._command_layout: Layout | None = None

    @staticmethod
    def _slots_of(joints: Sequence[str], names: list[str]) -> np.ndarray:
        unknown = [joint for joint in joints if joint not in names]
        if unknown or not joints or len(set(joints)) != len(joints):
            msg = (f'controller_joints {list(joints)!r}: expected distinct joint names of the '
                   f'robot ({", ".join(names)}); unknown: {unknown}')
            raise UnknownNameError(msg)
        return np.array([names.index(joint) for joint in joints])

    def encode(self, stamp_ns: int, tick_ms: int) -> list[bytes]:
        """Every state message, in `state_topics` order."""
        del tick_ms
        return [self.encode_joint_states(stamp_ns), self.encode_imu(stamp_ns),
                *self.encode_wrenches(stamp_ns)]

    def encode_joint_states(self, stamp_ns: int) -> bytes:
        """sensor_msgs/JointState of every joint (serialized)."""
        template, robot = self._joints, self.robot
        template.write_stamp(stamp_ns)
        template.write('position', robot.q)
        template.write('velocity', robot.dq)
        template.write('effort', robot.tau)
        return template.serialize()

    def encode_imu(self, stamp_ns: int) -> bytes:
        """sensor_msgs/Imu of the base IMU (serialized; orientation x, y, z, w)."""
        imu, template = self.robot.imu(), self._imu
        template.write_stamp(stamp_ns)
        template.write('orientation', imu.quaternion_wxyz[[1, 2, 3, 0]])
        template.write('angular_velocity', imu.gyroscope)
        template.write('linear_acceleration', imu.accelerometer)
        return template.serialize()

    def encode_wrenches(self, stamp_ns: int) -> list[bytes]:
        """Left and right ankle WrenchStamped (serialized, raw sensor axes)."""
        roll, pitch, _ = self.robot.imu().rpy
        share_left = min(max(0.5 + 5.0 * roll, 0.0), 1.0)  # leaning left loads the left foot
        result = []
        for template, share in zip(self._wrenches, (share_left, 1.0 - share_left)):
            support = MASS_KG * GRAVITY * share
            force = np.array([0.02 * support * math.sin(pitch), 0.0, support]) * RAW_AXES
            torque = np.array([0.01 * support * roll, 0.05 * support * pitch, 0.0]) * RAW_AXES
            template.write_stamp(stamp_ns)
            template.write('wrench', np.concatenate([force, torque]))
            result.append(template.serialize())
        return result

    def take_command(self, topic: str, raw: bytes) -> str | None:
        """Apply one serialized Float64MultiArray of positions; return why it was ignored."""
        del topic  # one command topic
        try:
            positions = self._positions(raw)
        except MappingError as error:
            return f'malformed {COMMAND_TYPE}: {error}'
        if positions.size != len(self.controller_joints):
            return (f'{positions.size} positions for {len(self.controller_joints)} '
                    'controller joints')
        target = np.zeros(self.robot.slot_count)
        target[self._controller_slots] = positions
        enabled = np.zeros(self.robot.slot_count, dtype=bool)
        enabled[self._controller_slots] = True
        self.robot.apply_command(q=target, kp=POSITION_KP, kd=POSITION_KD, enabled=enabled)
        return None

    def _positions(self, raw: bytes) -> np.ndarray:
        layout = self._command_layout
        if layout is None or not layout.matches(raw):
            layout = layout_from_sample(self.definitions, COMMAND_TYPE, raw)
            self._command_layout = layout
        leaf = layout.leaves['data']
        return np.frombuffer(raw, dtype='<f8', count=leaf.count, offset=HEADER_SIZE + leaf.offset)
