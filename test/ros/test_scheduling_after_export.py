"""An export that encodes AV1 video leaves no real-time thread behind, in nodes started later too.

SVT-AV1 raises the threads it touches to SCHED_FIFO 99 when it may (as root); before the fix,
every DDS thread started afterwards in the same process (and every process started from it)
ran at FIFO 99. These tests encode a short AV1 video first, then start DDS participants in this
process and a node as a process, and read every thread's policy from /proc.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import rclpy
from std_msgs.msg import String

from interop_bridge.dataset.layout import FileSlot
from interop_bridge.dataset.video import CameraEncoder, VideoOptions
from interop_bridge.scheduling import real_time_threads


def encode_av1(root: Path) -> None:
    camera = CameraEncoder(root, 'observation.images.head', 10, (48, 64, 3),
                           VideoOptions.for_codec('libsvtav1'), 10**9, FileSlot())
    camera.encode_episode((np.full((48, 64, 3), index, dtype=np.uint8) for index in range(15)),
                          15, 0)
    camera.close()


def process_policies(pid: int) -> dict[int, int]:
    """Scheduling policy of every thread of another process."""
    policies = {}
    for entry in Path(f'/proc/{pid}/task').iterdir():
        try:
            policies[int(entry.name)] = os.sched_getscheduler(int(entry.name))
        except ProcessLookupError:
            continue
    return policies


def test_dds_threads_started_after_an_export_run_at_normal_priority(tmp_path):
    encode_av1(tmp_path)
    context = rclpy.Context()
    rclpy.init(context=context)
    try:
        node = rclpy.create_node('after_export', context=context)
        node.create_subscription(String, 'after_export/probe', lambda _: None, 10)
        time.sleep(0.5)  # Fast DDS starts its receive, event and watchdog threads
        assert real_time_threads() == []
        node.destroy_node()
    finally:
        rclpy.shutdown(context=context)
    assert os.sched_getscheduler(0) == os.SCHED_OTHER


def test_a_node_started_after_an_export_runs_at_normal_priority(tmp_path, start_process):
    encode_av1(tmp_path)
    robot = start_process(sys.executable, '-m', 'interop_bridge.nodes.fake_robot', '--ros-args',
                          '-r', '__ns:=/after_export', '-p', 'style:=unitree_g1_29dof',
                          name='fake_robot')
    robot.wait_for_output('fake_robot ready', timeout=30)
    policies = process_policies(robot.popen.pid)
    assert len(policies) > 1 and set(policies.values()) == {os.SCHED_OTHER}
    assert robot.stop() == 0


pytestmark = pytest.mark.skipif(not Path('/proc/self/task').is_dir(), reason='Linux /proc')
