"""Processes the tests start: each in its own process group, always ended and reaped.

`spawn` starts a process in a new session (its group holds it and whatever it starts) and
registers it until it is reaped. `end` stops a group whatever state it is in: the signal to the
whole group, a bounded wait, SIGKILL to the group, reaping. The process is never reaped before
the group is killed, so its zombie keeps the group id ours while we signal it. `end_all` is the
safety net of a test session (test/conftest.py): whatever a finalizer missed (a timeout during
teardown, an interrupted run) is killed and reaped when pytest ends.

Stdlib only: imported by test/conftest.py for every test run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

KILL_WAIT_S = 5.0  # a SIGKILLed process is gone in milliseconds; this only bounds a D state
POLL_S = 0.01

LIVE: dict[int, subprocess.Popen] = {}  # by pid (= process group id): started, not yet reaped


def spawn(argv: Sequence[str], **popen_kwargs: Any) -> subprocess.Popen:
    """Start `argv` as the leader of a new process group; registered until `end` reaps it."""
    popen = subprocess.Popen(list(argv), start_new_session=True, **popen_kwargs)
    LIVE[popen.pid] = popen
    return popen


def has_exited(popen: subprocess.Popen) -> bool:
    """Whether the process has exited, without reaping it."""
    if popen.returncode is not None:
        return True
    try:
        return os.waitid(os.P_PID, popen.pid,
                         os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:  # reaped by someone else's os.wait
        return True


def wait_exit(popen: subprocess.Popen, timeout: float) -> bool:
    """Wait up to `timeout` s for the process to exit (not reaping it); True if it did."""
    deadline = time.monotonic() + timeout
    while not has_exited(popen):
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_S)
    return True


def signal_group(popen: subprocess.Popen, sig: int) -> None:
    """Send `sig` to the process's group: the process and everything it started."""
    try:
        os.killpg(popen.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass  # the group is empty (PermissionError: macOS, for a group of zombies)


def group_members(pgid: int) -> list[int]:
    """Live processes of group `pgid` (zombies excluded), from /proc."""
    members = []
    for stat in Path('/proc').glob('[0-9]*/stat'):
        try:
            fields = stat.read_text().rsplit(')', 1)[1].split()
        except (OSError, IndexError):
            continue  # ended meanwhile
        if fields[0] != 'Z' and int(fields[2]) == pgid:
            members.append(int(stat.parent.name))
    return sorted(members)


def end(popen: subprocess.Popen, sig: int | None = signal.SIGINT,
        timeout: float = 10.0) -> bool:
    """End the process's group and reap the process; True if it exited by itself on `sig`.

    `sig` goes to the whole group (None: the caller has sent it already; a second one would
    meet the process while it exits); after `timeout` s (0: at once) SIGKILL does. SIGKILL goes
    to the group in any case before the process is reaped, for whatever it left behind.
    Always reaps, unless the process is stuck in the kernel beyond KILL_WAIT_S (it then stays
    registered, for `end_all`).
    """
    by_itself = has_exited(popen)
    if not by_itself:
        if sig is not None:
            signal_group(popen, sig)
        by_itself = wait_exit(popen, timeout)
    signal_group(popen, signal.SIGKILL)
    try:
        popen.wait(KILL_WAIT_S)
    except subprocess.TimeoutExpired:
        return False
    LIVE.pop(popen.pid, None)
    return by_itself


def end_all() -> list[list[str]]:
    """Kill and reap every process group still registered; return their command lines."""
    ended = []
    for popen in list(LIVE.values()):
        if not has_exited(popen):
            ended.append([str(arg) for arg in popen.args])
        end(popen, signal.SIGKILL, timeout=0.0)
    return ended


def run(argv: Sequence[str], timeout: float, **popen_kwargs: Any) -> subprocess.CompletedProcess:
    """`subprocess.run(argv, capture_output=True, text=True)` in a process group of its own.

    Whatever ends the wait (the process's exit, `timeout`, a test timeout raised meanwhile),
    the group is killed and reaped before this returns or raises: no worker it started stays.
    """
    popen = spawn(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                  **popen_kwargs)
    try:
        stdout, stderr = popen.communicate(timeout=timeout)
    finally:
        end(popen, signal.SIGKILL, timeout=0.0)
        popen.stdout.close()
        popen.stderr.close()
    return subprocess.CompletedProcess(popen.args, popen.returncode, stdout, stderr)
