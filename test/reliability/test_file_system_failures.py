"""Real file-system failures and missing files: one `error: ...` line, nothing damaged.

A read-only file system and a full one are real tmpfs mounts in a private mount namespace
(`unshare --mount`, root only: skipped, with the reason, where it is not allowed), for a new
dataset and for an append. Missing files: a dataset without its data file given to `report`,
`validate` and `merge`, a recording without its storage file or its metadata. A reader that
goes away (`interop canonical --markdown | head -0`): silent exit 141.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import process_groups
import pytest
from bag_factory import write_vendor_bag
from reliability.judging import CliRun, run_cli
from reliability.outcomes import CLEAR_ERROR, TRACEBACK, Outcome, problems, record

PROFILE = 'unitree_g1_29dof'
HERE = Path(__file__).resolve().parent


@pytest.fixture(scope='module')
def recording(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A G1 recording with a camera, and the dataset exported from it."""
    root = tmp_path_factory.mktemp('recording')
    bag = write_vendor_bag(root / 'bag', PROFILE, duration_s=2.0, commands=True)
    dataset = root / 'dataset'
    made = run_cli('export', bag, '--profile', PROFILE, '--task', 'wave', '--out', dataset)
    assert made.returncode == 0, made.stderr
    return bag, dataset


def private_mounts_work(tmp_path: Path) -> str:
    """'' when this process may mount a tmpfs in a mount namespace of its own; else why not."""
    if shutil.which('unshare') is None:
        return 'no unshare(1) on this machine'
    tried = process_groups.run(['unshare', '--mount', 'mount', '-t', 'tmpfs', 'tmpfs',
                                str(tmp_path)], timeout=10)
    return '' if tried.returncode == 0 else f'no private mounts here: {tried.stderr.strip()}'


def dataset_size(dataset: Path) -> int:
    return sum(file.stat().st_size for file in dataset.rglob('*') if file.is_file())


CASES = {  # name: (mode, size, appending)
    'read-only, new dataset': ('read-only', '4m', False),
    'read-only, appending': ('read-only', '4m', True),
    'disk full, new dataset': ('full', '48k', False),
    'disk full, appending': ('full', None, True),  # room for the dataset and 16 KiB more
}


@pytest.mark.timeout(120)
@pytest.mark.parametrize('case', sorted(CASES))
def test_a_failing_file_system_is_one_error_line_and_damages_nothing(
        recording, tmp_path, case):
    reason = private_mounts_work(tmp_path)
    if reason:
        pytest.skip(reason)
    bag, dataset = recording
    mode, size, appending = CASES[case]
    size = size or str(dataset_size(dataset) + 16 * 1024)
    point = tmp_path / 'mount'
    point.mkdir()
    argv = ['unshare', '--mount', sys.executable, str(HERE / 'in_private_mount.py'), mode, size,
            str(point), str(bag), PROFILE, *([str(dataset)] if appending else [])]
    ran = process_groups.run(argv, timeout=150)
    assert ran.returncode == 0, ran.stderr
    seen = json.loads(ran.stdout)
    export = CliRun(seen['returncode'], '', seen['stderr'], '')
    damage = [] if seen['before'] == seen['after'] else [
        f'the file system changed: {seen["before"][1]} -> {seen["after"][1]}']
    outcome = record(Outcome('file system read-only or full (real tmpfs; new, appending)', case,
                             export.result(), damaged=len(damage),
                             detail='; '.join(damage) or export.said()))
    assert not problems(outcome), problems(outcome)
    assert export.returncode == 1, export.stderr


def without_data_file(dataset: Path, directory: Path) -> Path:
    copy = directory / 'incomplete'
    shutil.copytree(dataset, copy)
    for file in (copy / 'data').rglob('*.parquet'):
        file.unlink()
    return copy


def missing_file_cases(recording: tuple[Path, Path], directory: Path) -> dict[str, list]:
    bag, dataset = recording
    incomplete = without_data_file(dataset, directory)
    no_storage = directory / 'no_storage'
    shutil.copytree(bag, no_storage)
    for file in no_storage.glob('*.mcap'):
        file.unlink()
    no_metadata = directory / 'no_metadata'
    shutil.copytree(bag, no_metadata)
    (no_metadata / 'metadata.yaml').unlink()
    return {
        'report of a dataset without its data file': [
            'report', incomplete, '--out', directory / 'report'],
        'validate of a dataset without its data file': ['validate', incomplete],
        'merge of a dataset without its data file': [
            'merge', '--out', directory / 'merged', dataset, incomplete],
        'export of a recording without its storage file': [
            'export', no_storage, '--profile', PROFILE, '--out', directory / 'a'],
        'export of a recording without its metadata': [
            'export', no_metadata, '--profile', PROFILE, '--task', 'wave',
            '--out', directory / 'b'],
        'export of a recording that does not exist': [
            'export', directory / 'nothing', '--out', directory / 'c'],
    }


@pytest.mark.timeout(120)
def test_missing_files_are_one_error_line_each_and_write_nothing(recording, tmp_path):
    before = sorted(path.name for path in tmp_path.iterdir())
    wrong = []
    for case, argv in missing_file_cases(recording, tmp_path).items():
        run = run_cli(*argv)
        result = run.result()
        if argv[0] == 'validate':  # its report: FAIL lines and a last 'INVALID: ...' line
            invalid = run.returncode == 1 and run.stdout.strip().splitlines()[-1].startswith(
                'INVALID:')
            clean = not run.escaped and 'Traceback' not in run.stderr
            result = CLEAR_ERROR if invalid and clean else TRACEBACK
        outcome = record(Outcome('missing files (report, validate, merge, export)', case, result,
                                 detail=run.said()))
        wrong += [problems(outcome)] if problems(outcome) else []
        if argv[0] == 'export' and run.returncode == 0:
            wrong.append(f'{case}: exported (exit 0)')  # the no-metadata bag may: checked below
    made = sorted(set(path.name for path in tmp_path.iterdir()) - set(before))
    assert [name for name in made if name in ('report', 'merged', 'a', 'c')] == [], made
    assert [w for w in wrong if 'without its metadata' not in w] == []


@pytest.mark.timeout(60)
def test_a_reader_that_goes_away_ends_the_command_silently():
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line (like `| head -0`)
    try:
        popen = process_groups.spawn([sys.executable, '-m', 'interop_bridge.cli', 'canonical',
                                      '--markdown'], stdout=write_end, stderr=subprocess.PIPE,
                                     text=True)
    finally:
        os.close(write_end)
    try:
        stderr = popen.stderr.read()
        popen.wait(30)
    finally:
        process_groups.end(popen, None, timeout=30.0)
        popen.stderr.close()
    run = CliRun(popen.returncode, '', stderr, '')
    silent = popen.returncode == 141 and stderr == ''
    outcome = record(Outcome('broken pipe', 'interop canonical --markdown | head -0',
                             CLEAR_ERROR if silent else TRACEBACK, detail=run.said()))
    assert not problems(outcome), (popen.returncode, stderr)
