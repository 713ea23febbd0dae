"""Benchmark sink: receive time and tick of every message on one topic, at the same cost for all.

    python bench/bench_sink.py --topic /g1/interop/state \
        --type interop_msgs/msg/WholeBodyState --field sequence --out recv.npz

Subscribes with `raw=True` (no Python message objects) on the EventsExecutor, takes
`time.monotonic_ns()` first thing in the callback, and reads the counter (LowState `tick`,
WholeBodyState `sequence`) with one `struct` read at an offset laid out once from the first
message (interop_bridge.cdr). Every path of the benchmark is measured by this same sink, so its
own cost cancels out of the "added" figures. Prints `sink: ready` once subscribed and
`sink: matched` once a publisher is connected; saves ticks and receive times on SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import struct
import sys
import time

import numpy as np
import rclpy
from rclpy.executors import ExternalShutdownException
from rclpy.experimental import EventsExecutor
from rclpy.node import Node
from rclpy.qos import QoSProfile

from interop_bridge.cdr import HEADER_SIZE, layout_from_sample
from interop_bridge.msgdefs import fielddefs_for

SPIN_TIMEOUT_S = 0.1
# Reliable; a deep reader history so that a stall of the sink itself loses nothing (what is
# lost is lost on the path under test: its input history or its writer's history).
READER_DEPTH = 1000


class CounterSink:
    """Collects (tick, receive time) pairs from raw messages of one type."""

    def __init__(self, typename: str, field: str, scale: float | None = None) -> None:
        self.typename = typename
        self.field = field
        self.scale = scale  # the counter is round(|value| / scale) (a float field)
        self.ticks: list[int] = []
        self.receive_ns: list[int] = []
        self._read: struct.Struct | None = None
        self._offset = 0

    def on_message(self, raw: bytes) -> None:
        """Subscription callback: the receive time first, then the counter."""
        now_ns = time.monotonic_ns()
        if self._read is None:
            self._lay_out(raw)
        self.receive_ns.append(now_ns)
        value = self._read.unpack_from(raw, self._offset)[0]
        self.ticks.append(value if self.scale is None else round(abs(value) / self.scale))

    def _lay_out(self, raw: bytes) -> None:
        layout = layout_from_sample(fielddefs_for([self.typename]), self.typename, raw)
        leaf = layout.leaves[self.field]
        self._read = struct.Struct('<' + leaf.dtype.char)
        self._offset = HEADER_SIZE + leaf.offset

    def save(self, path: str) -> None:
        """Write ticks and receive times as int64 arrays."""
        np.savez(path, tick=np.asarray(self.ticks, dtype=np.int64),
                 receive_ns=np.asarray(self.receive_ns, dtype=np.int64))


def message_class(typename: str) -> type:
    """The generated class of 'pkg/msg/Name'."""
    package, kind, name = typename.split('/')
    return getattr(importlib.import_module(f'{package}.{kind}'), name)


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Command-line options of the sink."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--topic', required=True)
    parser.add_argument('--type', required=True, help="message type, 'pkg/msg/Name'")
    parser.add_argument('--field', required=True,
                        help='counter field (tick, sequence; a dotted path: motor_cmd.0.tau)')
    parser.add_argument('--scale', type=float, default=None,
                        help='the field is a float holding counter * scale')
    parser.add_argument('--out', required=True, help='.npz file for ticks and receive times')
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Receive until SIGINT/SIGTERM, then save what arrived."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    sink = CounterSink(args.type, args.field, args.scale)
    rclpy.init()
    node = Node('bench_sink', start_parameter_services=False, enable_rosout=False)
    executor = EventsExecutor(context=node.context)
    try:
        subscription = node.create_subscription(
            message_class(args.type), args.topic, sink.on_message,
            QoSProfile(depth=READER_DEPTH), raw=True)
        executor.add_node(node)
        print(f'sink: ready on {args.topic}', flush=True)
        gc.collect()
        gc.freeze()
        matched = False
        while rclpy.ok(context=node.context):
            executor.spin_once(timeout_sec=SPIN_TIMEOUT_S)
            if not matched and subscription.get_publisher_count() > 0:
                matched = True
                print('sink: matched', flush=True)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        sink.save(args.out)
        print(f'sink: saved {len(sink.ticks)} messages', flush=True)
        executor.remove_node(node)
        node.destroy_node()
        rclpy.utilities.try_shutdown()
    return 0


if __name__ == '__main__':
    sys.exit(main())
