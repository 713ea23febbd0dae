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
from rclpy.executors import Executor, ExternalShutdownException, SingleThreadedExecutor
from rclpy.node import Node

from interop_bridge.errors import InteropError

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


def run_node(make_node: Callable[[], Node], args: list[str] | None, name: str, *,
             done: Callable[[Node], bool] | None = None,
             on_exit: Callable[[Node], None] | None = None) -> int:
    """The `main()` of every node: init, build, spin until stopped, clean up.

    Returns 0 after a normal stop (SIGINT, SIGTERM, `done(node)`), 1 when the node cannot be
    built from its parameters (the reason is logged as `error: ...`). `on_exit` runs before the
    node is destroyed (closing a bag, logging a summary).
    """
    rclpy.init(args=args)
    node: Node | None = None
    status = 0
    try:
        node = make_node()
        finished = (lambda: done(node)) if done is not None else (lambda: False)
        spin_until_shutdown(node, done=finished)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    except (InteropError, ImportError) as error:
        rclpy.logging.get_logger(name).error(f'error: {error}')
        status = 1
    finally:
        if node is not None:
            if on_exit is not None:
                on_exit(node)
            node.destroy_node()
        rclpy.utilities.try_shutdown()
    return status
