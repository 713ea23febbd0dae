"""fake_robot: a simulated vendor robot on the vendor's own topics, for tests and demos.

Parameters (read once at start; see interop_bridge/sim/settings.py):
  style              unitree_g1_29dof | unitree_g1_23dof | unitree_h1_2 | unitree_h1 |
                     booster_t1 | ros2_control_talos           (default unitree_g1_29dof)
  rate_hz            state rate [Hz], wall-clock paced          (default 500, the vendors')
  camera_rate_hz     synthetic rgb8 camera on camera/image_raw; 0 disables (default 30)
  camera_size        [height, width]                            (default [96, 128])
  mode_machine       Unitree robot-type id; -1 = the style's    (default -1)
  controller_joints  ros2_control: joint order of forward_position_controller/commands
                     (default: every TALOS joint but the grippers, arm_left_1_joint and
                     arm_right_1_joint last, as config/robots/pal_talos.yaml expects)

Topics: where the real robot has them. Unitree and Booster robots publish absolute topics
(DDS rt/lowstate ...), whatever the namespace: two simulated robots of one vendor need a DDS
domain each (ROS_DOMAIN_ID) or remapping. A ros2_control controller manager publishes in its
own namespace, so the TALOS style's topics are relative, as is the camera.
  Unitree (hg: G1, H1-2; go: H1)  out /lowstate; in /lowcmd, /arm_sdk (LowCmd)
  Booster T1                      out /low_state; in /joint_ctrl (LowCmd, cmd_type SERIAL)
  ros2_control TALOS              out joint_states, imu_sensor_broadcaster/imu,
                                  left_ankle_ft/wrench, right_ankle_ft/wrench;
                                  in forward_position_controller/commands (Float64MultiArray)
  every style                     out camera/image_raw (sensor_msgs/Image, rgb8)

Commands the real robot would ignore (wrong CRC or mode_machine, PARALLEL cmd_type, wrong
length) are dropped, counted and logged at a throttled rate. State is published as
pre-serialized CDR; commands are read from raw CDR.
"""

from __future__ import annotations

import array
import collections
import functools
import gc
import sys
import threading
import time
from typing import Any

import rclpy
from rcl_interfaces.msg import ParameterDescriptor
from rclpy.impl.implementation_singleton import rclpy_implementation
from rclpy.node import Node
from rclpy.publisher import Publisher
from rclpy.qos import QoSProfile, ReliabilityPolicy

from interop_bridge.ament import message_class
from interop_bridge.msgdefs import fielddefs_for
from interop_bridge.nodes.spin import run_node
from interop_bridge.sim.camera import IMAGE_TYPE, SyntheticCamera
from interop_bridge.sim.camera import TOPIC as CAMERA_TOPIC
from interop_bridge.sim.pacing import Pacer
from interop_bridge.sim.robot import SimRobot
from interop_bridge.sim.settings import SETTINGS_KEYS, FakeRobotSettings, read_settings
from interop_bridge.sim.wires import make_wire

STATE_QOS = QoSProfile(depth=10)  # reliable, volatile: matches reliable and best-effort readers
COMMAND_QOS = QoSProfile(depth=10, reliability=ReliabilityPolicy.BEST_EFFORT)  # matches both
MAX_STEP_S = 0.05  # after a stall, do not integrate more than this at once
LOG_THROTTLE_S = 2.0


class FakeRobotNode(Node):
    """Publishes a SimRobot's state at a fixed rate and applies the commands it receives."""

    def __init__(self) -> None:
        super().__init__('fake_robot')
        self.settings = self._read_parameters()
        self.robot = SimRobot(self.settings.style)
        self.wire = make_wire(self.robot, self.settings)
        self._state_publishers = [self.create_publisher(message_class(typename), topic, STATE_QOS)
                                  for topic, typename in self.wire.state_topics]
        self._subscriptions = [
            self.create_subscription(message_class(typename), topic,
                                     functools.partial(self._on_command, topic),
                                     COMMAND_QOS, raw=True)
            for topic, typename in self.wire.command_topics]
        self.accepted = 0
        self.ignored: collections.Counter[str] = collections.Counter()
        self.published = 0
        # State is paced by its own thread on absolute deadlines (an executor timer drops
        # late periods); the lock keeps a command from landing in the middle of a step.
        self._lock = threading.Lock()
        self._stopping = threading.Event()  # wakes the state thread mid-period
        self.failure: BaseException | None = None
        self._start = self._last_step = time.monotonic()
        self._pacer = Pacer(1.0 / self.settings.rate_hz, sleep=self._stopping.wait)
        self._first_due: float | None = None
        self._last_due = 0.0
        self._state_thread = threading.Thread(target=self._run_state_loop,
                                              name='fake_robot_state')
        self._camera: SyntheticCamera | None = None
        if self.settings.camera_rate_hz > 0:
            height, width = self.settings.camera_size
            self._camera = SyntheticCamera(fielddefs_for([IMAGE_TYPE]), height, width)
            self._camera_publisher = self.create_publisher(
                message_class(IMAGE_TYPE), CAMERA_TOPIC, STATE_QOS)
            self._camera_timer = self.create_timer(1.0 / self.settings.camera_rate_hz,
                                                   self._on_camera_tick)

    def _read_parameters(self) -> FakeRobotSettings:
        raw: dict[str, Any] = {}
        for key in SETTINGS_KEYS:
            descriptor = ParameterDescriptor(description=key.meaning, read_only=True,
                                             dynamic_typing=True)
            value = self.declare_parameter(key.name, key.default, descriptor).value
            raw[key.name] = list(value) if isinstance(value, (tuple, array.array)) else value
        return read_settings(raw, f'{self.get_fully_qualified_name()} parameters')

    def start(self) -> None:
        """Start publishing state."""
        self._state_thread.start()

    def stop(self) -> None:
        """Stop publishing state and wait for the publishing thread (at most one publish)."""
        self._stopping.set()
        if self._state_thread.is_alive():
            self._state_thread.join()

    def _run_state_loop(self) -> None:
        try:
            while not self._stopping.is_set() and self.context.ok():
                due = self._pacer.wait()
                if due is None or not self._publish_state(due):
                    break
        except Exception as error:  # noqa: BLE001 - handed to the main thread, re-raised there
            self.failure = error
            self.context.try_shutdown()

    def _publish_state(self, due: float) -> bool:
        with self._lock:
            self.robot.step(min(due - self._last_step, MAX_STEP_S))
            self._last_step = due
            stamp_ns = self.get_clock().now().nanoseconds
            messages = self.wire.encode(stamp_ns, int((due - self._start) * 1000.0))
        for publisher, raw in zip(self._state_publishers, messages):
            if not self._publish(publisher, raw):
                return False
        self.published += 1
        self._last_due = due
        if self._first_due is None:
            self._first_due = due
            self.get_logger().info(
                f'fake_robot ready: {self.settings.style} at {self.settings.rate_hz:g} Hz on '
                f'{", ".join(topic for topic, _ in self.wire.state_topics)}; commands on '
                f'{", ".join(topic for topic, _ in self.wire.command_topics)}')
        return True

    def _on_camera_tick(self) -> None:
        assert self._camera is not None  # the camera timer exists only with a camera
        stamp_ns = self.get_clock().now().nanoseconds
        self._publish(self._camera_publisher,
                      self._camera.encode(stamp_ns, time.monotonic() - self._start))

    def _publish(self, publisher: Publisher, raw: bytes) -> bool:
        """Publish; False when the context was shut down (a signal) while a timer ran."""
        try:
            publisher.publish(raw)
        except rclpy_implementation.RCLError:
            if self.context.ok():
                raise
            return False
        return True

    def _on_command(self, topic: str, raw: bytes) -> None:
        with self._lock:
            reason = self.wire.take_command(topic, raw)
        if reason is None:
            self.accepted += 1
            return
        self.ignored[reason.split(' (')[0]] += 1
        self.get_logger().warning(f'ignored command on {topic}: {reason} '
                                  f'({sum(self.ignored.values())} ignored so far)',
                                  throttle_duration_sec=LOG_THROTTLE_S)

    def summary(self) -> str:
        """Counts of what the node did, for the log at exit."""
        span = self._last_due - (self._first_due or self._last_due)
        rate = (self.published - 1) / span if span > 0 else 0.0
        ignored = ', '.join(f'{count} x {reason}' for reason, count in self.ignored.items())
        return (f'fake_robot: {self.published} states in {span:.1f} s ({rate:.1f} Hz, '
                f'{self._pacer.resyncs} stalls over {self._pacer.max_behind} periods), '
                f'{self.accepted} commands applied, {sum(self.ignored.values())} ignored'
                f'{": " + ignored if ignored else ""}')


def _start(node: FakeRobotNode) -> None:
    gc.freeze()  # start-up objects never need collecting: fewer, shorter GC pauses
    node.start()


def _stop(node: FakeRobotNode) -> None:
    node.stop()
    # The node's own logger would also publish to /rosout, whose context may be gone.
    rclpy.logging.get_logger('fake_robot.exit').info(node.summary())


def main(args: list[str] | None = None) -> int:
    """Run the simulated robot until SIGINT or SIGTERM; a failure of the state thread raises."""
    built: list[FakeRobotNode] = []

    def make_node() -> FakeRobotNode:
        built.append(FakeRobotNode())
        return built[-1]

    status = run_node(make_node, args, 'fake_robot', on_start=_start, on_exit=_stop)
    for node in built:
        if node.failure is not None:
            raise node.failure
    return status


if __name__ == '__main__':
    sys.exit(main())
