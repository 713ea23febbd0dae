"""The single-machine engine: a per-bag task (`export_bag`) in a pool of worker processes.

Workers are spawned (a fresh interpreter each: no state inherited from the driver), at most
`jobs` of them (default: every core), each with its share of the cores for its video encoders
(dataset/video.py limit_encoder_threads: the same bytes, no oversubscription). A worker dies
with the driver (PR_SET_PDEATHSIG): a killed export leaves no process writing behind it. A
worker that dies (killed, out of memory) fails the pool: its bag and the ones still queued
are recorded failed with that error, and a rerun exports them again. When the driver stops
consuming (an error, Ctrl-C), queued bags are cancelled and running workers terminated.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, Protocol

from interop_bridge.dataset.video import limit_encoder_threads
from interop_bridge.scale.manifest import ShardRecord
from interop_bridge.scale.shards import export_bag

# A per-bag task: (bag, key, staging, request) -> its record; never raises for a bad bag.
Task = Callable[[Path, str, Path, Any], ShardRecord]
PR_SET_PDEATHSIG = 1
END_WAIT_S = 10.0


class Engine(Protocol):
    """Runs a task for every (bag, key), yielding each record as it completes."""

    def __call__(self, pending: Sequence[tuple[Path, str]], staging: Path,
                 request: Any) -> Iterator[ShardRecord]: ...

    def running(self) -> int:
        """How many bags are being worked on right now."""


def default_jobs() -> int:
    """Every core this process may run on."""
    return max(1, len(os.sched_getaffinity(0)))


def threads_per_worker(workers: int) -> int:
    """Each worker's share of the cores (at least one)."""
    return max(1, default_jobs() // max(1, workers))


def local_engine(jobs: int = 0, task: Task = export_bag) -> Engine:
    """An engine running `task` for `jobs` bags at a time (0: default_jobs())."""
    return LocalEngine(jobs or default_jobs(), task)


class LocalEngine:
    """A pool of at most `workers` spawned processes, one bag each at a time."""

    def __init__(self, workers: int, task: Task) -> None:
        self._workers, self._task = workers, task
        self._size = 0
        self._futures: dict[Future[ShardRecord], tuple[Path, str]] = {}

    def running(self) -> int:
        # A future counts as running once the pool hands it to its queue (one beyond the
        # workers may be waiting there): at most one per worker is.
        busy = sum(1 for future in self._futures if future.running())
        return min(self._size, busy)

    def __call__(self, pending: Sequence[tuple[Path, str]], staging: Path,
                 request: Any) -> Iterator[ShardRecord]:
        if not pending:
            return
        self._size = min(self._workers, len(pending))
        context = multiprocessing.get_context('spawn')
        with ProcessPoolExecutor(max_workers=self._size, mp_context=context,
                                 initializer=start_worker,
                                 initargs=(threads_per_worker(self._size),)) as pool:
            self._futures = {pool.submit(self._task, bag, key, staging, request): (bag, key)
                             for bag, key in pending}
            waiting = set(self._futures)
            try:
                while waiting:
                    finished, waiting = wait(waiting, return_when=FIRST_COMPLETED)
                    for future in finished:
                        bag, key = self._futures.pop(future)
                        yield _result(future, bag, key)
            finally:
                if waiting:  # the driver stopped early: nothing may keep running
                    _stop_workers(pool)
                self._futures = {}


def start_worker(encoder_threads: int) -> None:
    """A worker's set-up: die with the driver, take `encoder_threads` per encoder."""
    libc = ctypes.CDLL(ctypes.util.find_library('c'), use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), 'prctl(PR_SET_PDEATHSIG) failed')
    if os.getppid() == 1:  # the driver died before the line above: do not start orphaned
        os._exit(1)
    limit_encoder_threads(encoder_threads)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Cancel the queued tasks and terminate the running workers (reaped here)."""
    # No public way to end a pool's running workers before Python 3.14 (terminate_workers).
    children = list(dict(getattr(pool, '_processes', None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for child in children:
        child.terminate()
    for child in children:
        child.join(END_WAIT_S)


def _result(future: Future[ShardRecord], bag: Path, key: str) -> ShardRecord:
    try:
        return future.result()
    except BrokenProcessPool as error:  # the worker died: recorded, retried by a rerun
        return ShardRecord(key, str(bag), 'failed',
                           error=f'worker process died: {type(error).__name__}: {error}')
