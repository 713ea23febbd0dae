"""Spinning a node the way every node of this package does it.

The EventsExecutor (C++ event loop, far less CPU per callback than the default executor) is
used where rclpy has it. It must be driven with a timeout: without one it busy-loops and never
sees SIGINT/SIGTERM (see the rclpy baseline notes).

Signals: `run_node` makes SIGINT and SIGTERM only set a stop flag, as its first step and for the
rest of the process, and tells rclpy to install no handlers of its own:
- during start-up (rclpy.init, building the node: seconds on a loaded machine) the signal is
  remembered; the node is built, never started or spun, and cleaned up: exit 0. (rclpy's own
  handlers would shut the context down under the half-built node: its next create_publisher
  fails with "context is invalid" and the process exits 1 with a traceback.)
- while the node spins, the loop ends within SPIN_TIMEOUT_S and the node's clean-up runs.
  (rclpy's default handling raises KeyboardInterrupt wherever the main thread happens to be,
  inside a callback at 500 Hz, which turns a normal stop into a logged callback failure.)
- during the clean-up a repeated signal changes nothing: the clean-up finishes (the recorder's
  bag index, the fake robot's publishing thread). SIGKILL abandons it.
- after the clean-up both signals are ignored: Python gives handled signals their default
  action back while it finalizes, so a repeated signal would turn a clean exit into a death by
  that signal.
A signal that arrives before `main()` runs (while Python imports the node's modules) ends the
process at once, with nothing to clean up: SIGTERM by its default action, SIGINT as an uncaught
KeyboardInterrupt that prints the one line `interrupted`, no traceback (the hook installed by
interop_bridge/nodes/__init__.py); the exit status is death by SIGINT. A SIGINT that Python
had to ignore during the imports (raised inside the import system's clean-up) counts as one
that came during start-up (interop_bridge/interrupts.py).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from typing import TypeVar

import rclpy
from rclpy.context import Context
from rclpy.executors import Executor, ExternalShutdownException, SingleThreadedExecutor
from rclpy.node import Node
from rclpy.signals import SignalHandlerOptions
from rclpy.utilities import ok

from interop_bridge.errors import InteropError
from interop_bridge.interrupts import interrupted_meanwhile

SPIN_TIMEOUT_S = 0.1
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
NodeT = TypeVar('NodeT', bound=Node)


def make_executor(context: Context | None = None) -> Executor:
    """An EventsExecutor when available, else the single-threaded executor."""
    try:
        from rclpy.experimental.events_executor import EventsExecutor  # noqa: PLC0415
    except ImportError:
        return SingleThreadedExecutor(context=context)
    return EventsExecutor(context=context)


def stop_on_signals() -> threading.Event:
    """From now on SIGINT and SIGTERM only set the returned event (call from the main thread)."""
    stop = threading.Event()
    for sig in STOP_SIGNALS:
        signal.signal(sig, lambda *_: stop.set())
    return stop


def spin_until_shutdown(node: Node, stop: threading.Event, executor: Executor | None = None,
                        done: Callable[[], bool] = lambda: False) -> None:
    """Spin `node` until `stop` is set, rclpy shuts down, or `done()` is true."""
    executor = executor or make_executor(node.context)
    executor.add_node(node)
    try:
        while ok(context=node.context) and not stop.is_set() and not done():
            executor.spin_once(timeout_sec=SPIN_TIMEOUT_S)
    finally:
        executor.remove_node(node)


def run_node(make_node: Callable[[], NodeT], args: list[str] | None, name: str, *,
             done: Callable[[NodeT], bool] | None = None,
             on_start: Callable[[NodeT], None] | None = None,
             on_exit: Callable[[NodeT], None] | None = None) -> int:
    """The `main()` of every node: init, build, start, spin until stopped, clean up.

    Returns 0 after a normal stop (SIGINT, SIGTERM, `done(node)`), also when the signal came
    during start-up, and 1 when the node cannot be built from its parameters (the reason is
    logged as `error: ...`). `on_start` runs once the node is built, unless a signal came
    first (starting a publishing thread); `on_exit` runs before the node is destroyed
    (stopping that thread, closing a bag, logging a summary).
    """
    stop = stop_on_signals()
    if interrupted_meanwhile():  # a Ctrl-C during the imports that Python had to ignore
        stop.set()
    rclpy.init(args=args, signal_handler_options=SignalHandlerOptions.NO)
    node: NodeT | None = None
    status = 0
    try:
        node = make_node()
        if on_start is not None and not stop.is_set():
            on_start(node)
        finished = (lambda: done(node)) if done is not None else (lambda: False)
        spin_until_shutdown(node, stop, done=finished)
    except ExternalShutdownException:
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
        for sig in STOP_SIGNALS:
            signal.signal(sig, signal.SIG_IGN)
    return status
