"""Fixtures for tests that run real nodes as real processes over real DDS."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import rclpy
from rclpy.node import Node
from ros_process import Process


@pytest.fixture
def start_process(tmp_path: Path) -> Iterator[Callable[..., Process]]:
    """Start processes that are stopped (SIGINT, then SIGKILL) when the test ends."""
    started: list[Process] = []

    def start(*argv: str, name: str = 'process') -> Process:
        process = Process(list(argv), tmp_path / f'{name}-{len(started)}.log')
        started.append(process)
        return process

    yield start
    for process in started:
        if process.popen.poll() is None:
            process.popen.send_signal(signal.SIGINT)
            try:
                process.popen.wait(10)
            except subprocess.TimeoutExpired:
                process.popen.kill()
                process.popen.wait()


@pytest.fixture
def ros_node() -> Iterator[Node]:
    """An rclpy node in the test process, in its own context."""
    context = rclpy.Context()
    rclpy.init(context=context)
    node = rclpy.create_node('test_probe', context=context)
    try:
        yield node
    finally:
        node.destroy_node()
        rclpy.shutdown(context=context)
