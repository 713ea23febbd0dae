"""One bag -> one shard dataset, through the exporter every single-machine export uses.

`export_bag` is the whole per-bag code path of a sharded export, whatever runs it (a local
process pool or a Ray task): it exports the bag with `export_recordings` into
`staging/<key>.tmp-<host>-<pid>-<n>/`, writes `_SUCCESS` there, and renames the directory to
`staging/<key>/`. A task that finds `staging/<key>/_SUCCESS` returns at once, so a retried or
duplicated task never writes a bag twice; a temporary directory left by a killed task is
never merged (`sweep_temporaries` removes it). The shard holds local indices only (episodes
from 0); global indices, task indices and video offsets are assigned by the merge
(dataset/merge.py).

A bag that cannot be exported is a result, not a crash: its record says `failed` and why, and
the other bags go on.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import socket
import time
from dataclasses import replace
from pathlib import Path

from interop_bridge.export.exporter import export_recordings
from interop_bridge.export.planning import ExportRequest
from interop_bridge.scale.manifest import ShardRecord

SUCCESS = '_SUCCESS'
TEMPORARY = '.tmp-'
_ATTEMPTS = itertools.count()


def attempt_name() -> str:
    """host:pid of this process (which attempt wrote a record)."""
    return f'{socket.gethostname()}:{os.getpid()}'


def shard_path(staging: Path, key: str) -> Path:
    """Where the shard of bag `key` lives once it is complete."""
    return staging / key


def export_bag(bag: Path, key: str, staging: Path, request: ExportRequest) -> ShardRecord:
    """Export one bag into its shard (or find it done); never raises for a bad bag."""
    final = shard_path(staging, key)
    if (final / SUCCESS).is_file():
        return _done_record(bag, key, final, 0.0)
    staging.mkdir(parents=True, exist_ok=True)
    temporary = staging / f'{key}{TEMPORARY}{socket.gethostname()}-{os.getpid()}-' \
                          f'{next(_ATTEMPTS)}'
    started = time.monotonic()
    try:
        lines: list[str] = []  # the exporter's progress and warnings, kept with the shard
        summary = export_recordings(replace(request, bags=(bag,), out=temporary), lines.append)
        (temporary / SUCCESS).write_text(json.dumps(
            {'bag': str(bag), 'episodes': summary.total_episodes,
             'frames': summary.total_frames, 'log': lines}, indent=1) + '\n')
        _publish(temporary, final)
    except Exception as error:  # a bag that fails is recorded as failed; the run goes on
        shutil.rmtree(temporary, ignore_errors=True)
        return ShardRecord(key, str(bag), 'failed', seconds=time.monotonic() - started,
                           error=f'{type(error).__name__}: {error}', attempt=attempt_name())
    return _done_record(bag, key, final, time.monotonic() - started)


def _publish(temporary: Path, final: Path) -> None:
    """Rename the finished shard into place; another attempt that got there first wins."""
    try:
        os.rename(temporary, final)
    except OSError:
        if not (final / SUCCESS).is_file():
            raise
        shutil.rmtree(temporary)  # a duplicate attempt finished first: keep its shard


def _done_record(bag: Path, key: str, shard: Path, seconds: float) -> ShardRecord:
    info = json.loads((shard / 'meta' / 'info.json').read_text())
    return ShardRecord(key, str(bag), 'done', shard=str(shard),
                       episodes=int(info['total_episodes']), frames=int(info['total_frames']),
                       seconds=seconds, data_seconds=int(info['total_frames']) / info['fps'],
                       attempt=attempt_name())


def sweep_temporaries(staging: Path) -> list[Path]:
    """Remove what killed attempts left in `staging` (never merged); the paths removed."""
    if not staging.is_dir():
        return []
    left = sorted(path for path in staging.iterdir() if TEMPORARY in path.name)
    for path in left:
        shutil.rmtree(path, ignore_errors=True)
    return left
