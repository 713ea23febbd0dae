"""No traceback for a Ctrl-C that lands while a program is still importing its modules.

A Ctrl-C (SIGINT) while a program is still importing its modules (a second or more for the
nodes and `interop`: rclpy, numpy, pyarrow ...) raises KeyboardInterrupt wherever the import
is; nothing of ours is running yet to catch it. `quiet_interrupts(line)`, called first thing by
the entry modules (interop_bridge/cli.py, interop_bridge/nodes/__init__.py), changes two things:
- an uncaught KeyboardInterrupt prints `line` alone (sys.excepthook); the process still exits
  as Python ends an interrupted program, by SIGINT. Other exceptions keep their traceback.
- a KeyboardInterrupt raised where Python cannot propagate it (inside the import system's
  clean-up callbacks: Python prints "Exception ignored in ..." with a traceback and carries on
  as if nothing happened) is remembered instead (sys.unraisablehook); `interrupted_meanwhile()`
  tells the program, which then stops as it would for the signal.
- the SIGINT itself is remembered (a handler that notes it, then raises KeyboardInterrupt as
  Python's own does): an extension module whose start-up code is interrupted raises ImportError
  ("initialization failed") instead of the KeyboardInterrupt, and `was_interrupted()` tells
  that error apart from a real one; the excepthook then prints `line` for it too.
Stdlib only, so it is in place within the first milliseconds.
"""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType, TracebackType
from typing import Any

_SWALLOWED: list[BaseException] = []
_SIGNALLED: list[int] = []


def quiet_interrupts(line: str) -> None:
    """Print `line` for an uncaught KeyboardInterrupt; remember one Python had to ignore.

    Hooks someone else installed (IPython, a test runner) are left alone.
    """
    if sys.excepthook is sys.__excepthook__:
        def hook(kind: type[BaseException], error: BaseException,
                 trace: TracebackType | None) -> None:
            if issubclass(kind, KeyboardInterrupt) or _SIGNALLED:
                sys.stderr.write(f'{line}\n')
                return
            sys.__excepthook__(kind, error, trace)
        sys.excepthook = hook
    if sys.unraisablehook is sys.__unraisablehook__:
        sys.unraisablehook = _unraisable
    main_thread = threading.current_thread() is threading.main_thread()
    if main_thread and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _noted_interrupt)


def _noted_interrupt(signum: int, frame: FrameType | None) -> None:
    _SIGNALLED.append(signum)
    signal.default_int_handler(signum, frame)  # raises KeyboardInterrupt


def _unraisable(unraisable: Any) -> None:
    if isinstance(unraisable.exc_value, KeyboardInterrupt):
        _SWALLOWED.append(unraisable.exc_value)  # reported by interrupted_meanwhile()
        return
    sys.__unraisablehook__(unraisable)


def interrupted_meanwhile() -> bool:
    """Whether a KeyboardInterrupt was raised where Python had to ignore it."""
    return bool(_SWALLOWED)


def was_interrupted() -> bool:
    """Whether a SIGINT came (since quiet_interrupts), wherever it was raised or ignored."""
    return bool(_SIGNALLED or _SWALLOWED)
