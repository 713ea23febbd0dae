"""Helpers for tests that run real nodes as real processes over real DDS."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import process_groups
import pytest
import rclpy
from rclpy.node import Node

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / 'test' / 'fixtures'
STOP_TIMEOUT_S = 10.0  # for a node to exit after SIGINT/SIGTERM before it is killed


class Process:
    """A node started as its own process group, with its output collected in a file.

    However the test ends, `end` (or `stop`, the start_process fixture, the session's safety
    net in test/conftest.py) signals the whole group, kills it if it ignores the signal, reaps
    the process and closes its log.
    """

    def __init__(self, argv: list[str], log_path: Path,
                 env: dict[str, str] | None = None) -> None:
        self.argv = argv
        self.log_path = log_path
        self._log = open(log_path, 'w')  # noqa: SIM115 - closed in end()
        try:
            self.popen = process_groups.spawn(argv, stdout=self._log, stderr=subprocess.STDOUT,
                                              env=dict(os.environ) if env is None else env)
        except BaseException:
            self._log.close()
            raise

    def output(self) -> str:
        """Everything the process printed so far."""
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text()

    def exited(self) -> bool:
        """Whether the process has exited (it is reaped only by `end`)."""
        return process_groups.has_exited(self.popen)

    def exits_within(self, timeout: float) -> bool:
        """Wait up to `timeout` s for the process to exit; True if it did."""
        return process_groups.wait_exit(self.popen, timeout)

    def wait_for_output(self, text: str, timeout: float = 20.0) -> None:
        """Block until `text` appears in the output; fail with the output otherwise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output():
                return
            if self.exited():
                break
            time.sleep(0.05)
        pytest.fail(f'{text!r} not printed by {self.argv}; output:\n{self.output()}')

    def send_signal(self, sig: int) -> None:
        """Send `sig` to the process's group (the process and anything it started)."""
        process_groups.signal_group(self.popen, sig)

    def end(self, sig: int | None = signal.SIGINT, timeout: float = STOP_TIMEOUT_S) -> bool:
        """Signal the group (None: already done), wait, SIGKILL it if needed, reap.

        True if the process exited by itself.
        """
        try:
            return process_groups.end(self.popen, sig, timeout)
        finally:
            self._log.close()

    def stop(self, sig: int = signal.SIGINT, timeout: float = STOP_TIMEOUT_S) -> int:
        """Send `sig`, wait for the exit; kill and fail if the process ignores it."""
        return stop_all([self], sig, timeout)[0]


def end_all(processes: Sequence[Process], sig: int = signal.SIGINT,
            timeout: float = STOP_TIMEOUT_S) -> list[bool]:
    """`Process.end` for all at once: `sig` to every group first, then one shared deadline."""
    for process in processes:
        if not process.exited():
            process.send_signal(sig)
    deadline = time.monotonic() + timeout
    return [process.end(None, max(0.0, deadline - time.monotonic())) for process in processes]


def stop_all(processes: Sequence[Process], sig: int = signal.SIGINT,
             timeout: float = STOP_TIMEOUT_S) -> list[int]:
    """Stop every process (even when one ignores `sig`); their exit codes, or fail."""
    by_itself = end_all(processes, sig, timeout)
    ignored = [process for process, ok in zip(processes, by_itself) if not ok]
    if ignored:
        pytest.fail('\n'.join(f'{process.argv} ignored signal {sig} for {timeout} s; '
                              f'output:\n{process.output()}' for process in ignored))
    return [process.popen.returncode for process in processes]


def python_script(path: Path, *args: str) -> list[str]:
    """argv that runs a Python file of the repository with this interpreter."""
    return [sys.executable, str(path), *args]


def spin_until(node: Node, done: Callable[[], Any], timeout: float = 15.0) -> bool:
    """Spin `node` until `done()` is truthy or the timeout passes; return done()."""
    executor = rclpy.executors.SingleThreadedExecutor(context=node.context)
    executor.add_node(node)
    deadline = time.monotonic() + timeout
    try:
        while not done() and time.monotonic() < deadline:
            executor.spin_once(timeout_sec=0.05)
    finally:
        executor.remove_node(node)
    return bool(done())
