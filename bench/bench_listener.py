"""Benchmark listener: subscribes to topics and does nothing with them, so that they are built.

    python bench/bench_listener.py /g1/joint_states:sensor_msgs/msg/JointState ...

The bridge builds its standard copies (joint_states, native/joint_states, imu/data) only while
something subscribes to them; this process is that something, at the least cost: `raw=True`
subscriptions with an empty callback on the EventsExecutor, QoS reliable depth 10 (the
canonical QoS). Prints `listener: matched` once every topic has a publisher; stops on
SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import sys

import rclpy
from bench_sink import message_class
from rclpy.executors import ExternalShutdownException
from rclpy.experimental import EventsExecutor
from rclpy.node import Node
from rclpy.qos import QoSProfile

SPIN_TIMEOUT_S = 0.1


def ignore(_raw: bytes) -> None:
    """Take the message and drop it."""


def main(argv: list[str] | None = None) -> int:
    """Listen until SIGINT/SIGTERM."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('topics', nargs='+', help="'topic:pkg/msg/Type' each")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    rclpy.init()
    node = Node('bench_listener', start_parameter_services=False, enable_rosout=False)
    executor = EventsExecutor(context=node.context)
    try:
        subscriptions = []
        for item in args.topics:
            topic, typename = item.rsplit(':', 1)
            subscriptions.append(node.create_subscription(
                message_class(typename), topic, ignore, QoSProfile(depth=10), raw=True))
        executor.add_node(node)
        matched = False
        while rclpy.ok(context=node.context):
            executor.spin_once(timeout_sec=SPIN_TIMEOUT_S)
            if not matched and all(s.get_publisher_count() > 0 for s in subscriptions):
                matched = True
                print('listener: matched', flush=True)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        executor.remove_node(node)
        node.destroy_node()
        rclpy.utilities.try_shutdown()
    return 0


if __name__ == '__main__':
    sys.exit(main())
