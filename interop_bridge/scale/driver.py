"""A sharded export: every bag to its own shard (in parallel), then one merge, resumable.

    interop export BAGS... --out DS --manifest runs/pick.jsonl [--jobs N]

The driver keys every bag (manifest.py), skips those whose shard is done, hands the others to
an engine (local_engine.py: a process pool on this machine), records each result in the
manifest as it arrives, and merges the done shards, in bag order, into DS (dataset/merge.py:
global indices, tasks, video offsets, statistics; MP4s copied, never re-encoded). DS appears
only when the merge succeeded. A failed bag is recorded with its error and left out; the
others are merged, and a rerun retries only the failed and missing ones.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from interop_bridge.dataset import metadata
from interop_bridge.dataset.atomic import is_dataset
from interop_bridge.dataset.merge import merge_datasets
from interop_bridge.errors import ExportError
from interop_bridge.export.bag_sources import discover_bags
from interop_bridge.export.planning import ExportRequest
from interop_bridge.scale.local_engine import Engine
from interop_bridge.scale.manifest import (ShardRecord, bag_key, read_manifest,
                                           settings_digest, write_manifest)
from interop_bridge.scale.shards import SUCCESS, sweep_temporaries

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ShardedExport:
    """A sharded export: the request (its bags and final dataset), manifest and staging."""

    request: ExportRequest
    manifest: Path
    staging: Path | None = None  # default: beside the manifest, <manifest stem>.shards

    @property
    def shards(self) -> Path:
        """The directory holding one shard dataset per bag."""
        return self.staging or self.manifest.with_name(f'{self.manifest.stem}.shards')


@dataclass
class ShardedSummary:
    """What a sharded run did."""

    submitted: int
    records: list[ShardRecord] = field(default_factory=list)  # in bag order
    merged: bool = False  # False: the dataset was already merged from exactly these shards

    @property
    def failed(self) -> list[ShardRecord]:
        """The bags that could not be exported."""
        return [record for record in self.records if record.status == 'failed']


def run_sharded(job: ShardedExport, engine: Engine, progress: Progress) -> ShardedSummary:
    """Export every bag not yet done, record each result, merge the done shards."""
    bags = discover_bags(job.request.bags)
    settings = settings_digest(job.request)
    keys = {bag: bag_key(bag, settings) for bag in bags}
    records = read_manifest(job.manifest)
    pending = [(bag, keys[bag]) for bag in bags if not _done(records.get(keys[bag]))]
    for left in sweep_temporaries(job.shards):
        progress(f'removed {left.name}: left by an attempt that did not finish')
    progress(f'{len(bags)} bag(s): {len(bags) - len(pending)} done already, '
             f'{len(pending)} to export')
    tally = Tally(progress, len(pending), engine.running)
    for record in engine(pending, job.shards, job.request):
        records[record.key] = record
        write_manifest(job.manifest, records)
        tally.add(record)
    ordered = [records[keys[bag]] for bag in bags]
    summary = ShardedSummary(len(pending), ordered)
    summary.merged = _merge(job.request.out, [r for r in ordered if r.status == 'done'],
                            progress)
    return summary


def _done(record: ShardRecord | None) -> bool:
    return record is not None and record.status == 'done' and \
        (Path(record.shard) / SUCCESS).is_file()


def _merge(out: Path, done: Sequence[ShardRecord], progress: Progress) -> bool:
    """Merge the shards into `out`; False when `out` already is exactly that merge."""
    shards = [record.shard for record in done]
    if not shards:
        msg = 'no bag was exported: nothing to merge (see the failed bags above)'
        raise ExportError(msg)
    if is_dataset(out):
        if metadata.read_interop(out).get('merged_from') == shards:
            progress(f'{out}: already merged from these {len(shards)} shard(s)')
            return False
        msg = (f'{out}: holds a dataset merged from other shards; merge into a new --out '
               '(a new version directory), the shards stay reusable')
        raise ExportError(msg)
    started = time.monotonic()
    merged = merge_datasets(out, shards)
    progress(f'merged {len(shards)} shard(s), {merged.total_episodes} episode(s), '
             f'{merged.total_frames} frames into {out} in {time.monotonic() - started:.1f} s')
    return True


class Tally:
    """Progress lines: bags done, failed, running, still to come, and data hours per minute."""

    def __init__(self, progress: Progress, total: int, running: Callable[[], int]) -> None:
        self._progress, self._total, self._running = progress, total, running
        self._done = self._failed = 0
        self._data_s = 0.0
        self._started = time.monotonic()

    def add(self, record: ShardRecord) -> None:
        if record.status == 'done':
            self._done += 1
            self._data_s += record.data_seconds
        else:
            self._failed += 1
            self._progress(f'failed: {record.bag}: {record.error}')
        minutes = max(time.monotonic() - self._started, 1e-9) / 60.0
        left = self._total - self._done - self._failed
        running = min(self._running(), left)
        self._progress(f'bags: {self._done} done, {self._failed} failed, {running} running, '
                       f'{left - running} queued; '
                       f'{self._data_s / 3600.0 / minutes:.3f} data hours per minute')
