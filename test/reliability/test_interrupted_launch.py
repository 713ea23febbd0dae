"""`interop launch` interrupted at 5 moments, with one Ctrl-C or several: it stops every node
it started, prints no traceback and leaves no process behind.

The launch file is the shipped one-bridge file with a simulated robot beside it (a namespace of
its own per case, which also finds any process left behind, by its command line).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import process_groups
import pytest
from reliability.outcomes import CLEAR_ERROR, HANDLED, TRACEBACK, Outcome, problems, record

CASES = [  # (what, [(seconds after the previous step or 'ready', signal), ...])
    ('one SIGINT 0.3 s into the start-up', [(0.3, signal.SIGINT)]),
    ('one SIGINT 1.0 s into the start-up', [(1.0, signal.SIGINT)]),
    ('one SIGINT once the nodes are up', [('ready', signal.SIGINT)]),
    ('a second SIGINT while stopping', [('ready', signal.SIGINT), (0.05, signal.SIGINT)]),
    ('SIGINT, SIGTERM, SIGINT in 0.1 s', [('ready', signal.SIGINT), (0.05, signal.SIGTERM),
                                          (0.05, signal.SIGINT)]),
]


def launch_file(directory: Path, namespace: str) -> Path:
    path = directory / 'robot_and_bridge.launch.yaml'
    robot = ('{pkg: interop_bridge, exec: fake_robot, name: fake_robot, namespace: NS, param: '
             '[{name: style, value: unitree_g1_29dof}, {name: camera_rate_hz, value: 0.0}]}')
    bridge = ('{pkg: interop_bridge, exec: bridge, name: bridge, namespace: NS, param: '
              '[{name: profile, value: unitree_g1_29dof}]}')
    path.write_text(f'launch:\n  - node: {robot}\n  - node: {bridge}\n'.replace('NS', namespace))
    return path


def left_behind(marker: str) -> list[tuple[int, str]]:
    """Live processes (pid, command line) whose command line mentions `marker`."""
    found = []
    for cmdline in Path('/proc').glob('[0-9]*/cmdline'):
        try:
            text = cmdline.read_bytes().replace(b'\0', b' ').decode(errors='replace')
            state = (cmdline.parent / 'stat').read_text().rsplit(')', 1)[1].split()[0]
        except (OSError, IndexError):
            continue  # ended meanwhile
        if marker in text and state != 'Z':
            found.append((int(cmdline.parent.name), text.strip()))
    return found


def wait_for(popen: subprocess.Popen, lines: list[str], text: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not any(text in line for line in lines):
        line = popen.stdout.readline()
        if not line:
            return
        lines.append(line)


@pytest.mark.timeout(90)
@pytest.mark.parametrize('k', range(len(CASES)))
def test_an_interrupted_launch_stops_every_node_without_a_traceback(tmp_path, k):
    what, steps = CASES[k]
    namespace = f'/launch_case_{k}_{tmp_path.name[-6:]}'
    argv = [sys.executable, '-m', 'interop_bridge.cli', 'launch',
            str(launch_file(tmp_path, namespace))]
    popen = process_groups.spawn(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 text=True)
    lines: list[str] = []
    try:
        for when, sig in steps:
            if when == 'ready':
                wait_for(popen, lines, 'bridge ready', 60.0)
            else:
                time.sleep(when)
            popen.send_signal(sig)  # as a terminal does: to the launcher, not to its nodes
        exited = process_groups.wait_exit(popen, 30.0)
        rest = popen.stdout.read() if exited else ''
    finally:
        process_groups.end(popen, None, timeout=0.0)
        popen.stdout.close()
    output = ''.join(lines) + rest
    time.sleep(0.5)  # nodes killed by the launcher's last SIGKILL are gone in milliseconds
    stray = left_behind(namespace)
    for pid, _ in stray:  # never leave them to the next test
        os.kill(pid, signal.SIGKILL)
    clean = exited and 'Traceback' not in output and not stray
    last = output.strip().splitlines()[-1] if output.strip() else f'exit {popen.returncode}'
    outcome = record(Outcome(
        'interop launch interrupted (1-3 signals, 5 moments)', what,
        (HANDLED if popen.returncode == 0 else CLEAR_ERROR) if clean else TRACEBACK,
        detail='; '.join(f'left behind: {line}' for _, line in stray) or last))
    assert not problems(outcome), (problems(outcome), output)
