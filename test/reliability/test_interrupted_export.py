"""An export killed (SIGKILL) or interrupted (SIGINT) at 10 moments, new and appending.

Moments are spread over a measured run of the same export: a few during start-up, the rest
from its first episode to its end. After a SIGKILL the new dataset is absent or complete, the
dataset appended to is byte for byte as it was or complete, and the next run succeeds and
leaves no staging folder behind. After a SIGINT the command says one `error:` line at most,
prints no traceback and leaves nothing behind itself.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import process_groups
import pytest
from bag_factory import EventSpec, write_vendor_bag
from reliability.judging import (
    CliRun, dataset_problems, run_cli, staging_leftovers, tree_digest)
from reliability.outcomes import CLEAR_ERROR, HANDLED, TRACEBACK, Outcome, problems, record

PROFILE = 'unitree_g1_29dof'
MOMENTS = 10
EPISODES = 4


@dataclass(frozen=True)
class Timeline:
    """When a run of the export printed its first episode, and when it ended [s from start]."""

    first_episode_s: float
    end_s: float

    def moment(self, k: int) -> float:
        """The k-th of MOMENTS instants: 3 during start-up, 7 from the first episode on."""
        if k < 3:
            return self.first_episode_s * (k + 1) / 4
        return self.first_episode_s + (self.end_s - self.first_episode_s) * (k - 3) / 7


def export_argv(bag: Path, out: Path) -> list[str]:
    return [sys.executable, '-m', 'interop_bridge.cli', 'export', str(bag), '--profile', PROFILE,
            '--out', str(out)]


@pytest.fixture(scope='module')
def recordings(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A 12 s recording of 4 episodes to export, and a dataset it appends to."""
    root = tmp_path_factory.mktemp('recordings')
    episodes = tuple(EventSpec(0.2 + 3 * k, 2.8 + 3 * k, 'wave') for k in range(EPISODES))
    bag = write_vendor_bag(root / 'long', PROFILE, duration_s=12.0, events=episodes,
                           commands=True)
    short = write_vendor_bag(root / 'short', PROFILE, duration_s=1.5, commands=True)
    dataset = root / 'dataset'
    made = run_cli('export', short, '--profile', PROFILE, '--task', 'stand', '--out', dataset)
    assert made.returncode == 0, made.stderr
    return bag, dataset


@pytest.fixture(scope='module')
def timeline(recordings: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Timeline:
    """One full run of the export as a process, timed from its output."""
    out = tmp_path_factory.mktemp('timed') / 'dataset'
    started = time.monotonic()
    popen = process_groups.spawn(export_argv(recordings[0], out), stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, text=True)
    first = None
    try:
        for line in popen.stderr:
            if first is None and 'episode 0' in line:
                first = time.monotonic() - started
    finally:
        process_groups.end(popen, None, timeout=60.0)
        popen.stderr.close()
    assert popen.returncode == 0 and first is not None, 'the timed export failed'
    return Timeline(first, time.monotonic() - started)


def killed_at(argv: list[str], moment_s: float, sig: int) -> CliRun:
    """Run argv as a process and send it `sig` after `moment_s`; what it printed and returned."""
    popen = process_groups.spawn(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        try:
            stdout, stderr = popen.communicate(timeout=moment_s)
        except subprocess.TimeoutExpired:
            process_groups.signal_group(popen, sig)
            stdout, stderr = popen.communicate(timeout=30.0)
    finally:
        process_groups.end(popen, signal.SIGKILL, timeout=0.0)
        popen.stdout.close()
        popen.stderr.close()
    return CliRun(popen.returncode, stdout, stderr, '')


def output_of_case(dataset: Path, directory: Path, appending: bool) -> tuple[Path, str]:
    """The case's output (a copy of `dataset` when appending, else nothing yet), its digest."""
    out = directory / 'out'
    if appending:
        shutil.copytree(dataset, out)
    return out, tree_digest(out)


def after_a_kill(out: Path, before: str, appending: bool) -> list[str]:
    """What is wrong with `out` after the kill: it must be as it was, or complete."""
    if tree_digest(out) == before:
        return []
    found = dataset_problems(out)
    if not found and appending:
        episodes = len(list((out / 'meta' / 'episodes').rglob('*.parquet')))
        found = [] if episodes else ['the appended dataset lost its episodes']
    return found


@pytest.mark.timeout(180)
@pytest.mark.parametrize('k', range(MOMENTS))
def test_an_export_killed_at_any_moment_leaves_the_dataset_whole_and_the_next_run_cleans_up(
        recordings, timeline, tmp_path, k):
    bag, dataset = recordings
    appending = bool(k % 2)
    out, before = output_of_case(dataset, tmp_path, appending)
    moment = timeline.moment(k)
    killed = killed_at(export_argv(bag, out), moment, signal.SIGKILL)
    damage = after_a_kill(out, before, appending)
    rerun = run_cli('export', bag, '--profile', PROFILE, '--out', out)
    if rerun.returncode == 0:
        damage.extend(dataset_problems(out))
    damage.extend(f'left behind after the next run: {name}'
                  for name in staging_leftovers(tmp_path))
    target = 'appending' if appending else 'new dataset'
    outcome = record(Outcome(
        'SIGKILL at 10 moments of an export (new, appending)',
        f'{target}, killed at {moment:.2f} s (exit {killed.returncode})',
        rerun.result() if rerun.result() != HANDLED or not damage else HANDLED,
        damaged=len(damage), detail='; '.join(damage) or rerun.said()))
    assert not problems(outcome), problems(outcome)
    assert rerun.returncode == 0, f'the run after the kill failed: {rerun.said()}'


@pytest.mark.timeout(180)
@pytest.mark.parametrize('k', range(MOMENTS))
def test_an_export_interrupted_at_any_moment_says_so_in_one_line_and_leaves_nothing_behind(
        recordings, timeline, tmp_path, k):
    bag, dataset = recordings
    appending = bool(k % 2)
    out, before = output_of_case(dataset, tmp_path, appending)
    moment = timeline.moment(k)
    interrupted = killed_at(export_argv(bag, out), moment, signal.SIGINT)
    if tree_digest(out) == before:
        damage, result = [], _interrupted_result(interrupted)
    elif 'exported' in interrupted.stderr:  # it had finished: the dataset must be whole
        damage, result = dataset_problems(out), HANDLED
    else:
        damage = [f'an interrupted export changed its output (and said {interrupted.said()!r})']
        result = _interrupted_result(interrupted)
    damage.extend(f'left behind: {name}' for name in staging_leftovers(tmp_path))
    target = 'appending' if appending else 'new dataset'
    outcome = record(Outcome(
        'SIGINT at 10 moments of an export', f'{target}, interrupted at {moment:.2f} s', result,
        damaged=len(damage), detail='; '.join(damage) or interrupted.said()))
    assert not problems(outcome), problems(outcome)


def _interrupted_result(run: CliRun) -> str:
    """An interrupt ends the command with one error line, or (before Python set up its handler)
    silently by the signal itself; a traceback or several error lines are findings."""
    if 'Traceback (most recent call last)' in run.stderr or run.error_lines() > 1:
        return TRACEBACK
    return CLEAR_ERROR
