"""Damaged recordings, both storages: bit flips at random offsets and truncation at 10 points.

Every case exports the damaged bag twice, into a new dataset and appended to an intact one, with
the real command line. It passes when nothing escapes as a traceback, a failure is one
`error: ...` line that leaves the new dataset absent and the intact one byte for byte as it
was, and a finished export is a dataset `interop validate` accepts holding no impossible value.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
from bag_factory import EventSpec, write_vendor_bag
from reliability.judging import (
    dataset_problems, run_cli, staging_leftovers, tree_digest, worst)
from reliability.outcomes import Outcome, problems, record

PROFILE = 'unitree_g1_29dof'
STORAGES = ('mcap', 'sqlite3')
FLIP_SEEDS = range(10)
TRUNCATION_POINTS = [(k + 0.5) / 10 for k in range(10)]  # 5 % .. 95 % of the storage file
BURST = 64  # bytes inverted at one offset (odd seeds); even seeds flip 16 single bits


@pytest.fixture(scope='module')
def intact(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, bool], Path]:
    """Intact G1 recordings (state, commands, two episodes) per storage, with and without a
    camera: without one, every flipped bit lands in robot data, not in pixels."""
    root = tmp_path_factory.mktemp('intact')
    episodes = (EventSpec(0.2, 1.4, 'wave'), EventSpec(1.6, 2.8, 'pick'))
    return {(storage, camera): write_vendor_bag(
        root / f'{storage}-{camera}', PROFILE, storage=storage, duration_s=3.0,
        events=episodes, commands=True, camera=camera)
        for storage in STORAGES for camera in (True, False)}


@pytest.fixture(scope='module')
def baseline(intact: dict[tuple[str, bool], Path],
             tmp_path_factory: pytest.TempPathFactory) -> dict[bool, Path]:
    """Datasets exported from the intact mcap recordings, with and without the camera: what
    the damaged bags append to."""
    root = tmp_path_factory.mktemp('baseline')
    datasets = {}
    for camera in (True, False):
        datasets[camera] = root / f'dataset-{camera}'
        exported = run_cli('export', intact['mcap', camera], '--profile', PROFILE,
                           '--out', datasets[camera])
        assert exported.returncode == 0, exported.stderr
    return datasets


def storage_file(bag: Path) -> Path:
    (file,) = [p for p in bag.iterdir() if p.suffix in ('.mcap', '.db3')]
    return file


def damaged_copy(intact: Path, work: Path) -> tuple[Path, Path]:
    bag = work / 'bag'
    shutil.copytree(intact, bag)
    return bag, storage_file(bag)


def flip(file: Path, seed: int) -> str:
    """Invert bits of `file` at random offsets (seeded); say where."""
    data = bytearray(file.read_bytes())
    rng = random.Random(seed)
    if seed % 2:
        offset = rng.randrange(len(data) - BURST)
        data[offset:offset + BURST] = bytes(b ^ 0xFF for b in data[offset:offset + BURST])
        where = f'{BURST} bytes inverted at offset {offset} of {len(data)}'
    else:
        offsets = sorted(rng.randrange(len(data)) for _ in range(16))
        for offset in offsets:
            data[offset] ^= 1 << rng.randrange(8)
        where = f'16 single bits flipped at offsets {offsets[0]}..{offsets[-1]} of {len(data)}'
    file.write_bytes(bytes(data))
    return where


def truncate(file: Path, fraction: float) -> str:
    size = file.stat().st_size
    keep = int(size * fraction)
    with open(file, 'r+b') as handle:
        handle.truncate(keep)
    return f'cut at {keep} of {size} bytes ({fraction:.0%})'


def replay(family: str, case: str, bag: Path, baseline: Path, work: Path) -> Outcome:
    """Export the damaged bag into a new dataset and onto a copy of the baseline; judge both."""
    new, appended = work / 'new', work / 'appended'
    shutil.copytree(baseline, appended)
    before = tree_digest(appended)
    into_new = run_cli('export', bag, '--profile', PROFILE, '--out', new)
    onto = run_cli('export', bag, '--profile', PROFILE, '--out', appended)
    damage = []
    for run, dataset in ((into_new, new), (onto, appended)):
        if run.returncode == 0:
            damage.extend(dataset_problems(dataset))
    if into_new.returncode != 0 and new.exists():
        damage.append('a failed export left a dataset behind')
    if onto.returncode != 0 and tree_digest(appended) != before:
        damage.append('a failed append changed the dataset')
    damage.extend(f'left behind: {name}' for name in staging_leftovers(work))
    said = '; '.join(dict.fromkeys([into_new.said(), onto.said()]))
    return record(Outcome(family, case, worst(into_new.result(), onto.result()),
                          damaged=len(damage), detail='; '.join(damage) or said))


@pytest.mark.timeout(120)
@pytest.mark.parametrize('seed', FLIP_SEEDS)
@pytest.mark.parametrize('storage', STORAGES)
def test_a_recording_with_flipped_bits_exports_cleanly_or_fails_with_one_line(
        intact, baseline, tmp_path, storage, seed):
    bag, file = damaged_copy(intact[storage, False], tmp_path)
    where = flip(file, seed)
    outcome = replay(f'bit flips at random offsets, {storage}', f'seed {seed}: {where}', bag,
                     baseline[False], tmp_path)
    assert not problems(outcome), problems(outcome)


@pytest.mark.timeout(120)
@pytest.mark.parametrize('fraction', TRUNCATION_POINTS)
@pytest.mark.parametrize('storage', STORAGES)
def test_a_truncated_recording_exports_what_it_holds_or_fails_with_one_line(
        intact, baseline, tmp_path, storage, fraction):
    bag, file = damaged_copy(intact[storage, True], tmp_path)
    where = truncate(file, fraction)
    outcome = replay(f'truncation at 10 points, {storage}', where, bag, baseline[True], tmp_path)
    assert not problems(outcome), problems(outcome)
