"""Spinning a node the way every node of this package does it.

The EventsExecutor (C++ event loop, far less CPU per callback than the default executor) is
used where rclpy has it. It must be driven with a timeout: without one it busy-loops and never
sees SIGINT/SIGTERM (see the rclpy baseline notes).

SIGINT and SIGTERM only set a flag while a node spins here: the spin loop ends at the next
timeout and the node's own clean-up runs. (rclpy's default handling raises KeyboardInterrupt
wherever the main thread happens to be, inside a callback at 500 Hz, which turns a normal stop
into a logged callback failure.)
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import rclpy
from rclpy.executors import Executor, SingleThreadedExecutor
from rclpy.node import Node

SPIN_TIMEOUT_S = 0.1
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def make_executor(context: rclpy.Context | None = None) -> Executor:
    """An EventsExecutor when available, else the single-threaded executor."""
    try:
        from rclpy.experimental import EventsExecutor  # noqa: PLC0415
    except ImportError:
        return SingleThreadedExecutor(context=context)
    return EventsExecutor(context=context)


@contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """An event set by SIGINT or SIGTERM while the block runs (previous handlers restored)."""
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in STOP_SIGNALS}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def spin_until_shutdown(node: Node, executor: Executor | None = None,
                        done: Callable[[], bool] = lambda: False) -> None:
    """Spin `node` until SIGINT/SIGTERM, rclpy shutdown, or `done()` is true."""
    executor = executor or make_executor(node.context)
    executor.add_node(node)
    try:
        with stop_on_signals() as stop:
            while rclpy.ok(context=node.context) and not stop.is_set() and not done():
                executor.spin_once(timeout_sec=SPIN_TIMEOUT_S)
    finally:
        executor.remove_node(node)
