"""`canonical_controller`: one small controller that drives any robot through the canonical
interface, the same code for every robot (the point of the whole suite).

For each robot namespace in `robots` it reads the latched embodiment (which joints exist) and
the canonical state, then commands a slow, gentle arm wave around the pose it found: shoulder
pitch and elbow of both arms, `amplitude` rad at `frequency_hz`, every other joint held where it
was; every target is kept inside the joint's position limits that the robot's embodiment
declares (a wave around a pose near a limit is cut at that limit, never asked beyond it).
It also marks recording episodes: `episodes` episodes of `episode_s` seconds, each opened with
an EpisodeEvent START carrying `task`, closed with STOP and labelled SUCCESS, published on each
robot's interop/episode topic. When the episodes are done it logs "episodes done", keeps
commanding the robots at the pose it found them in for `hold_after_s` seconds, and exits (with
`episodes` 0 it runs until stopped). Whoever stops the graph on "episodes done" (the demo) stops
it while commands still flow, so no bridge sees its commands stop and no watchdog fires.
"""

from __future__ import annotations

import math
import sys
import time
import uuid
from typing import Any

import numpy as np
from rcl_interfaces.msg import ParameterDescriptor
from rclpy.node import Node
from rclpy.subscription import Subscription

from interop_bridge import topics
from interop_bridge.canonical import load_canonical
from interop_bridge.nodes.qos import canonical_qos
from interop_bridge.nodes.spin import run_node
from interop_msgs.msg import Embodiment, EpisodeEvent, WholeBodyCommand, WholeBodyState

WAVE_JOINTS = ('left_shoulder_pitch', 'left_elbow', 'right_shoulder_pitch', 'right_elbow')
SETTLE_S = 1.0  # between episodes
RECORDER_WAIT_S = 5.0  # how long to wait for someone to listen to the episode events


class RobotLink:
    """What the controller knows about one robot."""

    def __init__(self, node: CanonicalController, namespace: str) -> None:
        spec = node.spec
        self.namespace = namespace.rstrip('/')
        self.present: np.ndarray | None = None
        self.lower: np.ndarray | None = None  # position limits from the embodiment [rad]
        self.upper: np.ndarray | None = None
        self.home: np.ndarray | None = None

        def qualified(name: str) -> str:
            return f'{self.namespace}/{name}'
        node.create_subscription(Embodiment, qualified(topics.EMBODIMENT), self._on_embodiment,
                                 canonical_qos(spec.topic(topics.EMBODIMENT)))
        # Only the first state is needed (the pose to wave around): the subscription is
        # dropped once it arrived, so the 500 Hz state stream costs this node nothing after.
        self.state: Subscription | None = node.create_subscription(
            WholeBodyState, qualified(topics.STATE), self._on_state,
            canonical_qos(spec.topic(topics.STATE)))
        self.command = node.create_publisher(WholeBodyCommand, qualified(topics.COMMAND),
                                             canonical_qos(spec.topic(topics.COMMAND)))
        self.episode = node.create_publisher(EpisodeEvent, qualified(topics.EPISODE),
                                             canonical_qos(spec.topic(topics.EPISODE)))

    def _on_embodiment(self, message: Embodiment) -> None:
        self.present = np.asarray([joint.present for joint in message.joints], dtype=bool)
        self.lower = np.asarray([joint.position_min for joint in message.joints], dtype=float)
        self.upper = np.asarray([joint.position_max for joint in message.joints], dtype=float)

    def _on_state(self, message: WholeBodyState) -> None:
        if self.home is None:
            self.home = np.nan_to_num(np.asarray(message.position, dtype=np.float64))

    @property
    def ready(self) -> bool:
        """Embodiment and a first state seen."""
        return self.present is not None and self.home is not None


class CanonicalController(Node):
    """Waves the arms of every robot it is given, through canonical commands only."""

    def __init__(self) -> None:
        super().__init__('canonical_controller', start_parameter_services=False)
        params = {
            'robots': (['/g1', '/t1'], 'robot namespaces to drive'),
            'rate_hz': (50.0, 'command rate [Hz]'),
            'amplitude': (0.25, 'wave amplitude [rad]'),
            'frequency_hz': (0.5, 'wave frequency [Hz]'),
            'episodes': (2, 'episodes to mark, then exit (0: run forever, no episodes)'),
            'episode_s': (4.0, 'length of one episode [s]'),
            'task': ('wave both arms', 'task text of the episodes'),
            'hold_after_s': (2.0, 'after the episodes: seconds of holding the pose, then exit'),
        }
        for name, (default, description) in params.items():
            self.declare_parameter(name, default, ParameterDescriptor(description=description))

        def value(name: str) -> Any:  # rclpy types parameter values as Any
            return self.get_parameter(name).value
        self.spec = load_canonical()
        self.links = [RobotLink(self, namespace) for namespace in value('robots')]
        self.amplitude: float = value('amplitude')
        self.frequency: float = value('frequency_hz')
        self.episodes: int = value('episodes')
        self.episode_s: float = value('episode_s')
        self.task: str = value('task')
        self.hold_after_s: float = value('hold_after_s')
        self.wave_index = np.asarray([self.spec.joint_index(name) for name in WAVE_JOINTS])
        self.started: float | None = None
        self.created = time.monotonic()
        self.episode_open: str | None = None
        self.finished: float | None = None  # when the episodes were done (elapsed)
        self.done = False
        self.create_timer(1.0 / value('rate_hz'), self._tick)
        self.get_logger().info(f'canonical controller ready for {value("robots")}')

    def _tick(self) -> None:
        for link in self.links:
            if link.home is not None and link.state is not None:
                self.destroy_subscription(link.state)
                link.state = None
        if not all(link.ready for link in self.links) or not self._recorders_listening():
            return
        now = time.monotonic()
        if self.started is None:
            self.started = now
            self.get_logger().info('all robots ready: driving them through interop/command')
        elapsed = now - self.started
        wave = self.finished is None
        for link in self.links:
            link.command.publish(self._command(link, elapsed, wave=wave))
        if self.episodes:
            self._mark_episodes(elapsed)

    def _recorders_listening(self) -> bool:
        """Episode events only matter if recorded: wait (a little) for their subscribers."""
        if not self.episodes or self.started is not None:
            return True
        listening = all(link.episode.get_subscription_count() > 0 for link in self.links)
        return listening or time.monotonic() - self.created > RECORDER_WAIT_S

    def _command(self, link: RobotLink, elapsed: float, *, wave: bool) -> WholeBodyCommand:
        assert link.home is not None and link.present is not None  # _tick: every link ready
        assert link.lower is not None and link.upper is not None  # with present
        target = link.home.copy()
        offset = self.amplitude * math.sin(2 * math.pi * self.frequency * elapsed) if wave \
            else 0.0
        target[self.wave_index] += [-offset, offset, -offset, offset]
        target = np.where(link.present, np.clip(target, link.lower, link.upper), target)
        message = WholeBodyCommand()
        message.header.stamp = self.get_clock().now().to_msg()
        message.commanded = [bool(flag) for flag in link.present]
        message.position = [float(value) for value in target]
        return message

    def _mark_episodes(self, elapsed: float) -> None:
        period = self.episode_s + SETTLE_S
        index, phase = divmod(elapsed, period)
        if index >= self.episodes:
            if self.finished is None:
                self.finished = elapsed
                self.get_logger().info(f'{self.episodes} episodes done: holding the robots for '
                                       f'{self.hold_after_s:g} s, then exiting')
            self.done = elapsed - self.finished >= self.hold_after_s
            return
        if self.episode_open is None and phase < self.episode_s:
            self.episode_open = f'demo-{int(index)}-{uuid.uuid4().hex[:6]}'
            self._publish_event(EpisodeEvent.START, self.episode_open)
        elif self.episode_open is not None and phase >= self.episode_s:
            self._publish_event(EpisodeEvent.STOP, self.episode_open)
            self._publish_event(EpisodeEvent.SUCCESS, self.episode_open)  # labels the episode
            self.episode_open = None

    def _publish_event(self, kind: int, episode_id: str) -> None:
        event = EpisodeEvent(type=kind, episode_id=episode_id, task=self.task)
        event.header.stamp = self.get_clock().now().to_msg()
        for link in self.links:
            link.episode.publish(event)
        self.get_logger().info(f'episode {episode_id}: event {kind}')


def main(args: list[str] | None = None) -> int:
    """Run until the episodes are done, or SIGINT/SIGTERM."""
    return run_node(CanonicalController, args, 'canonical_controller',
                    done=lambda node: node.done)


if __name__ == '__main__':
    sys.exit(main())
