"""A recorder killed (SIGKILL) at 10 moments of a recording, alternately mcap and sqlite3.

A simulated G1 and its bridge run over real DDS; the recorder records the canonical topics
and the camera and is killed from its start-up to well into the recording. The bag it leaves
then goes through the real `interop export`: it exports what it holds (a dataset that `interop
validate` accepts, with no impossible value) or fails with one `error: ...` line and writes
nothing; never a traceback.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from reliability.judging import dataset_problems, run_cli, staging_leftovers
from reliability.outcomes import Outcome, problems, record
from ros_process import Process, end_all

from interop_bridge import topics

NAMESPACE = '/g1'
# When the recorder is killed: 3 moments of its start-up [s after it was started], then 7
# [s after it began recording the robot's state], up to 3 s in (3 flushes of its 1 s period).
STARTUP_S = (0.0, 0.3, 0.6)
RECORDING_S = (0.0, 0.1, 0.5, 0.9, 1.3, 2.0, 3.0)
MOMENTS = [('start-up', s) for s in STARTUP_S] + [('recording', s) for s in RECORDING_S]
RECORDED = [topics.STATE, topics.COMMAND, topics.EMBODIMENT, 'camera/image_raw']


@pytest.fixture(scope='module')
def robot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A simulated G1 and its bridge, for the whole module."""
    logs = tmp_path_factory.mktemp('robot')
    started = []
    try:
        for name, module, parameters in (
                ('fake_robot', 'fake_robot', ['-p', 'style:=unitree_g1_29dof',
                                              '-p', 'camera_size:=[32, 48]']),
                ('bridge', 'bridge', ['-p', 'profile:=unitree_g1_29dof'])):
            started.append(Process(
                [sys.executable, '-m', f'interop_bridge.nodes.{module}', '--ros-args',
                 '-r', f'__ns:={NAMESPACE}', *parameters], logs / f'{name}.log'))
            started[-1].wait_for_output(f"{name} ready", timeout=30.0)
        yield
    finally:
        end_all(started)


def recorder_argv(output: Path, storage: str) -> list[str]:
    return [sys.executable, '-m', 'interop_bridge.nodes.recorder', '--ros-args',
            '-r', f'__ns:={NAMESPACE}', '-p', f'topics:=[{", ".join(RECORDED)}]',
            '-p', f'output:={output}', '-p', 'bag_name:=bag', '-p', f'storage:={storage}']


@pytest.mark.timeout(120)
@pytest.mark.parametrize('k', range(len(MOMENTS)))
def test_a_recording_killed_at_any_moment_exports_what_it_holds_or_fails_with_one_line(
        robot, tmp_path, k):
    storage = ('mcap', 'sqlite3')[k % 2]
    recorder = Process(recorder_argv(tmp_path / 'bags', storage), tmp_path / 'recorder.log')
    phase, delay = MOMENTS[k]
    try:
        if phase == 'recording':
            recorder.wait_for_output(f'recording {NAMESPACE}/{topics.STATE} ', timeout=60.0)
        recorder.exits_within(delay)  # it does not exit by itself: this is a wait
    finally:
        end_all([recorder], signal.SIGKILL, timeout=0.0)
    dataset = tmp_path / 'dataset'
    exported = run_cli('export', tmp_path / 'bags' / 'bag', '--task', 'wave', '--out', dataset)
    damage = dataset_problems(dataset) if exported.returncode == 0 else (
        ['a failed export left a dataset behind'] if dataset.exists() else [])
    damage.extend(f'left behind: {name}' for name in staging_leftovers(tmp_path))
    outcome = record(Outcome(
        f'SIGKILL at 5 moments of a recording, {storage}',
        f'killed {delay:.1f} s into its {phase}',
        exported.result(), damaged=len(damage), detail='; '.join(damage) or exported.said()))
    assert not problems(outcome), problems(outcome)
