"""The Ray engine: a per-bag task (`export_bag`, `certify_bag`) as one Ray task per bag, on
an existing cluster or a local one.

Ray is optional (requirements-ray.txt) and imported only here, only when `--engine ray` is
asked for. Each task asks for `cpus` CPUs and declares `memory_mb` of memory (Ray admits tasks
by it; it does not enforce it) and is retried up to `RETRIES` times when its worker or node
dies (system failures); a bag that raises is not retried: export_bag records it as failed.
Tasks get paths and the request, never bag bytes or frames. The driver waits on the tasks one
completion at a time (`ray.wait`) so every result is in the manifest as soon as it exists;
a task still unfinished after `task_timeout_s` of no progress at all (an infeasible request,
a cluster without workers) ends the run with an error naming the bags left.

Bags, staging and output must be on a path every node sees (a shared filesystem). A Ray
started by the run itself (no address) listens on loopback only.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from interop_bridge.errors import ExportError
from interop_bridge.scale.local_engine import Engine, Task
from interop_bridge.scale.manifest import ShardRecord
from interop_bridge.scale.shards import export_bag

RETRIES = 3
DEFAULT_MEMORY_MB = 1500  # declared per task: the exporter peaks well below (docs/export.md)
DEFAULT_TIMEOUT_S = 1800.0


def ray_engine(address: str | None = None, cpus: float = 1.0,
               memory_mb: int = DEFAULT_MEMORY_MB,
               task_timeout_s: float = DEFAULT_TIMEOUT_S, task: Task = export_bag) -> Engine:
    """An engine submitting one `task` (export_bag, certify_bag) per bag to the Ray cluster
    at `address` (None: the one this process is connected to, or a new local one)."""
    return RayEngine(address, cpus, memory_mb, task_timeout_s, task)


class RayEngine:
    """One Ray task per bag; results in completion order."""

    def __init__(self, address: str | None, cpus: float, memory_mb: int,
                 task_timeout_s: float, task: Task) -> None:
        self._address, self._cpus, self._memory_mb = address, cpus, memory_mb
        self._timeout_s, self._task = task_timeout_s, task
        self._ray: Any = None
        self._refs: dict[Any, tuple[Path, str]] = {}

    def running(self) -> int:
        # Ray does not say cheaply which tasks have started: the unfinished ones, at most
        # as many as the cluster's CPUs hold at `cpus` each.
        if not self._refs:
            return 0
        slots = int(self._ray.cluster_resources().get('CPU', 0.0) // self._cpus)
        return min(len(self._refs), slots)

    def __call__(self, pending: Sequence[tuple[Path, str]], staging: Path,
                 request: Any) -> Iterator[ShardRecord]:
        if not pending:
            return
        ray = self._ray = _connected(self._address)
        remote = ray.remote(self._task).options(num_cpus=self._cpus,
                                                memory=self._memory_mb * 2**20,
                                                max_retries=RETRIES, retry_exceptions=False)
        refs = self._refs = {remote.remote(bag, key, staging, request): (bag, key)
                             for bag, key in pending}
        try:
            while refs:
                ready, _ = ray.wait(list(refs), num_returns=1, timeout=self._timeout_s)
                if not ready:
                    left = ', '.join(str(bag) for bag, _ in refs.values())
                    msg = (f'no Ray task finished in {self._timeout_s:g} s (a cluster '
                           f'without {self._cpus:g} free CPUs and {self._memory_mb} MB for a '
                           f'task?); not done: {left}')
                    raise ExportError(msg)
                for ref in ready:
                    bag, key = refs.pop(ref)
                    yield _result(ray, ref, bag, key)
        finally:
            self._refs = {}


def _connected(address: str | None) -> Any:
    """The ray module, connected (to `address`, or started locally) with usage stats off."""
    os.environ.setdefault('RAY_USAGE_STATS_ENABLED', '0')
    if address is None and not os.environ.get('RAY_ADDRESS'):
        # A Ray started here for this run only: every socket on 127.0.0.1 (Ray reads this
        # when imported; by default it listens on every interface).
        os.environ.setdefault('RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER', '0')
    try:
        import ray
    except ImportError as error:
        msg = ('--engine ray needs Ray: pip install -r requirements-ray.txt (the pinned '
               'version) into the same environment on every node')
        raise ExportError(msg) from error
    if not ray.is_initialized():
        ray.init(address=address, include_dashboard=False, log_to_driver=False,
                 logging_level=logging.WARNING)
    return ray


def _result(ray: Any, ref: Any, bag: Path, key: str) -> ShardRecord:
    try:
        record: ShardRecord = ray.get(ref)
    except ray.exceptions.RayError as error:  # retries used up: recorded, a rerun retries
        return ShardRecord(key, str(bag), 'failed',
                           error=f'Ray task failed after {RETRIES} retries: '
                                 f'{type(error).__name__}: {error}')
    return record
