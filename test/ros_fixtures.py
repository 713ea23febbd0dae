"""Fixtures for tests that run real nodes as real processes over real DDS (imported by the
conftest.py of test/ros and test/reliability)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import rclpy
from rclpy.node import Node
from ros_process import Process, end_all


@pytest.fixture
def start_process(tmp_path: Path) -> Iterator[Callable[..., Process]]:
    """Start processes that are ended when the test ends, however it ends.

    SIGINT to each process group, up to 10 s together, then SIGKILL; every process is reaped
    and its log closed, also after a failure or a pytest-timeout (raised inside the test, so
    this finalizer still runs). `env`: the environment of the process (default: the test's).
    """
    started: list[Process] = []

    def start(*argv: str, name: str = 'process', env: dict[str, str] | None = None) -> Process:
        process = Process(list(argv), tmp_path / f'{name}-{len(started)}.log', env)
        started.append(process)
        return process

    try:
        yield start
    finally:
        end_all(started)


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
