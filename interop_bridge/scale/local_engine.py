"""The single-machine engine: `export_bag` in a pool of worker processes, one bag per task.

Workers are spawned (a fresh interpreter each: no state inherited from the driver), at most
`jobs` of them (default: every core). A worker that dies (killed, out of memory) fails the
pool: its bag and the ones still queued are recorded failed with that error, and a rerun
exports them again.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from interop_bridge.export.planning import ExportRequest
from interop_bridge.scale.driver import Engine
from interop_bridge.scale.manifest import ShardRecord
from interop_bridge.scale.shards import export_bag


def default_jobs() -> int:
    """Every core this process may run on."""
    return max(1, len(os.sched_getaffinity(0)))


def local_engine(jobs: int = 0) -> Engine:
    """An engine running `jobs` bags at a time (0: default_jobs())."""
    workers = jobs or default_jobs()

    def run(pending: Sequence[tuple[Path, str]], staging: Path,
            request: ExportRequest) -> Iterator[ShardRecord]:
        if not pending:
            return
        context = multiprocessing.get_context('spawn')
        with ProcessPoolExecutor(max_workers=min(workers, len(pending)),
                                 mp_context=context) as pool:
            futures: dict[Future[ShardRecord], tuple[Path, str]] = {
                pool.submit(export_bag, bag, key, staging, request): (bag, key)
                for bag, key in pending}
            waiting = set(futures)
            while waiting:
                finished, waiting = wait(waiting, return_when=FIRST_COMPLETED)
                for future in finished:
                    yield _result(future, *futures[future])
    return run


def _result(future: Future[ShardRecord], bag: Path, key: str) -> ShardRecord:
    try:
        return future.result()
    except BrokenProcessPool as error:  # the worker died: recorded, retried by a rerun
        return ShardRecord(key, str(bag), 'failed',
                           error=f'worker process died: {type(error).__name__}: {error}')
