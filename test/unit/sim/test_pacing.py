"""The pacer keeps ticks on absolute deadlines, runs late ticks at once, resyncs after stalls."""

from __future__ import annotations

import threading
import time

import pytest

from interop_bridge.errors import MappingError
from interop_bridge.sim.pacing import Pacer


class FakeClock:
    def __init__(self):
        self.now = 100.0
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def pacer(clock, period=0.002, max_behind=10):
    return Pacer(period, clock=clock.clock, sleep=clock.sleep, max_behind=max_behind)


def test_ticks_are_due_at_start_plus_whole_periods():
    clock = FakeClock()
    paced = pacer(clock)
    due = [paced.wait() for _ in range(4)]
    assert due == pytest.approx([100.0, 100.002, 100.004, 100.006])
    assert clock.now == pytest.approx(100.006)


def test_work_time_does_not_accumulate_as_drift():
    clock = FakeClock()
    paced = pacer(clock)
    for _ in range(1000):
        paced.wait()
        clock.now += 0.0013  # the work of one tick
    assert paced.wait() == pytest.approx(102.0)


def test_a_late_tick_runs_at_once_and_the_next_keeps_its_deadline():
    clock = FakeClock()
    paced = pacer(clock)
    paced.wait()
    clock.now += 0.005  # late by 1.5 periods
    sleeps_before = len(clock.sleeps)
    assert paced.wait() == pytest.approx(100.002)
    assert paced.wait() == pytest.approx(100.004)
    assert len(clock.sleeps) == sleeps_before
    assert paced.resyncs == 0


def test_a_long_stall_restarts_the_schedule_from_now():
    clock = FakeClock()
    paced = pacer(clock)
    paced.wait()
    clock.now += 1.0
    assert paced.wait() == pytest.approx(101.0)
    assert paced.wait() == pytest.approx(101.002)
    assert paced.resyncs == 1


def test_a_period_must_be_positive():
    with pytest.raises(MappingError, match=r'pacing period 0.0 s: expected a period > 0'):
        Pacer(0.0)


def test_a_sleep_that_reports_a_stop_ends_the_wait_without_a_tick():
    clock = FakeClock()
    stopped = []

    def sleep(seconds):
        stopped.append(seconds)
        return True  # what threading.Event.wait returns once the event is set

    paced = Pacer(0.5, clock=clock.clock, sleep=sleep)
    assert paced.wait() == pytest.approx(100.0)  # the first tick is due at once
    assert paced.wait() is None
    assert stopped == [pytest.approx(0.5)]


def test_a_set_stop_event_wakes_a_long_wait_at_once():
    stop = threading.Event()
    paced = Pacer(60.0, sleep=stop.wait)
    paced.wait()
    threading.Timer(0.05, stop.set).start()
    started = time.monotonic()
    assert paced.wait() is None
    assert time.monotonic() - started < 5.0
