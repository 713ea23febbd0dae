"""The `bridge` node: one vendor robot onto the canonical interface, and commands back.

    ros2 run interop_bridge bridge --ros-args -p profile:=unitree_g1_29dof -r __ns:=/g1

Parameters: `profile` (a shipped profile name or a path to a profile file, read only), `hands`
(a hand profile of config/hands/ for the hands fitted, '' for none: nodes/hand_streams.py),
`diagnostics_period` [s], `vendor_silence_warning_s` [s] (after this long without any vendor
state since start, the bridge logs once which DDS topic and type it waits for and what to
check, and /diagnostics says the same; 0 disables). Vendor topics are the profile's: absolute
where the vendor's are (`/lowstate`), else in the node's namespace. Vendor state arrives as
serialized bytes and is decoded with numpy (no per-field Python message objects); canonical
state, the standard JointState/Imu copies and the latched embodiment go out in the robot's
namespace. Canonical commands are checked against the profile (interop_bridge.command_safety)
and leave as serialized vendor commands. A bad profile is logged and the node exits with status
1 before touching any topic.
"""

from __future__ import annotations

import sys
import time

import rclpy
from builtin_interfaces.msg import Time
from diagnostic_msgs.msg import DiagnosticArray
from geometry_msgs.msg import WrenchStamped
from rclpy.clock import ROSClock
from rclpy.node import Node
from rcl_interfaces.msg import ParameterDescriptor
from rclpy.publisher import Publisher
from rclpy.qos import QoSProfile

from interop_bridge import topics
from interop_bridge.ament import message_class
from interop_bridge.bridge_core import BridgeCore, command_from_arrays
from interop_bridge.canonical import load_canonical
from interop_bridge.errors import Problem, ProfileError
from interop_bridge.hands.hand_profile import load_hand_profile
from interop_bridge.msgdefs import fielddefs_for
from interop_bridge.nodes import canonical_messages as build
from interop_bridge.nodes.bridge_diagnostics import bridge_diagnostics
from interop_bridge.nodes.hand_streams import HandStreams
from interop_bridge.nodes.qos import canonical_qos, qos_profile
from interop_bridge.nodes.spin import run_node
from interop_bridge.profile import load_profile
from interop_bridge.state_mapping import CanonicalState
from interop_bridge.stream_health import AwaitedStream, SilenceWatch
from interop_bridge.vendors.registry import message_types
from interop_msgs.msg import Embodiment, HandState, WholeBodyCommand, WholeBodyState
from sensor_msgs.msg import Imu, JointState

LISTENER_REFRESH_S = 0.5
VENDOR_SILENCE_WARNING_S = 3.0  # default of the vendor_silence_warning_s parameter
WATCHDOG_PERIOD_S = 0.02  # how often a silent vendor state stream is checked
PENDING_LIMIT = 64  # messages taken from one queue before a watchdog decides
STANDARD_COPIES = ('joint_states', 'native', 'imu')  # built only while someone listens
# Vendor streams: best effort matches reliable and best-effort vendor publishers alike; a deep
# queue rides out scheduler stalls of tens of milliseconds at 1 kHz without dropping.
VENDOR_QOS = qos_profile('best_effort', 'volatile', 50)
STAMP_SOURCES = {'vendor': WholeBodyState.STAMP_SOURCE_VENDOR,
                 'receive': WholeBodyState.STAMP_SOURCE_RECEIVE}


class BridgeNode(Node):
    """Publishes canonical state from vendor state and forwards checked commands."""

    def __init__(self) -> None:
        super().__init__('bridge', start_parameter_services=False)
        self.declare_parameter('profile', '', ParameterDescriptor(
            description='shipped profile name or path to a profile file', read_only=True))
        self.declare_parameter('hands', '', ParameterDescriptor(
            description="hand profile of the hands fitted ('': none)", read_only=True))
        self.declare_parameter('diagnostics_period', 1.0, ParameterDescriptor(
            description='seconds between /diagnostics messages'))
        self.declare_parameter('vendor_silence_warning_s', VENDOR_SILENCE_WARNING_S,
                               ParameterDescriptor(
                                   description='seconds without any vendor state after start '
                                   'before the bridge says what it waits for; 0: never',
                                   read_only=True))
        spec = load_canonical()
        profile = load_profile(self.get_parameter('profile').value or '<no profile given>')
        self.spec, self.profile = spec, profile
        fielddefs = fielddefs_for(message_types(profile))
        self.core = BridgeCore(profile, spec, fielddefs)
        self._outputs = self._make_publishers()
        # Per-state outputs leave as bytes from fixed CDR images (interop_bridge.cdr_image).
        self._images = build.StateOutputs(fielddefs, spec.joint_names,
                                          profile.imu.frame, spec.task_frames)
        self._lazy_messages = {key for key in self._outputs
                               if key.startswith(('hand_', 'wrench_'))}
        clock = self.get_clock()
        self._system_time = not (isinstance(clock, ROSClock) and clock.ros_time_is_active)
        self._vendor_command = self.create_publisher(
            message_class(self.core.codec.command_type), profile.topics.command,
            QoSProfile(depth=10))
        self._make_subscriptions()
        self.hands = self._attach_hands(str(self.get_parameter('hands').value))
        self._awaited = AwaitedStream(self._state_subscription.topic_name,
                                      self.core.codec.state_type, self.context.get_domain_id())
        self._silence = SilenceWatch(
            float(self.get_parameter('vendor_silence_warning_s').value), time.monotonic())
        period = float(self.get_parameter('diagnostics_period').value)
        self.create_timer(period, self._publish_diagnostics)
        # Standard copies nobody subscribes to are not built (like topic_tools' lazy relays);
        # the subscriber counts are refreshed twice a second, not asked per message.
        self._listened: set[str] = set(self._outputs)
        self.create_timer(LISTENER_REFRESH_S, self._refresh_listeners)
        self._announced_timeout = False
        self._announced_stale = False
        # Without vendor state nothing else runs: the watchdog sends the safe command then.
        self.create_timer(WATCHDOG_PERIOD_S, self._watch_vendor_state)
        self._outputs['embodiment'].publish(
            build.embodiment(profile, spec, self.get_clock().now().to_msg()))
        self.get_logger().info(
            f'bridge ready: {profile.name} ({profile.vendor} {profile.model}), '
            f'state {self._awaited.ros_topic} -> interop/state, interop/command -> '
            f'{self._vendor_command.topic_name}')

    def _attach_hands(self, name: str) -> HandStreams | None:
        """The hand streams of the hand profile `name` ('': no hands)."""
        if not name:
            return None
        hands = load_hand_profile(name)
        grippers = sorted({gripper.side for gripper in self.profile.grippers})
        if grippers:
            msg = (f'hands:={name}: profile {self.profile.name} already publishes the '
                   f'{" and ".join(grippers)} hand state from its grippers')
            raise ProfileError([Problem(self.profile.source_file, 'grippers', grippers, msg)])
        return HandStreams(self, hands, self.spec)

    def _make_publishers(self) -> dict[str, Publisher]:
        qos = {topic.name: canonical_qos(topic) for topic in self.spec.topics}

        def publisher(kind: type, name: str, declared: str | None = None) -> Publisher:
            return self.create_publisher(kind, name, qos[declared or name])
        publishers = {
            'state': publisher(WholeBodyState, topics.STATE),
            'joint_states': publisher(JointState, topics.JOINT_STATES),
            'native': publisher(JointState, topics.NATIVE_JOINT_STATES),
            'imu': publisher(Imu, topics.IMU),
            'embodiment': publisher(Embodiment, topics.EMBODIMENT),
            'diagnostics': publisher(DiagnosticArray, topics.DIAGNOSTICS),
        }
        for side in {gripper.side for gripper in self.profile.grippers}:
            publishers[f'hand_{side}'] = publisher(HandState, topics.hand_state(side))
        for sensor in self.profile.wrenches:
            publishers[f'wrench_{sensor.frame}'] = publisher(
                WrenchStamped, topics.wrench(sensor.frame), topics.WRENCH_PATTERN)
        return publishers

    def _make_subscriptions(self) -> None:
        for vendor in self.core.vendor_topics():
            if vendor.role == 'command':
                continue
            callback = {'state': self._on_state, 'imu': self.core.on_imu}.get(
                vendor.role, lambda raw, frame=vendor.role: self.core.on_wrench(frame, raw))
            subscription = self.create_subscription(message_class(vendor.typename),
                                                    vendor.topic, callback, VENDOR_QOS, raw=True)
            if vendor.role == 'state':
                self._state_subscription = subscription
        command_qos = canonical_qos(self.spec.topic(topics.COMMAND))
        self._command_subscription = self.create_subscription(
            WholeBodyCommand, topics.COMMAND, self._on_command, command_qos)

    def _on_state(self, raw: bytes) -> None:
        self._take_state(raw)
        self._send_safe_command_if_due()

    def _take_state(self, raw: bytes) -> None:
        receive_ns = self._receive_ns()
        state = self.core.on_state(raw, time.monotonic())
        if state is None:
            return
        stamp_ns, source = self.core.stamp_ns(state, receive_ns)
        publishers, listened, outputs = self._outputs, self._listened, self._images
        publishers['state'].publish(outputs.state(
            state, stamp_ns=stamp_ns, receive_ns=receive_ns,
            stamp_source=STAMP_SOURCES[source], wrenches=self.core.wrenches))
        if 'joint_states' in listened:
            publishers['joint_states'].publish(outputs.joint_state(state, stamp_ns))
        if 'native' in listened and self.core.native is not None:  # (set with the state)
            publishers['native'].publish(outputs.native(self.core.native, self.core.mapper,
                                                        stamp_ns))
        if state.imu is not None and 'imu' in listened:
            publishers['imu'].publish(outputs.imu(state.imu, stamp_ns))
        if self._lazy_messages & listened:
            stamp = build.to_time(stamp_ns)
            self._publish_hands(state, stamp)
            self._publish_wrenches(stamp)

    def _receive_ns(self) -> int:
        """ROS time now: the system clock unless the node runs on simulated time."""
        if self._system_time:
            return time.time_ns()
        return self.get_clock().now().nanoseconds

    def _take_pending(self) -> None:
        """Handle the vendor states and commands that already arrived, before a watchdog
        judges a stream silent: after this process was not scheduled for a while, they wait
        in their queues behind the callback that is running, yet they did arrive in time."""
        for subscription, handle in ((self._state_subscription, self._take_state),
                                     (self._command_subscription, self._on_command)):
            for _ in range(PENDING_LIMIT):
                with subscription.handle:
                    taken = subscription.handle.take_message(subscription.msg_type,
                                                             subscription.raw)
                if taken is None:
                    break
                handle(taken[0])

    def _refresh_listeners(self) -> None:
        self._listened = {key for key, publisher in self._outputs.items()
                          if not _lazy(key) or publisher.get_subscription_count() > 0}

    def _publish_wrenches(self, stamp: Time) -> None:
        for frame, wrench in self.core.wrenches.items():
            if f'wrench_{frame}' in self._listened:
                self._outputs[f'wrench_{frame}'].publish(build.wrench_message(frame, wrench,
                                                                              stamp))

    def _publish_hands(self, state: CanonicalState, stamp: Time) -> None:
        channels = len(self.spec.hand_channels)
        for side_index, side in enumerate(self.spec.hand_sides):
            publisher = self._outputs.get(f'hand_{side}')
            if publisher is not None and f'hand_{side}' in self._listened:
                columns = slice(side_index * channels, (side_index + 1) * channels)
                publisher.publish(build.hand_state(side_index, state.hand_closure[columns],
                                                   state.hand_valid[columns], stamp))

    def _watch_vendor_state(self) -> None:
        self._watch_silence()
        if self.core.state_is_stale(time.monotonic()):
            self._take_pending()
        if not self.core.state_is_stale(time.monotonic()):
            self._announced_stale = False
            return
        if not self._announced_stale:
            self._announced_stale = True
            self.get_logger().warning(
                f'vendor state {self.profile.topics.state} older than '
                f'{self.profile.command.state_timeout_s} s: canonical commands are refused, the '
                f'safe command ({self.profile.command.on_timeout}) is sent if commands were')
        self._send_safe_command_if_due()

    def _watch_silence(self) -> None:
        """Say once what the bridge waits for when no vendor state came since start."""
        now, count = time.monotonic(), self.core.health['state'].count
        if self._silence.announce(now, count):
            self.get_logger().warning(self._awaited.silence_message(now - self._silence.start_s))
        elif self._silence.arrived(count):
            self.get_logger().info(
                f'vendor state arrived on {self._awaited.dds_topic} '
                f'({self._awaited.ros_topic}) {now - self._silence.start_s:.1f} s after start')

    def _send_safe_command_if_due(self) -> None:
        if self.core.watchdog_due(time.monotonic()):
            self._take_pending()
        payload = self.core.safe_command_due(time.monotonic())
        if payload is None:
            self._announced_timeout = False
            return
        if not self._announced_timeout and not self.core.state_stale:
            self._announced_timeout = True
            self.get_logger().warning(
                f'canonical commands stopped for more than {self.profile.command.timeout_s} s: '
                f'sending the safe command ({self.profile.command.on_timeout})')
        self._vendor_command.publish(payload)

    def _on_command(self, message: WholeBodyCommand) -> None:
        command = command_from_arrays(
            self.spec.joint_count, message.commanded, message.position, message.velocity,
            message.effort, message.stiffness, message.damping)
        result = self.core.on_command(command, time.monotonic())
        if result.payload is None:
            self.get_logger().warning(f'command rejected: {result.outcome.rejected}',
                                      throttle_duration_sec=1.0)
            return
        if result.outcome.ignored:
            self.get_logger().warning(
                f'command ignored joints the robot lacks: {list(result.outcome.ignored)}',
                throttle_duration_sec=5.0)
        self._vendor_command.publish(result.payload)

    def _publish_diagnostics(self) -> None:
        prefix, now_s = self.get_namespace().rstrip('/'), time.monotonic()
        array = bridge_diagnostics(
            self.core, prefix=prefix, hardware_id=self.profile.name, now_s=now_s,
            stamp=self.get_clock().now().to_msg(), awaited=self._awaited, silence=self._silence)
        if self.hands is not None:
            array.status.extend(self.hands.statuses(prefix, now_s))
        self._outputs['diagnostics'].publish(array)


def _lazy(key: str) -> bool:
    """Whether an output is a standard copy, built only while it has subscribers."""
    return key in STANDARD_COPIES or key.startswith(('hand_', 'wrench_'))


def main(args: list[str] | None = None) -> int:
    """Run the bridge until SIGINT/SIGTERM; exit 1 when the profile cannot be used."""
    return run_node(BridgeNode, args, 'bridge', on_exit=_log_summary)


def _log_summary(node: BridgeNode) -> None:
    # The node's own logger would also publish to /rosout, whose context may be gone.
    rclpy.logging.get_logger('bridge.exit').info(f'bridge: {node.core.summary()}')


if __name__ == '__main__':
    sys.exit(main())
