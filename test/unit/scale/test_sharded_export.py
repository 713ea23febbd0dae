"""A sharded export (one shard per bag, then a merge) equals the single-machine export of the
same bags; reruns skip what is done; a corrupt bag fails alone; leftovers are never merged."""

from __future__ import annotations

import json
import re
import shutil
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import process_groups
import pytest
from dataset_rows import read_rows
from unit.scale.conftest import assert_same_stats, corpus_frames

from interop_bridge.cli import main
from interop_bridge.dataset.validate import validate_dataset
from interop_bridge.errors import ExportError
from interop_bridge.export.episode_assembly import ExportPolicy
from interop_bridge.export.exporter import ExportRequest, export_recordings
from interop_bridge.scale.driver import ShardedExport, run_sharded
from interop_bridge.scale.local_engine import local_engine
from interop_bridge.scale.manifest import (bag_key, read_manifest, settings_digest,
                                           write_manifest)
from interop_bridge.scale.shards import SUCCESS

STATS_COMPARED = ('observation.state', 'observation.velocity', 'valid.observation.state',
                  'observation.imu.orientation', 'index', 'frame_index')


def request(bags: Path, out: Path) -> ExportRequest:
    return ExportRequest(bags=(bags,), out=out, vcodec='libx264',
                         policy=ExportPolicy(action='next-state'))


def sharded(bags: Path, out: Path, manifest: Path, lines: list[str] | None = None):
    job = ShardedExport(request(bags, out), manifest)
    return run_sharded(job, local_engine(2), (lines if lines is not None else []).append)


@pytest.fixture(scope='module')
def both(corpus, tmp_path_factory) -> tuple[Path, Path, Path]:
    """The corpus exported by one process, and sharded with two workers."""
    base = tmp_path_factory.mktemp('both')
    export_recordings(request(corpus, base / 'single'), [].append)
    lines: list[str] = []
    sharded(corpus, base / 'sharded', base / 'run.jsonl', lines)
    (base / 'progress.log').write_text('\n'.join(lines))
    return base / 'single', base / 'sharded', base / 'run.jsonl'


def meta(root: Path, name: str) -> dict:
    return json.loads((root / 'meta' / name).read_text())


def test_the_sharded_export_holds_the_same_rows_as_the_single_machine_one(both):
    single, merged, _ = both
    assert validate_dataset(merged).ok
    one, many = read_rows(single), read_rows(merged)
    assert set(one) == set(many)
    assert len(one['index']) == len(many['index']) == corpus_frames()
    for key in one:
        np.testing.assert_array_equal(many[key], one[key], err_msg=key)
    assert meta(merged, 'info.json')['features']['observation.state']['names'] == \
        meta(single, 'info.json')['features']['observation.state']['names']


def test_the_sharded_statistics_equal_the_single_machine_ones(both):
    single, merged, _ = both
    assert_same_stats(single, merged, STATS_COMPARED)


def test_every_bag_has_one_done_record_and_one_shard(both, corpus):
    _, merged, manifest = both
    records = read_manifest(manifest)
    assert sorted(Path(record.bag).name for record in records.values()) == \
        ['a_g1', 'b_t1', 'c_h1']
    assert {record.status for record in records.values()} == {'done'}
    assert [record.episodes for record in sorted(records.values(), key=lambda r: r.bag)] == \
        [2, 1, 1]
    for record in records.values():
        assert (Path(record.shard) / SUCCESS).is_file()
        assert Path(record.shard).name == record.key
    assert meta(merged, 'interop.json')['merged_from'] == [
        record.shard for record in sorted(records.values(), key=lambda r: r.bag)]


def test_progress_counts_every_bag_as_done_running_or_queued_after_each_result(both):
    _, _, manifest = both
    counts = [re.match(r'bags: (\d+) done, (\d+) failed, (\d+) running, (\d+) queued; '
                       r'[0-9.]+ data hours per minute$', line)
              for line in (manifest.parent / 'progress.log').read_text().splitlines()
              if line.startswith('bags: ')]
    figures = [tuple(int(group) for group in match.groups()) for match in counts if match]
    assert len(figures) == len(counts) == 3
    assert [done for done, *_ in figures] == [1, 2, 3]
    for done, failed, running, queued in figures:
        assert failed == 0 and done + running + queued == 3 and running <= 2
    assert figures[-1] == (3, 0, 0, 0)


def test_a_rerun_exports_nothing_and_leaves_the_dataset_as_it_is(both, corpus):
    _, merged, manifest = both
    before = (merged / 'meta' / 'info.json').read_text()
    lines: list[str] = []
    summary = sharded(corpus, merged, manifest, lines)
    assert summary.submitted == 0 and not summary.merged
    assert '3 bag(s): 3 done already, 0 to export' in lines
    assert (merged / 'meta' / 'info.json').read_text() == before


def test_a_corrupt_bag_fails_alone_and_the_others_merge(corpus, tmp_path, capsys):
    bags = tmp_path / 'bags'
    shutil.copytree(corpus, bags)
    (bags / 'd_broken.mcap').write_bytes(b'\x89MCAP0\r\n' + bytes(range(256)) * 8)
    manifest = tmp_path / 'run.jsonl'
    code = main(['export', str(bags), '--out', str(tmp_path / 'ds'), '--manifest',
                 str(manifest), '--jobs', '2', '--vcodec', 'libx264', '--action', 'next-state'])
    assert code == 1
    err = capsys.readouterr().err
    assert f'error: {bags / "d_broken.mcap"}: ' in err
    records = {Path(record.bag).name: record for record in read_manifest(manifest).values()}
    assert records['d_broken.mcap'].status == 'failed' and records['d_broken.mcap'].error
    assert meta(tmp_path / 'ds', 'info.json')['total_episodes'] == 4
    lines: list[str] = []
    summary = sharded(bags, tmp_path / 'ds2', manifest, lines)
    assert summary.submitted == 1  # only the failed bag is tried again
    assert '4 bag(s): 3 done already, 1 to export' in lines


def test_what_a_killed_attempt_left_is_removed_and_never_merged(corpus, tmp_path):
    manifest = tmp_path / 'run.jsonl'
    key = bag_key(corpus / 'a_g1', settings_digest(request(corpus, tmp_path / 'ds')))
    left = tmp_path / 'run.shards' / f'{key}.tmp-host-1-0'
    (left / 'meta').mkdir(parents=True)
    lines: list[str] = []
    sharded(corpus / 'a_g1', tmp_path / 'ds', manifest, lines)
    assert not left.exists() and f'removed {left.name}: left by an attempt that did not ' \
        'finish' in lines
    assert meta(tmp_path / 'ds', 'interop.json')['merged_from'] == [
        str(tmp_path / 'run.shards' / key)]


def test_a_bags_key_follows_its_content_and_settings_not_its_place(corpus, tmp_path):
    settings = settings_digest(request(corpus, tmp_path / 'ds'))
    moved = Path(shutil.copytree(corpus / 'b_t1', tmp_path / 'elsewhere'))
    assert bag_key(moved, settings) == bag_key(corpus / 'b_t1', settings)
    other = settings_digest(replace(request(corpus, tmp_path / 'other'),
                                    policy=ExportPolicy(fps=15, action='next-state')))
    assert bag_key(corpus / 'b_t1', other) != bag_key(corpus / 'b_t1', settings)
    assert settings_digest(request(corpus, tmp_path / 'other')) == settings  # out is no setting


def test_a_dataset_merged_from_other_shards_is_not_overwritten(both, corpus, tmp_path):
    single, _, _ = both
    with pytest.raises(ExportError, match='merged from other shards; merge into a new --out'):
        sharded(corpus / 'c_h1', single, tmp_path / 'run.jsonl')


def test_a_manifest_line_that_is_no_record_is_refused(tmp_path):
    manifest = tmp_path / 'run.jsonl'
    write_manifest(manifest, [])
    manifest.write_text('{"key": "k", "bag": "b", "status": "maybe"}\n')
    with pytest.raises(ExportError, match=r"run.jsonl:1: status 'maybe', expected one of"):
        read_manifest(manifest)
    manifest.write_text('[1, 2]\n')
    with pytest.raises(ExportError, match='run.jsonl:1: not a manifest record'):
        read_manifest(manifest)


def test_a_local_sharded_export_never_imports_ray():
    code = ('import sys; import interop_bridge.commands.export, interop_bridge.scale.driver, '
            'interop_bridge.scale.local_engine, interop_bridge.scale.ray_engine; '
            'print("ray" in sys.modules)')
    result = process_groups.run([sys.executable, '-c', code], timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == 'False'
