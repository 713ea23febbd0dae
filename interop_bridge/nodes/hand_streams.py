"""The bridge's hand streams: a hand profile's vendor topics onto the canonical hand topics.

Built by the bridge node when its `hands` parameter names a hand profile. Per side:
- vendor hand state (raw bytes, the hand's codec) -> `interop/hand/<side>/state` (closure,
  validity, native joints and unit) and, for hands with tactile pads,
  `interop/tactile/<side>` (one TactileArray per pad, "no reading" taxels invalid and NaN),
  stamped on receipt (no shipped hand's state carries a vendor stamp);
- `interop/hand/<side>/command` -> the vendor hand command (hands/hand_bridge_core.py:
  limits, NaN, no command before a state, the safe command when commands stop);
- a /diagnostics status per stream (state, tactile, command), like the body's.
"""

from __future__ import annotations

import array
import functools
import time

import numpy as np
from diagnostic_msgs.msg import DiagnosticStatus, KeyValue
from rclpy.node import Node
from rclpy.qos import QoSProfile

from interop_bridge import topics
from interop_bridge.ament import message_class
from interop_bridge.canonical import CanonicalSpec
from interop_bridge.errors import MappingError
from interop_bridge.hands.hand_bridge_core import HandPairCore, HandSample
from interop_bridge.hands.hand_profile import HandProfile
from interop_bridge.nodes.qos import canonical_qos, qos_profile
from interop_bridge.stream_health import StreamHealth, stream_status
from interop_msgs.msg import HandCommand, HandState, TactileArray, TactileState

SIDE_CODES = {'left': HandState.SIDE_LEFT, 'right': HandState.SIDE_RIGHT}
FRAMES = {'left': 'l_gripper', 'right': 'r_gripper'}
VENDOR_QOS = qos_profile('best_effort', 'volatile', 50)
TIMEOUT_PERIOD_S = 0.02
SILENT_PERIODS = 10  # a state stream silent this many nominal periods is reported


class HandStreams:
    """Every hand stream of one bridge node."""

    def __init__(self, node: Node, profile: HandProfile, spec: CanonicalSpec) -> None:
        self.node, self.profile = node, profile
        self.core = HandPairCore(profile)
        qos = {topic.name: canonical_qos(topic) for topic in spec.topics}
        rate = profile.state_rate_hz
        self.health: dict[str, StreamHealth] = {}
        self._state_out, self._tactile_out = {}, {}
        for side in self.core.sides:
            self.health[f'hand_{side}'] = StreamHealth(f'hand {side} state', rate)
            self.health[f'hand_{side}_command'] = StreamHealth(f'hand {side} command')
            self._state_out[side] = node.create_publisher(
                HandState, topics.hand_state(side), qos[topics.hand_state(side)])
            if profile.tactile:
                self.health[f'tactile_{side}'] = StreamHealth(f'tactile {side}', rate)
                self._tactile_out[side] = node.create_publisher(
                    TactileState, topics.tactile(side), qos[topics.tactile(side)])
            node.create_subscription(HandCommand, topics.hand_command(side),
                                     functools.partial(self._on_command, side),
                                     qos[topics.hand_command(side)])
        self._vendor_out = {topic: node.create_publisher(
            message_class(profile.command_type), topic, QoSProfile(depth=10))
            for topic in sorted({side.command_topic for side in profile.sides})}
        for topic in self.core.state_topics():
            node.create_subscription(message_class(profile.state_type), topic,
                                     functools.partial(self._on_state, topic), VENDOR_QOS,
                                     raw=True)
        node.create_timer(TIMEOUT_PERIOD_S, self._check_timeouts)

    def _on_state(self, topic: str, raw: bytes) -> None:
        now = time.monotonic()
        stamp = self.node.get_clock().now().to_msg()
        try:
            samples = self.core.on_state(topic, raw, now)
        except MappingError as error:
            for side in self.core.state_topics()[topic]:
                self.health[f'hand_{side}'].malformed += 1
            self.node.get_logger().warning(f'hand state on {topic} not decoded: {error}',
                                           throttle_duration_sec=2.0)
            return
        for sample in samples:
            self.health[f'hand_{sample.side}'].received(now)
            self._state_out[sample.side].publish(self._hand_state(sample, stamp))
            if sample.side in self._tactile_out:
                self.health[f'tactile_{sample.side}'].received(now)
                self._tactile_out[sample.side].publish(_tactile_state(sample, stamp))

    def _hand_state(self, sample: HandSample, stamp: object) -> HandState:
        message = HandState()
        message.header.stamp = stamp
        message.header.frame_id = FRAMES[sample.side]
        message.side = SIDE_CODES[sample.side]
        message.closure = array.array('f', sample.closure.astype(np.float32).tobytes())
        message.valid = [bool(value) for value in sample.valid]
        message.native_name = list(sample.native_name)
        message.native_position = array.array('d', sample.native_position.tobytes())
        message.native_velocity = array.array('d', sample.native_velocity.tobytes())
        message.native_effort = array.array('d', sample.native_effort.tobytes())
        message.native_unit = self.profile.native_unit
        return message

    def _on_command(self, side: str, message: HandCommand) -> None:
        health = self.health[f'hand_{side}_command']
        try:
            topic, raw = self.core.on_command(side, np.asarray(message.closure, np.float64),
                                              np.asarray(message.commanded, bool),
                                              time.monotonic())
        except MappingError as error:
            health.reject(str(error).split(':')[0])
            self.node.get_logger().warning(f'hand command rejected: {error}',
                                           throttle_duration_sec=1.0)
            return
        health.received(time.monotonic())
        self._vendor_out[topic].publish(raw)

    def _check_timeouts(self) -> None:
        for side, topic, raw in self.core.check_timeouts(time.monotonic()):
            self.health[f'hand_{side}_command'].timeouts += 1
            self.node.get_logger().warning(
                f'{side} hand commands stopped for more than '
                f'{self.profile.command.timeout_s} s: sending the safe command '
                f'({self.profile.command.on_timeout})')
            self._vendor_out[topic].publish(raw)

    def statuses(self, prefix: str, now_s: float) -> list[DiagnosticStatus]:
        """One /diagnostics status per hand stream."""
        found = []
        for key, health in self.health.items():
            snapshot = health.snapshot(now_s)
            silent = (not key.endswith('_command') and health.nominal_rate_hz > 0 and
                      snapshot.age_s * health.nominal_rate_hz > SILENT_PERIODS)
            ongoing = (f'no {snapshot.name} for {snapshot.age_s:.1f} s' if silent and
                       snapshot.count else f'no {snapshot.name} yet' if silent else None)
            warn, message = stream_status(snapshot, ongoing)
            pairs = snapshot.as_pairs()
            if not key.endswith('_command'):
                pairs.append(('stamp_source', f'{self.profile.stamp_source}: the vendor '
                              'message has no time stamp, samples are stamped on receipt'))
            found.append(DiagnosticStatus(
                name=f'{prefix}/bridge: {snapshot.name}', hardware_id=self.profile.name,
                level=DiagnosticStatus.WARN if warn else DiagnosticStatus.OK, message=message,
                values=[KeyValue(key=k, value=v) for k, v in pairs]))
        return found


def _tactile_state(sample: HandSample, stamp: object) -> TactileState:
    message = TactileState()
    message.header.stamp = stamp
    message.header.frame_id = FRAMES[sample.side]
    message.side = SIDE_CODES[sample.side]
    for reading in sample.tactile:
        patch = TactileArray()
        patch.patch = f'{sample.side}_{reading.patch}'
        patch.frame_id = FRAMES[sample.side]
        patch.layout = TactileArray.LAYOUT_GRID
        patch.rows, patch.cols, patch.components = reading.rows, reading.cols, 1
        patch.values = array.array('f', reading.values.astype(np.float32).tobytes())
        patch.valid = [bool(value) for value in reading.valid]
        patch.unit = reading.unit
        patch.temperature = array.array('f', reading.temperature.astype(np.float32).tobytes())
        message.patches.append(patch)
    return message
