"""Benchmark references: the plain rclpy re-publisher, and the cheapest possible Python relay.

    python bench/bench_relay.py --input /lowstate --output /g1/relay/lowstate [--raw]

Default: what a naive bridge author would write. A default `Node`, `rclpy.spin`
(SingleThreadedExecutor), unitree_hg LowState taken as Python message objects and published
again unchanged. With `--raw`: the floor of any rclpy relay. Serialized bytes in (`raw=True`)
and out (`publish(bytes)`), the EventsExecutor driven with a timeout, no parameter services.
Only the QoS is chosen to match the bridge, so that the comparison is about the per-message
work: the bridge's own vendor-stream QoS in (`VENDOR_QOS`: best effort, deep queue), reliable
depth 10 out (the QoS of interop/state).
"""

from __future__ import annotations

import argparse
import sys

import rclpy
from rclpy.executors import ExternalShutdownException
from rclpy.experimental import EventsExecutor
from rclpy.node import Node
from rclpy.qos import QoSProfile
from unitree_hg.msg import LowState

from interop_bridge.nodes.bridge import VENDOR_QOS


class PlainRelay(Node):
    """Re-publishes every LowState it receives."""

    def __init__(self, input_topic: str, output_topic: str) -> None:
        super().__init__('plain_relay')
        self.publisher = self.create_publisher(LowState, output_topic, QoSProfile(depth=10))
        self.create_subscription(LowState, input_topic, self.on_state, VENDOR_QOS)

    def on_state(self, message: LowState) -> None:
        """Publish the received message as it is."""
        self.publisher.publish(message)


class RawRelay(Node):
    """Re-publishes the serialized bytes of every LowState it receives."""

    def __init__(self, input_topic: str, output_topic: str) -> None:
        super().__init__('raw_relay', start_parameter_services=False)
        self.publisher = self.create_publisher(LowState, output_topic, QoSProfile(depth=10))
        self.create_subscription(LowState, input_topic, self.publisher.publish,
                                 VENDOR_QOS, raw=True)


def spin(node: Node, events: bool) -> None:
    """`rclpy.spin`, or the EventsExecutor with a timeout (it ignores signals without one)."""
    if not events:
        rclpy.spin(node)
        return
    executor = EventsExecutor(context=node.context)
    executor.add_node(node)
    while rclpy.ok(context=node.context):
        executor.spin_once(timeout_sec=0.1)


def main(argv: list[str] | None = None) -> int:
    """Relay until SIGINT/SIGTERM."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--input', default='/lowstate')
    parser.add_argument('--output', default='/g1/relay/lowstate')
    parser.add_argument('--raw', action='store_true',
                        help='serialized pass-through on the EventsExecutor')
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    rclpy.init()
    node = (RawRelay if args.raw else PlainRelay)(args.input, args.output)
    print(f'relay: ready, {args.input} -> {args.output}', flush=True)
    try:
        spin(node, events=args.raw)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        node.destroy_node()
        rclpy.utilities.try_shutdown()
    return 0


if __name__ == '__main__':
    sys.exit(main())
