"""Spinning a node the way every node of this package does it.

The EventsExecutor (C++ event loop, far less CPU per callback than the default executor) is
used where rclpy has it. It must be driven with a timeout: without one it busy-loops and never
sees SIGINT/SIGTERM (see the rclpy baseline notes). The timeout also lets the loop notice a
shutdown requested by a signal handler.
"""

from __future__ import annotations

import rclpy
from rclpy.executors import Executor, SingleThreadedExecutor
from rclpy.node import Node

SPIN_TIMEOUT_S = 0.1


def make_executor(context: rclpy.Context | None = None) -> Executor:
    """An EventsExecutor when available, else the single-threaded executor."""
    try:
        from rclpy.experimental import EventsExecutor  # noqa: PLC0415
    except ImportError:
        return SingleThreadedExecutor(context=context)
    return EventsExecutor(context=context)


def spin_until_shutdown(node: Node, executor: Executor | None = None) -> None:
    """Spin `node` until rclpy shuts down (SIGINT/SIGTERM do that in rclpy's handlers)."""
    executor = executor or make_executor(node.context)
    executor.add_node(node)
    try:
        while rclpy.ok(context=node.context):
            executor.spin_once(timeout_sec=SPIN_TIMEOUT_S)
    finally:
        executor.remove_node(node)
