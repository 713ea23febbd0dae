"""Every node kind exits on SIGINT and SIGTERM within 5 s, status 0, even on a saturated machine.

Two busy loops load both cores of the test machine while the nodes start, run and stop. The
signal goes to each node's process group, as Ctrl-C in a terminal sends it; after the exit no
process of the group is left.
"""

from __future__ import annotations

import itertools
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import process_groups
import pytest
from ros_process import Process

EXIT_LIMIT_S = 5.0
RUN_S = 1.0  # how long each node runs (publishing, spinning) before the signal
SIGNALS = [pytest.param(signal.SIGINT, id='SIGINT'), pytest.param(signal.SIGTERM, id='SIGTERM')]
READY = {'fake_robot': 'fake_robot ready', 'bridge': 'bridge ready',
         'recorder': 'recorder ready', 'canonical_controller': 'canonical controller ready'}


def node_argv(kind: str, tmp_path: Path) -> list[str]:
    """argv of a node of `kind` in a namespace of its own, running until it is stopped."""
    parameters = {'fake_robot': ['style:=unitree_g1_29dof'],
                  'bridge': ['profile:=unitree_g1_29dof'],
                  'recorder': [f'output:={tmp_path / "bags"}', 'bag_name:=signals'],
                  'canonical_controller': ['robots:=[/signals_robot]', 'episodes:=0']}[kind]
    return [sys.executable, '-m', f'interop_bridge.nodes.{kind}', '--ros-args',
            '-r', f'__ns:=/signals_{kind}',
            *[item for parameter in parameters for item in ('-p', parameter)]]


@pytest.fixture
def busy_loops() -> Iterator[None]:
    """Two processes that spin at 100 % of a core each while the test runs."""
    loops = [process_groups.spawn([sys.executable, '-c', 'while True: pass'])
             for _ in range(2)]
    try:
        yield
    finally:
        for loop in loops:
            process_groups.end(loop, signal.SIGKILL, timeout=0.0)


@pytest.fixture
def nodes(start_process, tmp_path: Path) -> dict[str, Process]:
    """One node of every kind, started together (ended by start_process however the test ends)."""
    return {kind: start_process(*node_argv(kind, tmp_path), name=kind) for kind in READY}


def handles_sigterm(process: Process) -> bool:
    """Whether the process has installed its own SIGTERM handler (SigCgt in /proc)."""
    status = Path(f'/proc/{process.popen.pid}/status').read_text()
    caught = int(next(line for line in status.splitlines()
                      if line.startswith('SigCgt:')).split()[1], 16)
    return bool(caught & (1 << (signal.SIGTERM - 1)))


def exit_seconds(nodes: dict[str, Process], signalled: dict[str, float]) -> dict[str, float]:
    """Seconds from each node's signal to its exit (inf: still running after the limit)."""
    seconds = {}
    for kind, process in nodes.items():
        left = signalled[kind] + EXIT_LIMIT_S - time.monotonic()
        exited = process.exits_within(max(0.0, left))
        seconds[kind] = time.monotonic() - signalled[kind] if exited else float('inf')
    return seconds


def outcome(nodes: dict[str, Process], signalled: dict[str, float]) -> dict[str, object]:
    """What each node did after its signal: exit time, what it left, its exit status."""
    seconds = exit_seconds(nodes, signalled)
    left = {kind: process_groups.group_members(process.popen.pid)
            for kind, process in nodes.items()}  # before the zombie is reaped
    codes = {kind: process.stop(timeout=0.0) if process.exited() else None
             for kind, process in nodes.items()}
    return {'slow': {kind: s for kind, s in seconds.items() if s > EXIT_LIMIT_S},
            'left': {kind: pids for kind, pids in left.items() if pids},
            'codes': codes, 'seconds': seconds}


def logs(nodes: dict[str, Process]) -> str:
    return '\n'.join(f'--- {kind}:\n{process.output()[-1500:]}' for kind, process in nodes.items())


@pytest.mark.parametrize('sig', SIGNALS)
def test_every_node_exits_within_5_s_of_a_signal_with_both_cores_busy(busy_loops, nodes, sig):
    for kind, process in nodes.items():
        process.wait_for_output(READY[kind], timeout=30)
    time.sleep(RUN_S)
    now = time.monotonic()
    for process in nodes.values():
        process.send_signal(sig)
    result = outcome(nodes, dict.fromkeys(nodes, now))
    assert result['slow'] == {}, logs(nodes)
    assert result['codes'] == dict.fromkeys(READY, 0), logs(nodes)
    assert result['left'] == {}
    assert 'Traceback' not in logs(nodes)
    print(f'{sig.name}: exit after ' + ', '.join(
        f'{kind} {s:.2f} s' for kind, s in result['seconds'].items()))


def test_signals_repeated_while_a_node_stops_change_nothing(nodes):
    for kind, process in nodes.items():
        process.wait_for_output(READY[kind], timeout=30)
    now = time.monotonic()
    repeats = itertools.cycle([signal.SIGINT, signal.SIGTERM])
    while time.monotonic() < now + EXIT_LIMIT_S and not all(p.exited() for p in nodes.values()):
        sig = next(repeats)
        for process in nodes.values():
            if not process.exited():
                process.send_signal(sig)  # Ctrl-C pressed again and again, a supervisor's TERM
        time.sleep(0.005)
    result = outcome(nodes, dict.fromkeys(nodes, now))
    assert result['slow'] == {}, logs(nodes)
    assert result['codes'] == dict.fromkeys(READY, 0), logs(nodes)
    assert 'Traceback' not in logs(nodes)


@pytest.mark.parametrize('sig', SIGNALS)
def test_a_signal_as_soon_as_a_node_handles_it_stops_the_start_up_with_status_0(
        busy_loops, nodes, sig):
    signalled: dict[str, float] = {}
    deadline = time.monotonic() + 30.0
    while len(signalled) < len(nodes) and time.monotonic() < deadline:
        for kind, process in nodes.items():
            if kind not in signalled and (process.exited() or handles_sigterm(process)):
                process.send_signal(sig)  # start-up: rclpy.init or building the node
                signalled[kind] = time.monotonic()
        time.sleep(0.002)
    assert set(signalled) == set(nodes), 'some node never installed its handlers'
    result = outcome(nodes, signalled)
    assert result['slow'] == {}, logs(nodes)
    assert result['codes'] == dict.fromkeys(READY, 0), logs(nodes)
    assert result['left'] == {}
    assert 'Traceback' not in logs(nodes)
    assert 'fake_robot: 0 states' in nodes['fake_robot'].output()  # built, never started


@pytest.mark.parametrize('sig', SIGNALS)
def test_a_signal_while_python_starts_ends_every_node_at_once_leaving_nothing(nodes, sig):
    now = time.monotonic()
    for process in nodes.values():
        process.send_signal(sig)  # before the node's own code runs: Python's default action
    result = outcome(nodes, dict.fromkeys(nodes, now))
    # The status is Python's (-SIGINT, -SIGTERM, or 1 for a KeyboardInterrupt inside site).
    assert result['slow'] == {}, logs(nodes)
    assert None not in result['codes'].values()
    assert result['left'] == {}
