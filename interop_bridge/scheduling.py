"""Keep a process's CPU scheduling what its caller chose, whatever a native library does.

The SVT-AV1 encoder (LeRobot's default video codec) moves the thread that opens it, and every
thread it creates, to SCHED_FIFO priority 99 when it is allowed to (as root, or with an
RLIMIT_RTPRIO that permits it). An export run as root would then hold real-time threads, and
every process it starts afterwards would inherit FIFO 99: on a robot PC that starves the
robot's own control loop, on a 2-core test machine it starves everything.

`SchedulingGuard` records the policy and priority of every thread of the process before such a
library runs and `restore()` puts them back afterwards: threads that existed keep what they
had, threads the library created get the normal time-sharing policy (SCHED_OTHER). Lowering a
thread's priority needs no privilege, so this works for every user. Linux only; elsewhere it
does nothing.

The calling thread is restored through pthread_setschedparam, not only the system call: glibc
caches a thread's policy once pthread_setschedparam has set it (SVT-AV1 does), new threads
copy that cache, and libraries that ask pthread_getschedparam (Fast DDS does, for every thread
it starts) would otherwise read FIFO 99 from it and apply it to themselves.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading
from pathlib import Path

TASKS = Path('/proc/self/task')
NORMAL = (getattr(os, 'SCHED_OTHER', 0), 0)
REAL_TIME_POLICIES = frozenset(getattr(os, name) for name in ('SCHED_FIFO', 'SCHED_RR')
                               if hasattr(os, name))

Policy = tuple[int, int]  # (policy, priority)


def thread_policies() -> dict[int, Policy]:
    """Policy and priority of every thread of this process, by thread id."""
    if not TASKS.is_dir() or not hasattr(os, 'sched_getscheduler'):
        return {}
    policies = {}
    for entry in TASKS.iterdir():
        tid = int(entry.name)
        try:
            policies[tid] = (os.sched_getscheduler(tid), os.sched_getparam(tid).sched_priority)
        except (ProcessLookupError, PermissionError):
            continue  # the thread ended meanwhile
    return policies


def real_time_threads() -> list[int]:
    """Threads of this process that run under a real-time policy (FIFO or RR)."""
    return sorted(tid for tid, (policy, _) in thread_policies().items()
                  if policy in REAL_TIME_POLICIES)


class SchedulingGuard:
    """Records the threads' scheduling now; `restore()` undoes what happened since."""

    def __init__(self) -> None:
        self._before = thread_policies()

    def restore(self) -> int:
        """Put every thread back to its recorded scheduling (new threads: SCHED_OTHER).

        Returns the number of threads changed.
        """
        changed = 0
        own = threading.get_native_id()
        for tid, now in thread_policies().items():
            wanted = self._before.get(tid, NORMAL)
            if tid == own:
                _set_own_scheduling(*wanted)  # always: glibc's cache may differ from the kernel
            elif now != wanted:
                try:
                    os.sched_setscheduler(tid, wanted[0], os.sched_param(wanted[1]))
                except ProcessLookupError:
                    continue  # the thread ended meanwhile
            changed += now != wanted
        return changed


class _SchedParam(ctypes.Structure):
    _fields_ = [('sched_priority', ctypes.c_int)]


def _set_own_scheduling(policy: int, priority: int) -> None:
    """pthread_setschedparam(pthread_self(), ...): the kernel's and glibc's view both."""
    libc = ctypes.CDLL(ctypes.util.find_library('c'), use_errno=True)
    libc.pthread_self.restype = ctypes.c_ulong
    libc.pthread_setschedparam.argtypes = [ctypes.c_ulong, ctypes.c_int,
                                           ctypes.POINTER(_SchedParam)]
    error = libc.pthread_setschedparam(libc.pthread_self(), policy,
                                       ctypes.byref(_SchedParam(priority)))
    if error:
        raise OSError(error, f'pthread_setschedparam(policy {policy}, priority {priority}): '
                             f'{os.strerror(error)}')
