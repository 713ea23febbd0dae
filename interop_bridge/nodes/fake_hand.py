"""fake_hand: a simulated pair of dexterous hands on the vendor's own topics.

    ros2 run interop_bridge fake_hand --ros-args -p hand:=unitree_dex3_1

Parameters (read once at start):
  hand         a shipped hand profile name or a hand profile file      (required)
  rate_hz      state rate [Hz]; 0: the profile's state_rate_hz           (default 0)
  firmware     the message generation to speak ('': the profile's)      (default '')
  fitted_pads  tactile pads with a sensor; the others read the vendor's
               "no reading" value                                        (default 6)

Topics: the hand profile's, absolute where the vendor's are (Dex3: /dex3/<side>/state out,
/dex3/<side>/cmd in; Unitree's Inspire service: /inspire/state out, /inspire/cmd in). State
is published as serialized vendor bytes (interop_bridge/sim/hand_sim.py), commands are read
from raw bytes with the hand's own codec; a command that does not decode is ignored, counted
and logged at a throttled rate. A bad hand profile is logged and the node exits 1.
"""

from __future__ import annotations

import dataclasses
import functools
import sys
import time

import rclpy
from rcl_interfaces.msg import ParameterDescriptor
from rclpy.node import Node
from rclpy.qos import QoSProfile, ReliabilityPolicy

from interop_bridge.ament import message_class
from interop_bridge.errors import InteropError
from interop_bridge.hands.hand_profile import load_hand_profile
from interop_bridge.nodes.spin import run_node
from interop_bridge.sim.hand_sim import SimHands

STATE_QOS = QoSProfile(depth=10)
COMMAND_QOS = QoSProfile(depth=10, reliability=ReliabilityPolicy.BEST_EFFORT)
LOG_THROTTLE_S = 2.0


class FakeHandNode(Node):
    """Publishes simulated hand states at a fixed rate and applies the commands it receives."""

    def __init__(self) -> None:
        super().__init__('fake_hand')
        for name, default, meaning in (
                ('hand', '', 'shipped hand profile name or hand profile file'),
                ('rate_hz', 0.0, "state rate [Hz]; 0: the profile's state_rate_hz"),
                ('firmware', '', "message generation ('': the profile's)"),
                ('fitted_pads', 6, 'tactile pads with a sensor')):
            self.declare_parameter(name, default, ParameterDescriptor(description=meaning,
                                                                      read_only=True))
        profile = load_hand_profile(self.get_parameter('hand').value or '<no hand given>')
        firmware = str(self.get_parameter('firmware').value)
        if firmware:
            profile = dataclasses.replace(profile, firmware=firmware)
        self.hands = SimHands(profile, int(self.get_parameter('fitted_pads').value))
        rate = float(self.get_parameter('rate_hz').value) or profile.state_rate_hz
        self._state_out = {topic: self.create_publisher(
            message_class(profile.state_type), topic, STATE_QOS) for topic in self.hands.topics}
        for topic in sorted({side.command_topic for side in profile.sides}):
            self.create_subscription(message_class(profile.command_type), topic,
                                     functools.partial(self._on_command, topic), COMMAND_QOS,
                                     raw=True)
        self.ignored = 0
        self._last = time.monotonic()
        self.create_timer(1.0 / rate, self._publish_state)
        self.get_logger().info(
            f'fake_hand ready: {profile.name} ({self.hands.codec.__class__.__name__}, firmware '
            f"{profile.firmware or '-'}) at {rate:g} Hz on {', '.join(self.hands.topics)}")

    def _publish_state(self) -> None:
        now = time.monotonic()
        for topic, raw in self.hands.state_messages(now - self._last).items():
            self._state_out[topic].publish(raw)
        self._last = now

    def _on_command(self, topic: str, raw: bytes) -> None:
        try:
            self.hands.apply_command(topic, raw)
        except InteropError as error:
            self.ignored += 1
            self.get_logger().warning(f'ignored command on {topic}: {error} ({self.ignored} '
                                      'ignored so far)', throttle_duration_sec=LOG_THROTTLE_S)

    def summary(self) -> str:
        """Counts of what the node did, for the log at exit."""
        return f'fake_hand: {self.hands.commands} commands applied, {self.ignored} ignored'


def _log_summary(node: FakeHandNode) -> None:
    rclpy.logging.get_logger('fake_hand.exit').info(node.summary())


def main(args: list[str] | None = None) -> int:
    """Run the simulated hands until SIGINT or SIGTERM; exit 1 on a bad hand profile."""
    return run_node(FakeHandNode, args, 'fake_hand', on_exit=_log_summary)


if __name__ == '__main__':
    sys.exit(main())
