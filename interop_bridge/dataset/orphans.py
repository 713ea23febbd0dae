"""Staging directories that a killed run left beside a dataset: named by owner, cleared safely.

`staged_dataset` (dataset/atomic.py) names its directories `.<name>.staging-<owner>-<pid>-<random>`
(and `.<name>.old-...` for the previous dataset while an append is committed without
renameat2), where <owner> is the host name and the process's PID namespace. A run killed
outright (SIGKILL, power loss) leaves such a directory behind; the next run writing `<name>`
calls `clear_orphans(root)` first, which removes a directory only when its owner is this host
and namespace and its process no longer exists (os.kill(pid, 0)), so a live concurrent run's
staging directory is never touched. Every other leftover is reported, not removed: one from
another host or namespace, one named by an older version (no owner in the name), and a
previous dataset kept aside while `<name>` itself is missing (the run died between the two
renames of a commit: that directory is the only copy of the dataset).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path

LOG = logging.getLogger(__name__)
KINDS = ('staging', 'old')
_NAMED = re.compile(r'^-(?P<owner>[A-Za-z0-9_.]+)-(?P<pid>\d+)-[A-Za-z0-9_]+$')


@dataclass(frozen=True)
class Leftover:
    """One directory a run left beside a dataset, and what the next run did with it."""

    path: Path
    removed: bool
    reason: str

    def __str__(self) -> str:
        """One warning line."""
        action = 'removed' if self.removed else 'left in place'
        return f'{self.path}: {action}: {self.reason}'


def owner() -> str:
    """This process's owner token: host name and PID namespace (what os.kill can see)."""
    host = re.sub(r'[^A-Za-z0-9.]', '_', socket.gethostname()) or 'host'
    try:
        namespace = re.sub(r'\D', '', os.readlink('/proc/self/ns/pid'))
    except OSError:
        namespace = '0'  # no /proc: every process of this host shares one namespace
    return f'{host}.{namespace}'


def prefix(root: Path, kind: str) -> str:
    """The mkdtemp prefix of this process's `kind` ('staging' or 'old') directory of root."""
    return f'.{root.name}.{kind}-{owner()}-{os.getpid()}-'


def process_alive(pid: int) -> bool:
    """Whether process `pid` exists (in this PID namespace)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by another user
    return True


def clear_orphans(root: Path) -> list[Leftover]:
    """Remove the leftovers of dead runs writing `root`; report the others (logged warnings)."""
    found = []
    for kind in KINDS:
        for path in sorted(root.parent.glob(f'.{glob_escape(root.name)}.{kind}-*')):
            if path.is_dir():
                leftover = _settle(path, kind, root)
                if leftover is not None:
                    found.append(leftover)
    for leftover in found:
        LOG.warning('%s', leftover)
    return found


def glob_escape(name: str) -> str:
    """`name` with glob metacharacters made literal."""
    return re.sub(r'([*?\[])', r'[\1]', name)


def _settle(path: Path, kind: str, root: Path) -> Leftover | None:
    match = _NAMED.search(path.name[len(f'.{root.name}.{kind}'):])
    if match is None:
        return Leftover(path, False, 'left by an interrupted run of an older version; '
                        'delete it if no export or merge is running')
    pid = int(match['pid'])
    if match['owner'] != owner():
        return Leftover(path, False, f'its run (pid {pid}) was on another host or container '
                        f'({match["owner"]}); delete it if that run has ended')
    if process_alive(pid):
        return None  # a live run's directory: never touched, nothing to report
    if kind == 'old' and not (root / 'meta' / 'info.json').is_file():
        return Leftover(path, False, f'the dataset as it was before an append that was '
                        f'killed mid-commit (pid {pid}); {root} is missing: move it back '
                        f'there')
    try:
        shutil.rmtree(path)
    except OSError as error:
        return Leftover(path, False, f'its run (pid {pid}) was killed, but it cannot be '
                        f'removed: {error.strerror or error}')
    what = 'an unfinished staging copy' if kind == 'staging' else 'the replaced dataset'
    return Leftover(path, True, f'{what} of a run that was killed (pid {pid} is gone)')
