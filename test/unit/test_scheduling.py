"""SchedulingGuard puts threads back to the policy they had, whatever a library did."""

from __future__ import annotations

import os
import threading

import pytest

from interop_bridge.scheduling import SchedulingGuard, real_time_threads, thread_policies

can_raise = pytest.mark.skipif(
    not hasattr(os, 'SCHED_FIFO') or os.geteuid() != 0,
    reason='raising a thread to real-time priority needs root (CAP_SYS_NICE)')


def test_every_thread_of_the_process_is_listed_with_its_policy():
    policies = thread_policies()
    assert threading.get_native_id() in policies
    assert policies[threading.get_native_id()] == (os.SCHED_OTHER, 0)


@can_raise
def test_a_thread_raised_to_fifo_after_the_guard_is_put_back():
    guard = SchedulingGuard()
    os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(99))
    assert real_time_threads() == [threading.get_native_id()]
    assert guard.restore() == 1
    assert os.sched_getscheduler(0) == os.SCHED_OTHER and real_time_threads() == []


@can_raise
def test_a_thread_started_at_fifo_after_the_guard_gets_the_normal_policy():
    guard = SchedulingGuard()
    started, finish = threading.Event(), threading.Event()
    ids = []

    def worker():
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(50))
        ids.append(threading.get_native_id())
        started.set()
        finish.wait(10)
    thread = threading.Thread(target=worker)
    thread.start()
    try:
        started.wait(10)
        assert real_time_threads() == ids
        guard.restore()
        assert thread_policies()[ids[0]] == (os.SCHED_OTHER, 0)
    finally:
        finish.set()
        thread.join(10)


@can_raise
def test_a_caller_that_chose_real_time_keeps_it():
    os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(10))
    try:
        guard = SchedulingGuard()
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(99))
        guard.restore()
        assert (os.sched_getscheduler(0), os.sched_getparam(0).sched_priority) == \
            (os.SCHED_FIFO, 10)
    finally:
        os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
