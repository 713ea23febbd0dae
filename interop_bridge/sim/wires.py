"""One wire per vendor family: which topics a simulated robot publishes and listens to."""

from __future__ import annotations

from typing import Protocol

from interop_bridge.msgdefs import fielddefs_for
from interop_bridge.sim.booster import BoosterWire
from interop_bridge.sim.robot import SimRobot
from interop_bridge.sim.ros2_control import Ros2ControlWire
from interop_bridge.sim.settings import FakeRobotSettings
from interop_bridge.sim.unitree import UnitreeWire

# The message types each family's wire lays out (their packages must be installed).
WIRE_TYPES: dict[str, tuple[str, ...]] = {
    'unitree_hg': ('unitree_hg/msg/LowState', 'unitree_hg/msg/LowCmd'),
    'unitree_go': ('unitree_go/msg/LowState', 'unitree_go/msg/LowCmd'),
    'booster': ('booster_interface/msg/LowState', 'booster_interface/msg/LowCmd'),
    'ros2_control': ('sensor_msgs/msg/JointState', 'sensor_msgs/msg/Imu',
                     'geometry_msgs/msg/WrenchStamped', 'std_msgs/msg/Float64MultiArray')}


class RobotWire(Protocol):
    """What the fake_robot node needs from a vendor wire."""

    # Read-only members (properties), so a wire's plain tuple attributes of any length match.
    @property
    def state_topics(self) -> tuple[tuple[str, str], ...]:
        """(topic, 'pkg/msg/Type'), in the order `encode` returns the messages."""

    @property
    def command_topics(self) -> tuple[tuple[str, str], ...]:
        """(topic, 'pkg/msg/Type') of every command the wire takes."""

    def encode(self, stamp_ns: int, tick_ms: int) -> list[bytes]:
        """Serialized state messages for the robot's current state."""

    def take_command(self, topic: str, raw: bytes) -> str | None:
        """Apply one serialized command; return why it was ignored, or None."""


def make_wire(robot: SimRobot, settings: FakeRobotSettings) -> RobotWire:
    """The wire of the robot's vendor family, configured by the node settings.

    Raises:
        UnknownNameError: A message package is not installed, or a controller joint unknown.
    """
    family = robot.spec.family
    definitions = fielddefs_for(WIRE_TYPES[family])
    if family in ('unitree_hg', 'unitree_go'):
        return UnitreeWire(robot, definitions, mode_machine=settings.mode_machine)
    if family == 'booster':
        return BoosterWire(robot, definitions)
    return Ros2ControlWire(robot, definitions, settings.controller_joints)
