"""`interop export` on every core: the bags in worker processes, one merge, the same dataset.

    interop export BAGS... --out DS [--jobs N]      (default: every core; --jobs 1: one process)

A new dataset of two bags or more is exported like this: the driver prepares the export as a
whole (exporter.prepare_export: every bag planned, one schema, one action source, the joints;
the same errors as one process, before any work), then `export_bag` (scale/shards.py, the
per-bag function of every sharded export) writes each bag holding episodes into a part dataset
in a private staging directory beside DS, `jobs` bags at a time (scale/local_engine.py, each
worker with its share of the cores for its encoders), and `merge_datasets(one_export=...)`
joins the parts, in bag order, into DS: global indices, tasks, video offsets, statistics
re-aggregated, MP4s copied, one export record with every bag, as one process writes it.
DS appears only when every bag was exported and the merge succeeded; a bag that fails fails
the export, naming every bag that failed, and nothing is written. The staging directory is
named like an atomic write's (`.<DS>.staging-<owner>-<pid>-*`), so the next run removes it if
this one is killed outright (dataset/orphans.py).

One process is used instead when it is all there is to do: one bag, `jobs` 1, or appending to
an existing dataset (an append links the dataset's files and adds to them; a merge would
rewrite every row).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from interop_bridge.dataset.atomic import is_dataset, require_writable
from interop_bridge.dataset.orphans import clear_orphans, prefix
from interop_bridge.dataset.summary import WriteSummary
from interop_bridge.errors import ExportError
from interop_bridge.export.exporter import export_recordings, prepare_export, progress_bar
from interop_bridge.export.planning import ExportRequest, Progress
from interop_bridge.scale.local_engine import default_jobs, local_engine, threads_per_worker
from interop_bridge.scale.manifest import ShardRecord
from interop_bridge.scale.shards import SUCCESS


def export_on_every_core(request: ExportRequest, progress: Progress,
                         jobs: int = 0) -> WriteSummary:
    """Export `request` with `jobs` worker processes (0: every core), or in this process
    when there is nothing to share out (see the module docstring)."""
    workers = jobs or default_jobs()
    if workers < 2 or is_dataset(request.out):
        return export_recordings(request, progress)
    once = _Lines(progress)
    prepared = prepare_export(request, once.give)
    bags = [plan.path for plan in prepared.plans if plan.spans]
    if len(bags) < 2:
        return export_recordings(request, once.give, prepared=prepared)
    workers = min(workers, len(bags))
    started = time.monotonic()
    once.give(f'exporting {len(bags)} bag(s) in {workers} worker processes '
              f'({threads_per_worker(workers)} encoder thread(s) each)')
    from interop_bridge.dataset.merge import merge_datasets  # pyarrow.compute: only here

    staging = _staging_beside(request.out.absolute())
    try:
        records = _export_parts(bags, staging, request, workers, once)
        summary = merge_datasets(request.out, [record.shard for record in records],
                                 one_export={'action': prepared.action.record()})
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    progress(f'exported {summary.new_episodes} episode(s) in '
             f'{time.monotonic() - started:.1f} s to {request.out}')
    return summary


def _staging_beside(out: Path) -> Path:
    """A new private directory beside `out` for the parts (named as an atomic write's)."""
    require_writable(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        clear_orphans(out)
        return Path(tempfile.mkdtemp(prefix=prefix(out, 'staging'), dir=out.parent))
    except OSError as error:
        message = f'{out}: cannot write beside it in {out.parent}: {error.strerror or error}'
        raise ExportError(message) from error


def _export_parts(bags: Sequence[Path], staging: Path, request: ExportRequest, workers: int,
                  lines: _Lines) -> list[ShardRecord]:
    """Every bag into its part dataset (in bag order), or ExportError naming each failure."""
    keys = {f'part-{number:06d}': bag for number, bag in enumerate(bags)}
    done: dict[str, ShardRecord] = {}
    failed: list[ShardRecord] = []
    engine = local_engine(workers)
    for record in engine(list((bag, key) for key, bag in keys.items()), staging, request):
        if record.status != 'done':
            failed.append(record)
            lines.give(f'failed: {record.bag}: {record.error}')
            continue
        done[record.key] = record
        lines.give(f'{progress_bar(len(done), len(keys))} bag {Path(record.bag).name}: '
                   f'{record.episodes} episode(s), {record.frames} frames in '
                   f'{record.seconds:.1f} s; {engine.running()} running')
        for line in _warnings(Path(record.shard)):
            lines.give(line, Path(record.bag).name)
    if failed:
        listed = '; '.join(f'{record.bag}: {record.error}' for record in failed)
        message = (f'{len(failed)} of {len(keys)} bag(s) could not be exported, nothing was '
                   f'written: {listed}')
        raise ExportError(message)
    return [done[key] for key in keys]


class _Lines:
    """Progress lines, each given once (the parts repeat the planning's warnings); a part's
    own warnings name its bag (their episode numbers are the bag's)."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._said: set[str] = set()

    def give(self, line: str, bag: str | None = None) -> None:
        if line in self._said:
            return
        self._said.add(line)
        if bag is not None and bag not in line:
            line = line.replace('warning: ', f'warning: {bag}: ', 1)
        self._progress(line)


def _warnings(part: Path) -> list[str]:
    """The warnings a part's export gave (kept in its _SUCCESS file by export_bag)."""
    lines = json.loads((part / SUCCESS).read_text()).get('log', [])
    return [line for line in lines if line.startswith('warning:')]
