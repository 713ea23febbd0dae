"""The `recorder` node: records topics as serialized messages into one rosbag2 bag per run.

Decision: the recorder writes CONTINUOUSLY from start to exit and marks episodes by the
EpisodeEvent messages it records on `interop/episode`; the exporter splits by those events.
Nothing is lost if an operator starts an episode late, a recording without any event still
exports as one episode, and the state machine only decides what the control service answers.
See docs/recording.md.

Parameters: `topics` (names, relative to the node's namespace unless absolute; types are
discovered from the graph, topics appearing later are added when they appear), `output`
(directory; the bag is `<output>/<bag_name>`), `bag_name` (default `recording_<UTC time>`),
`storage` (`mcap` default, or `sqlite3`), `flush_period_s` (crash safety, default 1 s),
`discovery_period_s` (default 0.5 s). Messages are never deserialized (raw subscriptions),
except the rare episode events. SIGINT and SIGTERM set a stop flag (interop_bridge.nodes.spin),
the spin loop ends and the bag is closed, so it is readable after either signal.
"""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import rclpy
from rcl_interfaces.msg import ParameterDescriptor, ParameterType
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from rclpy.serialization import deserialize_message, serialize_message
from rclpy.subscription import Subscription
from rclpy.topic_endpoint_info import TopicEndpointInfo
from rosbags.interfaces import Qos

from interop_bridge import topics as canonical_topics
from interop_bridge.ament import message_class
from interop_bridge.canonical import load_canonical
from interop_bridge.errors import InteropError
from interop_bridge.nodes.qos import qos_profile
from interop_bridge.nodes.spin import run_node
from interop_bridge.recording.bag_writer import BagWriter, bag_qos
from interop_bridge.recording.episode_state import EpisodeState
from interop_bridge.recording.topics import (
    DEFAULT_TOPICS, EPISODE_TYPE, PublisherQos, QosChoice, TopicPlan, plan_topic,
    qualified, waiting_for)
from interop_msgs.msg import EpisodeEvent
from interop_msgs.srv import ControlEpisode


class Recorder(Node):
    """Subscribes raw to the wanted topics and appends every message to the bag."""

    def __init__(self) -> None:
        super().__init__('recorder', start_parameter_services=False)
        self.spec = load_canonical()
        topics = self._parameter('topics', list(DEFAULT_TOPICS))
        output = Path(self._parameter('output', 'recordings'))
        name = self._parameter('bag_name', '') or time.strftime(
            'recording_%Y%m%dT%H%M%SZ', time.gmtime())
        namespace = self.get_namespace()
        self.wanted = [qualified(topic, namespace) for topic in topics]
        output.mkdir(parents=True, exist_ok=True)
        self.writer = BagWriter(_unique(output / name), self._parameter('storage', 'mcap'))
        try:
            self._start(namespace)
        except BaseException:
            self.writer.close()
            raise
        self.get_logger().info(f'recorder ready: {self.writer.path} ({self.writer.storage}), '
                               f'topics {self.wanted}')

    def _start(self, namespace: str) -> None:
        self.state = EpisodeState()
        self.episode_topic = qualified(canonical_topics.EPISODE, namespace)
        self._keep: dict[str, tuple[TopicPlan, Subscription]] = {}
        self._refused: set[str] = set()
        self._own_events: set[bytes] = set()
        episode_plan = plan_topic(self.episode_topic, [EPISODE_TYPE], namespace, self.spec, [])
        assert isinstance(episode_plan, TopicPlan), episode_plan
        self._subscribe(episode_plan)
        self.episode_publisher = self.create_publisher(EpisodeEvent, canonical_topics.EPISODE,
                                                       _rclpy_qos(episode_plan.qos))
        self.control = self.create_service(ControlEpisode, canonical_topics.EPISODE_CONTROL,
                                           self._on_control)
        self.create_timer(self._parameter('discovery_period_s', 0.5), self._discover)
        self.create_timer(self._parameter('flush_period_s', 1.0), self.writer.flush)
        self._discover()

    def _parameter(self, name: str, default: Any) -> Any:
        if not isinstance(default, list):
            return self.declare_parameter(name, default).value
        descriptor = ParameterDescriptor(type=ParameterType.PARAMETER_STRING_ARRAY)
        return self.declare_parameter(name, default, descriptor).value

    def _discover(self) -> None:
        graph = dict(self.get_topic_names_and_types())
        present, _ = waiting_for(self.wanted, set(self._keep) | self._refused, graph)
        for topic in present:
            infos = self.get_publishers_info_by_topic(topic)
            publishers = [_publisher_qos(info) for info in infos]
            plan = plan_topic(topic, graph[topic], self.get_namespace(), self.spec, publishers)
            if isinstance(plan, str):
                self._refuse(topic, plan)
            elif plan.qos.reason == 'canonical' or publishers:
                offered = [bag_qos(p.reliability, p.durability, p.depth) for p in publishers]
                try:
                    self._subscribe(plan, offered)
                except (InteropError, ImportError, AttributeError) as error:
                    self._refuse(topic, f'{topic}: cannot be recorded: {error}')

    def _refuse(self, topic: str, reason: str) -> None:
        self._refused.add(topic)
        self.get_logger().error(reason)

    def _subscribe(self, plan: TopicPlan, offered: list[Qos] | None = None) -> None:
        msg_class = message_class(plan.msgtype)
        offered = offered or [bag_qos(plan.qos.reliability, plan.qos.durability, plan.qos.depth)]
        self.writer.add_topic(plan.name, plan.msgtype, offered)
        callback = self._on_episode if plan.name == self.episode_topic else self._writer_for(
            plan.name)
        subscription = self.create_subscription(msg_class, plan.name, callback,
                                                _rclpy_qos(plan.qos), raw=True)
        self._keep[plan.name] = (plan, subscription)
        self.get_logger().info(f'recording {plan.name} ({plan.msgtype}, {plan.qos.reliability}, '
                               f'{plan.qos.durability}, depth {plan.qos.depth}, '
                               f'{plan.qos.reason} QoS)')

    def _writer_for(self, topic: str) -> Callable[[bytes], None]:
        clock, writer = self.get_clock(), self.writer

        def on_message(data: bytes) -> None:
            if writer.is_open:
                writer.write(topic, clock.now().nanoseconds, data)
        return on_message

    def _on_episode(self, data: bytes) -> None:
        if not self.writer.is_open:
            return
        if data in self._own_events:
            self._own_events.discard(data)  # our own service event, already written
            return
        self.writer.write(self.episode_topic, self.get_clock().now().nanoseconds, data)
        event = deserialize_message(data, EpisodeEvent)
        decision = self.state.apply(event.type, event.episode_id, event.task)
        self._log_decision(f'episode event on {self.episode_topic}', decision.accepted,
                           decision.message)

    def _on_control(self, request: Any, response: Any) -> Any:
        event = request.event
        decision = self.state.apply(event.type, event.episode_id, event.task)
        response.accepted, response.message = decision.accepted, decision.message
        response.episode_id = decision.episode_id
        if decision.accepted and self.writer.is_open:
            now = self.get_clock().now()
            event.episode_id = decision.episode_id
            if event.header.stamp.sec == 0 and event.header.stamp.nanosec == 0:
                event.header.stamp = now.to_msg()
            data = serialize_message(event)
            self.writer.write(self.episode_topic, now.nanoseconds, data)
            self._own_events.add(data)
            self.episode_publisher.publish(data)
        self._log_decision('control', decision.accepted, decision.message)
        return response

    def _log_decision(self, where: str, accepted: bool, message: str) -> None:
        # rclpy refuses one call site logging at two severities: keep two call sites.
        if accepted:
            self.get_logger().info(f'{where}: {message}')
        else:
            self.get_logger().warning(f'{where}: refused: {message}')

    def close_bag(self) -> None:
        """Finish the bag and log what was recorded, per topic."""
        if self.writer.is_open:
            self.writer.close()
            # Not the node's logger: it would also publish to /rosout, whose context may be gone.
            rclpy.logging.get_logger('recorder.exit').info(
                f'bag closed: {self.writer.summary()}')


def _unique(path: Path) -> Path:
    candidate, number = path, 2
    while candidate.exists():
        candidate, number = path.with_name(f'{path.name}_{number}'), number + 1
    return candidate


def _publisher_qos(info: TopicEndpointInfo) -> PublisherQos:
    profile = info.qos_profile
    reliable = profile.reliability == ReliabilityPolicy.RELIABLE
    latched = profile.durability == DurabilityPolicy.TRANSIENT_LOCAL
    return PublisherQos('reliable' if reliable else 'best_effort',
                        'transient_local' if latched else 'volatile', int(profile.depth))


def _rclpy_qos(choice: QosChoice) -> QoSProfile:
    return qos_profile(choice.reliability, choice.durability, choice.depth)


def _close(node: Recorder) -> None:
    # A second Ctrl-C or SIGTERM must not interrupt writing the bag's index.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    node.close_bag()


def main(args: list[str] | None = None) -> int:
    """Record until SIGINT or SIGTERM; the bag is closed (readable) on either."""
    return run_node(Recorder, args, 'recorder', on_exit=_close)


if __name__ == '__main__':
    sys.exit(main())
