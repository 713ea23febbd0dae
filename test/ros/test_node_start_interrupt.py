"""A Ctrl-C while a node is still starting (importing rclpy and its modules) prints no traceback.

The node is started by a starter that prints `ready` once the package's interrupt hook is in
place (interop_bridge/nodes/__init__.py: what every node executable imports first), then runs
the node's module as `python -m` would. SIGINT goes to the process group after a delay: during
the imports the node ends by SIGINT printing `interrupted`; once main() runs, spin.py's
handling applies (exit 0).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import process_groups
import pytest
from ros_process import REPO

PARAMETERS = {'fake_robot': ['style:=unitree_g1_29dof'], 'bridge': ['profile:=unitree_g1_29dof'],
              'recorder': ['output:={tmp}/bags', 'bag_name:=start'],
              'canonical_controller': ['robots:=[/start_robot]', 'episodes:=0']}
STARTER = ('import sys, runpy; import interop_bridge.nodes; sys.stderr.write("ready\\n"); '
           'sys.stderr.flush(); module = sys.argv[1]; sys.argv = [module, *sys.argv[2:]]; '
           'runpy.run_module(module, run_name="__main__", alter_sys=True)')


@pytest.mark.timeout(120)
@pytest.mark.parametrize('kind', ['fake_robot', 'bridge', 'recorder', 'canonical_controller'])
@pytest.mark.parametrize('delay', [0.0, 0.15, 0.5])
def test_sigint_during_node_start_up_prints_no_traceback(tmp_path: Path, kind, delay):
    module = f'interop_bridge.nodes.{kind}'
    node_arguments = ['--ros-args', '-r', f'__ns:=/start_{kind}', *[
        item for parameter in PARAMETERS[kind]
        for item in ('-p', parameter.format(tmp=tmp_path))]]
    process = process_groups.spawn([sys.executable, '-c', STARTER, module, *node_arguments],
                                   cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   text=True)
    try:
        assert process.stdout.readline() == 'ready\n'
        time.sleep(delay)
        process_groups.signal_group(process, signal.SIGINT)
        output = process.communicate(timeout=30)[0]
    finally:
        process_groups.end(process, sig=None, timeout=0.0)
    assert 'Traceback' not in output, output
    assert process.returncode in (0, -signal.SIGINT), output
    if process.returncode == -signal.SIGINT:
        assert output.strip().splitlines()[-1] == 'interrupted', output
