"""Helpers for tests that run real nodes as real processes over real DDS."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import rclpy
from rclpy.node import Node

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / 'test' / 'fixtures'


class Process:
    """A node started as its own OS process, with its output collected in a file."""

    def __init__(self, argv: list[str], log_path: Path) -> None:
        self.argv = argv
        self.log_path = log_path
        self._log = open(log_path, 'w')  # noqa: SIM115 - closed in stop()
        self.popen = subprocess.Popen(argv, stdout=self._log, stderr=subprocess.STDOUT,
                                      env=dict(os.environ), start_new_session=True)

    def output(self) -> str:
        """Everything the process printed so far."""
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text()

    def wait_for_output(self, text: str, timeout: float = 20.0) -> None:
        """Block until `text` appears in the output; fail with the output otherwise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output():
                return
            if self.popen.poll() is not None:
                break
            time.sleep(0.05)
        pytest.fail(f'{text!r} not printed by {self.argv}; output:\n{self.output()}')

    def stop(self, sig: int = signal.SIGINT, timeout: float = 10.0) -> int:
        """Send `sig`, wait for the exit; kill and fail if the process ignores it."""
        if self.popen.poll() is None:
            self.popen.send_signal(sig)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
                self._log.close()
                pytest.fail(f'{self.argv} ignored signal {sig}; output:\n{self.output()}')
        self._log.close()
        return self.popen.returncode


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
