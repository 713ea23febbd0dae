"""`interop export` on every core writes the dataset one process writes: the same rows,
statistics, metadata and video frames; a bad bag fails the whole export and writes nothing;
appending stays in one process; a killed export leaves no worker running and nothing behind.

The reference is the one-process export of the same bags (`--jobs 1`, the exporter as it was
before workers), read back with pyarrow and PyAV, not through the merge under test.
"""

from __future__ import annotations

import json
import re
import os
import shutil
import signal
import sys
import time
from pathlib import Path

import av
import numpy as np
import process_groups
import pytest
from dataset_rows import read_rows
from unit.scale.conftest import assert_same_stats, corpus_frames

from interop_bridge.cli import main
from interop_bridge.errors import ExportError
from interop_bridge.export.episode_assembly import ExportPolicy
from interop_bridge.export.exporter import ExportRequest
from interop_bridge.scale.parallel_export import export_on_every_core

REPO = Path(__file__).resolve().parents[3]
STATS_COMPARED = ('observation.state', 'observation.velocity', 'valid.observation.state',
                  'observation.imu.orientation', 'index', 'frame_index', 'episode_index')
EPISODE_COLUMNS_SAME = ('episode_index', 'tasks', 'length', 'dataset_from_index',
                        'dataset_to_index')
pytestmark = pytest.mark.timeout(240)


def export(bags: list[Path], out: Path, jobs: int, capsys, *options: str) -> str:
    """Run `interop export` in this process (AV1, the default codec); its stderr."""
    code = main(['export', *map(str, bags), '--out', str(out), '--jobs', str(jobs),
                 '--action', 'next-state', *options])
    err = capsys.readouterr().err
    assert code == 0, err
    return err


@pytest.fixture(scope='module')
def both(corpus, tmp_path_factory) -> tuple[Path, Path, str]:
    """The corpus exported by one process and by two workers, and the workers' stderr."""
    base = tmp_path_factory.mktemp('parallel')
    with pytest.MonkeyPatch.context() as patch:
        capture = _Capture()
        patch.setattr(sys, 'stderr', capture)
        main(['export', str(corpus), '--out', str(base / 'one'), '--jobs', '1',
              '--action', 'next-state'])
        capture.text = ''
        code = main(['export', str(corpus), '--out', str(base / 'two'), '--jobs', '2',
                     '--action', 'next-state'])
    assert code == 0, capture.text
    return base / 'one', base / 'two', capture.text


class _Capture:
    """A stderr that keeps what was written (the module fixture cannot use capsys)."""

    def __init__(self) -> None:
        self.text = ''

    def write(self, text: str) -> int:
        self.text += text
        return len(text)

    def flush(self) -> None:
        pass


def meta(root: Path, name: str) -> dict:
    return json.loads((root / 'meta' / name).read_text())


def episodes_rows(root: Path) -> list[dict]:
    import pyarrow.parquet as pq

    paths = sorted((root / 'meta' / 'episodes').rglob('*.parquet'))
    return [row for path in paths for row in pq.read_table(path).to_pylist()]


def decoded_episode_frames(root: Path, row: dict, key: str) -> np.ndarray:
    """The RGB frames of one episode of camera `key`, decoded with PyAV from its file."""
    path = root / 'videos' / key / f'chunk-{row[f"videos/{key}/chunk_index"]:03d}' / \
        f'file-{row[f"videos/{key}/file_index"]:03d}.mp4'
    fps = meta(root, 'info.json')['fps']
    first = round(row[f'videos/{key}/from_timestamp'] * fps)
    last = round(row[f'videos/{key}/to_timestamp'] * fps)
    with av.open(str(path)) as container:
        frames = [frame.to_ndarray(format='rgb24') for frame in container.decode(video=0)]
    return np.stack(frames[first:last])


def test_the_workers_were_used_and_said_so(both):
    _, _, said = both
    assert 'exporting 3 bag(s) in 2 worker processes (1 encoder thread(s) each)' in said
    assert said.count('/3 bag ') == 3


def test_two_workers_write_the_rows_one_process_writes(both):
    one, two, _ = both
    rows_one, rows_two = read_rows(one), read_rows(two)
    assert set(rows_one) == set(rows_two)
    assert len(rows_two['index']) == corpus_frames()
    for key in rows_one:
        np.testing.assert_array_equal(rows_two[key], rows_one[key], err_msg=key)


def test_two_workers_write_the_statistics_one_process_writes(both):
    one, two, _ = both
    assert_same_stats(one, two, STATS_COMPARED)


def test_two_workers_write_the_metadata_one_process_writes(both):
    one, two, _ = both
    info_one, info_two = meta(one, 'info.json'), meta(two, 'info.json')
    for info in (info_one, info_two):
        info.pop('total_files', None)  # packing: one file per part (see the video test)
    assert info_two == info_one
    interop_one, interop_two = meta(one, 'interop.json'), meta(two, 'interop.json')
    assert 'merged_from' not in interop_two
    assert len(interop_two['exports']) == 1
    assert [bag['path'] for bag in interop_two['exports'][0]['bags']] == \
        [bag['path'] for bag in interop_one['exports'][0]['bags']]
    assert interop_two == interop_one
    assert (two / 'meta' / 'tasks.parquet').read_bytes() == \
        (one / 'meta' / 'tasks.parquet').read_bytes()


def test_two_workers_encode_the_frames_one_process_encodes(both):
    one, two, _ = both
    keys = [key for key, entry in meta(one, 'info.json')['features'].items()
            if entry['dtype'] == 'video']
    assert keys
    rows_one, rows_two = episodes_rows(one), episodes_rows(two)
    for row_one, row_two in zip(rows_one, rows_two, strict=True):
        assert {k: row_two[k] for k in EPISODE_COLUMNS_SAME} == \
            {k: row_one[k] for k in EPISODE_COLUMNS_SAME}
        for key in keys:
            frames_one = decoded_episode_frames(one, row_one, key)
            frames_two = decoded_episode_frames(two, row_two, key)
            assert len(frames_two) == len(frames_one) == row_one['length']
            difference = np.abs(frames_two.astype(np.int16) - frames_one.astype(np.int16))
            assert difference.mean() < 1.0, (row_one['episode_index'], key)


def test_a_bag_that_fails_in_its_worker_fails_the_export_and_nothing_is_written(
        corpus, tmp_path):
    bags = Path(shutil.copytree(corpus, tmp_path / 'bags'))
    lines: list[str] = []

    def progress(line: str) -> None:  # planned: now the bag goes away (a shared disk failing)
        lines.append(line)
        if line.startswith('exporting 3 bag(s) in 2 worker processes'):
            shutil.rmtree(bags / 'b_t1')

    request = ExportRequest(bags=(bags,), out=tmp_path / 'ds',
                            policy=ExportPolicy(action='next-state'))
    with pytest.raises(ExportError, match=r'1 of 3 bag\(s\) could not be exported, nothing '
                       r'was written: .*b_t1: BagError: .*b_t1: no such file or directory'):
        export_on_every_core(request, progress, jobs=2)
    assert any(line.startswith(f'failed: {bags / "b_t1"}: ') for line in lines)
    assert sorted(path.name for path in tmp_path.iterdir()) == ['bags']


def test_a_bag_found_bad_while_planning_fails_before_any_worker(corpus, tmp_path, capsys):
    bags = Path(shutil.copytree(corpus, tmp_path / 'bags'))
    (bags / 'd_broken.mcap').write_bytes(b'\x89MCAP0\r\n' + bytes(range(256)) * 8)
    code = main(['export', str(bags), '--out', str(tmp_path / 'ds'), '--jobs', '2',
                 '--action', 'next-state'])
    err = capsys.readouterr().err
    assert code == 1 and f'error: empty bag: {bags / "d_broken.mcap"} holds no messages' in err
    assert 'worker processes' not in err
    assert sorted(path.name for path in tmp_path.iterdir()) == ['bags']


def test_appending_to_a_dataset_stays_in_one_process_and_matches_it(both, corpus, tmp_path,
                                                                    capsys):
    one, _, _ = both
    out = tmp_path / 'ds'
    export([corpus / 'a_g1'], out, 2, capsys, '--joints', 'canonical')  # room for every robot
    said = export([corpus / 'b_t1', corpus / 'c_h1'], out, 2, capsys, '--joints', 'canonical')
    assert 'worker processes' not in said
    rows, expected = read_rows(out), read_rows(one)
    for key in expected:
        np.testing.assert_array_equal(rows[key], expected[key], err_msg=key)


def test_one_bag_is_planned_once_and_shows_every_episode(corpus, tmp_path, capsys):
    said = export([corpus / 'a_g1'], tmp_path / 'ds', 2, capsys).splitlines()
    assert 'worker processes' not in '\n'.join(said)
    assert sum(line.startswith('planning ') for line in said) == 1
    episodes = [line for line in said if re.search(r'\] +\d+/2 episode \d+: ', line)]
    assert [re.search(r'episode (\d+):', line).group(1) for line in episodes] == ['0', '1']
    assert any(line.startswith('exported 2 episode(s)') for line in said)


def test_jobs_must_be_zero_or_more(corpus, tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(['export', str(corpus), '--out', str(tmp_path / 'ds'), '--jobs', '-1'])
    assert 'expected 0 (every core) or a positive count, got -1' in capsys.readouterr().err


def children_of(pid: int) -> list[int]:
    """The live child processes of `pid` (from /proc)."""
    found = []
    for entry in Path('/proc').iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / 'stat').read_text().rsplit(')', 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != 'Z':
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()[0]
    except OSError:
        return False
    return state != 'Z'


def test_a_killed_export_leaves_no_worker_running_and_the_next_run_cleans_up(tmp_path):
    import bag_factory as bf
    import embodied_bags as eb

    bags = tmp_path / 'bags'
    for number in range(4):  # long enough that the workers are mid-bag when the driver dies
        name = f'g1_{number}'
        eb.embodied_vendor_bag(bags / name, 'unitree_g1_29dof', duration_s=8.0,
                               events=(bf.EventSpec(0.2, 7.8, 'wave'),))
        shutil.rmtree(bags / f'{name}-vendor-only')
    out = tmp_path / 'ds'
    argv = [sys.executable, '-m', 'interop_bridge.cli', 'export', str(bags), '--out', str(out),
            '--jobs', '2', '--action', 'next-state']
    popen = process_groups.spawn(argv, cwd=REPO, stdout=open(os.devnull, 'w'),
                                 stderr=open(tmp_path / 'stderr', 'w'))
    try:
        workers: list[int] = []
        deadline = time.monotonic() + 120
        while len(workers) < 2 and time.monotonic() < deadline and popen.poll() is None:
            time.sleep(0.05)  # the resource tracker is a child too: wait for it and 2 workers
            workers = [pid for pid in children_of(popen.pid)
                       if 'spawn_main' in Path(f'/proc/{pid}/cmdline').read_text()]
        assert len(workers) == 2, (tmp_path / 'stderr').read_text()
        time.sleep(1.0)
        os.kill(popen.pid, signal.SIGKILL)
        popen.wait(timeout=10)
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(alive(pid) for pid in workers), 'a worker outlived its driver'
    finally:
        process_groups.end(popen)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith('.ds.staging-')]
    rerun = process_groups.run(argv, timeout=180, cwd=REPO)
    assert rerun.returncode == 0, rerun.stderr
    assert meta(out, 'info.json')['total_episodes'] == 4
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith('.ds.')]
