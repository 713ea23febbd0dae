"""Resampling one stream onto the episode grid: policies, staleness, bad stamps, NaN, speed."""

from __future__ import annotations

import time
import tracemalloc

import numpy as np
import pytest

from interop_bridge.export.resample import (
    DEFAULT_CHUNK, Grid, ResampledStream, ResampleError, StreamPolicy, StreamResampler)
from interop_bridge.export.resample_kernels import slerp_pairs

NS = 1_000_000_000
MS = 1_000_000


def resample(name: str, grid: Grid, policy: StreamPolicy, values: np.ndarray,
             log_ns: np.ndarray, header_ns: np.ndarray | None = None,
             chunk: int = DEFAULT_CHUNK) -> ResampledStream:
    """Whole arrays fed to a StreamResampler in chunks of `chunk` samples."""
    log_ns = np.asarray(log_ns, dtype=np.int64).reshape(-1)
    values = np.asarray(values).reshape(len(log_ns), -1)
    resampler = StreamResampler(name, grid, policy, values.shape[1])
    for first in range(0, len(log_ns), chunk):
        part = slice(first, first + chunk)
        resampler.feed(values[part], log_ns[part],
                       None if header_ns is None else np.asarray(header_ns)[part])
    return resampler.finish()


def ramp(count: int, period_ns: int, start_ns: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Stamps and values (t in s, 2 t) of a ramp sampled every period_ns."""
    stamps = start_ns + np.arange(count, dtype=np.int64) * period_ns
    seconds = (stamps - start_ns) / NS
    return stamps, np.stack([seconds, 2 * seconds], axis=1)


def receive(method: str = 'hold', **kwargs: object) -> StreamPolicy:
    return StreamPolicy(method=method, stamp_source='receive', **kwargs)


def test_grid_instants_are_start_plus_k_over_fps_rounded_to_the_nanosecond():
    grid = Grid(5 * NS, 30, 4)
    assert list(grid.times_ns() - 5 * NS) == [0, 33_333_333, 66_666_667, 100_000_000]


def test_a_grid_spanning_a_range_keeps_every_frame_at_or_before_the_end():
    assert Grid.spanning(0, NS, 10).length == 11
    assert Grid.spanning(0, NS - 1, 10).length == 10
    assert Grid.spanning(7, 7, 30).length == 1


@pytest.mark.parametrize('method', ['hold', 'nearest', 'linear'])
def test_samples_on_the_grid_instants_come_out_unchanged(method):
    stamps, values = ramp(21, 50 * MS)
    out = resample('ramp', Grid(0, 10, 11), receive(method, max_staleness_s=0.2), values, stamps)
    assert out.values[:, 0] == pytest.approx(np.arange(11) / 10)
    assert out.frame_valid.all() and out.valid.all()


def test_hold_takes_the_last_sample_at_or_before_each_frame():
    stamps, values = ramp(4, 300 * MS)  # samples at 0, 0.3, 0.6, 0.9 s
    out = resample('s', Grid(0, 10, 10), receive('hold', max_staleness_s=0.5), values, stamps)
    assert list(out.values[:, 0]) == pytest.approx([0, 0, 0, .3, .3, .3, .6, .6, .6, .9])


def test_nearest_takes_the_closest_sample_within_the_tolerance():
    stamps, values = ramp(4, 300 * MS)
    policy = receive('nearest', max_staleness_s=1, tolerance_s=0.1)
    out = resample('s', Grid(0, 10, 10), policy, values, stamps)
    assert list(out.values[:, 0]) == pytest.approx([0, 0, .3, .3, .3, .6, .6, .6, .9, .9])
    tight = resample('s', Grid(0, 10, 10), receive('nearest', tolerance_s=0.05), values, stamps)
    assert list(tight.frame_valid) == [True, False, False, True, False, False, True, False,
                                       False, True]


def test_linear_interpolates_between_the_bracketing_samples():
    stamps, values = ramp(4, 300 * MS)
    out = resample('s', Grid(0, 10, 10), receive('linear', max_staleness_s=0.5), values, stamps)
    assert out.values[:, 1] == pytest.approx(2 * np.arange(10) / 10)


def test_linear_never_interpolates_across_a_gap_longer_than_the_staleness_limit():
    stamps = np.array([0, 100, 700], dtype=np.int64) * MS
    values = np.array([[0.0], [1.0], [7.0]])
    out = resample('s', Grid(0, 10, 8), receive('linear', max_staleness_s=0.25), values, stamps)
    assert list(out.values[:4, 0]) == pytest.approx([0, 1, 1, 1])  # held, not 2, 3, 4
    assert list(out.frame_valid) == [True, True, True, True, False, False, False, True]


def quaternion_about_z(angle: float) -> np.ndarray:
    return np.array([0.0, 0.0, np.sin(angle / 2), np.cos(angle / 2)])


def test_slerp_rotates_at_constant_speed_between_two_orientations():
    values = np.stack([quaternion_about_z(0.0), quaternion_about_z(np.pi / 2)])
    stamps = np.array([0, 400 * MS], dtype=np.int64)
    out = resample('q', Grid(0, 10, 5), receive('slerp', max_staleness_s=0.5), values, stamps)
    angles = 2 * np.arctan2(out.values[:, 2], out.values[:, 3])
    assert angles == pytest.approx(np.linspace(0, np.pi / 2, 5))
    assert np.linalg.norm(out.values, axis=1) == pytest.approx(np.ones(5))


def test_slerp_takes_the_short_way_when_the_second_quaternion_has_the_other_sign():
    q0, q1 = quaternion_about_z(0.0), quaternion_about_z(np.pi / 2)
    half = slerp_pairs(q0[None], -q1[None], np.array([0.5]))[0]
    assert abs(2 * np.arctan2(half[2], half[3])) == pytest.approx(np.pi / 4)


def test_a_gap_longer_than_the_staleness_limit_flags_its_frames_and_is_reported():
    stamps, values = ramp(21, 50 * MS)
    keep = (stamps < 200 * MS) | (stamps >= 750 * MS)
    out = resample('s', Grid(0, 10, 11), receive('hold', max_staleness_s=0.2),
                   values[keep], stamps[keep])
    assert list(np.flatnonzero(~out.frame_valid)) == [4, 5, 6, 7]
    assert np.isnan(out.values[4:8]).all() and not out.valid[4:8].any()
    report = out.report
    assert (report.frames_stale, report.frames_valid, report.cut_at_frame) == (4, 7, None)
    assert report.gap_count == 1 and report.largest_gap_s == pytest.approx(0.6)
    assert (report.gaps[0].after_ns, report.gaps[0].before_ns) == (150 * MS, 750 * MS)
    assert out.length == 11


def test_with_the_cut_policy_the_episode_ends_before_the_first_stale_frame():
    stamps, values = ramp(21, 50 * MS)
    keep = (stamps < 200 * MS) | (stamps >= 750 * MS)
    policy = receive(on_stale='cut', max_staleness_s=0.2)
    resampler = StreamResampler('s', Grid(0, 10, 11), policy, 2)
    resampler.feed(values[keep], stamps[keep])
    resampler.feed(values[:3], stamps[:3] + 2 * NS)
    out = resampler.finish()
    assert (out.report.cut_at_frame, out.length, out.report.frames_cut) == (4, 4, 7)
    assert out.frame_valid[:4].all() and not out.frame_valid[4:].any()
    assert out.report.ignored_after_cut == 3


def test_frames_before_the_first_sample_are_invalid_but_never_a_cut():
    stamps, values = ramp(5, 100 * MS, start_ns=300 * MS)
    out = resample('s', Grid(0, 10, 8), receive(on_stale='cut', max_staleness_s=0.15),
                   values, stamps)
    assert list(out.frame_valid) == [False, False, False, True, True, True, True, True]
    assert (out.report.frames_before_start, out.report.cut_at_frame) == (3, None)


def test_out_of_order_stamps_within_the_window_are_sorted_and_counted():
    stamps, values = ramp(40, 25 * MS)
    shuffled = np.arange(40)
    shuffled[10:12] = [11, 10]
    shuffled[30:33] = [32, 30, 31]
    policy = receive('linear', max_staleness_s=0.1)
    ordered = resample('s', Grid(0, 10, 10), policy, values, stamps, chunk=7)
    mixed = resample('s', Grid(0, 10, 10), policy, values[shuffled], stamps[shuffled], chunk=7)
    np.testing.assert_array_equal(mixed.values, ordered.values)
    assert (mixed.report.out_of_order, mixed.report.late_dropped) == (3, 0)


def test_samples_later_than_the_reorder_window_are_dropped_and_counted():
    stamps, values = ramp(30, 25 * MS)
    resampler = StreamResampler('s', Grid(0, 10, 8), receive(reorder_window_s=0.2), 2)
    resampler.feed(values[22:], stamps[22:])  # 0.55 .. 0.725 s: frames up to 0.5 s resolved
    resampler.feed(values[:22], stamps[:22])  # 0 .. 0.525 s: older than what frame 0.6 s uses
    out = resampler.finish()
    assert (out.report.late_dropped, out.report.out_of_order) == (22, 22)
    assert out.report.samples_used == 8
    assert list(out.frame_valid) == [False] * 6 + [True, True]
    assert out.values[6, 0] == pytest.approx(0.6)


def test_exact_duplicate_stamps_keep_the_first_sample_and_are_counted():
    stamps = np.array([0, 100, 100, 200], dtype=np.int64) * MS
    values = np.array([[0.0], [1.0], [99.0], [2.0]])
    out = resample('s', Grid(0, 10, 3), receive(), values, stamps)
    assert list(out.values[:, 0]) == [0.0, 1.0, 2.0]
    assert (out.report.duplicates_dropped, out.report.samples_used) == (1, 3)


def test_nan_values_stay_nan_at_their_frames_are_invalid_entries_and_are_counted():
    stamps, values = ramp(11, 100 * MS)
    values[4, 1] = np.nan
    values[:, 0][7] = np.nan
    out = resample('s', Grid(0, 20, 21), receive('linear', max_staleness_s=0.2), values, stamps)
    # 0.35 s and 0.45 s would need the NaN at 0.4 s: NaN too; 0.5 s is clean again.
    assert np.isnan(out.values[7:11, 1]).tolist() == [True, True, True, False]
    assert not out.valid[8, 1] and out.valid[8, 0] and out.frame_valid[8]
    assert np.isnan(out.values[13:16, 0]).tolist() == [True, True, True]
    assert (out.report.nan_samples, out.report.frames_with_nan) == (2, 6)


def test_header_stamps_drive_the_grid_and_their_skew_to_receive_times_is_reported():
    log = np.arange(1000, dtype=np.int64) * 2 * MS
    header = log - 3 * MS
    header[::100] -= 7 * MS  # 10 samples 10 ms late
    values = np.arange(1000, dtype=np.float64)[:, None]
    out = resample('s', Grid(0, 10, 20), StreamPolicy(method='hold'), values, log, header)
    skew = out.report.skew
    assert skew is not None and skew.count == 1000
    assert (skew.min_s, skew.max_s) == (pytest.approx(-0.010), pytest.approx(-0.003))
    assert skew.mean_s == pytest.approx(-0.003 - 0.007 * 10 / 1000)
    assert skew.p99_s == pytest.approx(-0.003)
    assert out.values[1, 0] == 51.0  # header 0.099 s at log 0.102 s: held at t = 0.1 s
    assert out.report.rate_hz == pytest.approx(500, rel=0.01)


@pytest.mark.parametrize('chunk', [1, 7, 1000])
def test_feeding_in_chunks_gives_the_same_result_as_all_at_once(chunk):
    rng = np.random.default_rng(3)
    stamps = np.sort(rng.integers(0, 2 * NS, 300))
    values = rng.standard_normal((300, 4))
    policy = receive('slerp', max_staleness_s=0.05)
    whole = resample('s', Grid(0, 30, 60), policy, values, stamps, chunk=10**6)
    parts = resample('s', Grid(0, 30, 60), policy, values, stamps, chunk=chunk)
    np.testing.assert_array_equal(parts.values, whole.values)
    assert parts.report.as_dict() == whole.report.as_dict()


def test_a_60_minute_500_hz_stream_of_100_values_resamples_in_seconds_in_bounded_memory():
    """Frames taken as they resolve (window, release): memory is a few chunks, not the grid."""
    rate, minutes, width, chunk = 500, 60, 100, 20_000
    count = rate * 60 * minutes
    grid = Grid.spanning(0, (count - 1) * NS // rate, 30)
    block = np.random.default_rng(0).standard_normal((chunk, width))
    resampler = StreamResampler('js', grid, StreamPolicy(method='linear'), width)
    tracemalloc.start()
    started = time.perf_counter()
    taken = finite = 0
    for first in range(0, count, chunk):
        log = np.arange(first, first + chunk, dtype=np.int64) * NS // rate
        resampler.feed(block, log, log - 250_000)
        values = resampler.window(taken, resampler.resolved)
        finite += int(np.isfinite(values).all(axis=1).sum())
        taken = resampler.resolved
        resampler.release(taken)
    report = resampler.close()
    finite += int(np.isfinite(resampler.window(taken, grid.length)).all(axis=1).sum())
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert report.samples_used == count and report.frames_valid == grid.length == 108000
    assert finite == grid.length
    assert seconds < 30, f'{count} samples took {seconds:.1f} s'
    chunk_bytes = chunk * width * 8
    assert peak < 4 * chunk_bytes, f'peak {peak / 2**20:.0f} MiB for chunks of {chunk_bytes} B'


@pytest.mark.parametrize('method,on_stale', [('linear', 'flag'), ('hold', 'cut'),
                                             ('slerp', 'flag'), ('nearest', 'cut')])
def test_frames_taken_as_they_resolve_equal_the_whole_grid_at_the_end(method, on_stale):
    """Streaming (window, release, close) and finish() give the same values and report,
    with jitter, a gap that goes stale (or cuts) and NaN samples."""
    rng = np.random.default_rng(7)
    stamps = np.sort(rng.integers(0, 4 * NS, 1500)).astype(np.int64)
    stamps = stamps[(stamps < 2 * NS) | (stamps > 2_400 * MS)]
    values = rng.standard_normal((len(stamps), 8))
    values[rng.random(len(stamps)) < 0.02, 3] = np.nan
    grid, policy = Grid(0, 30, 120), receive(method, on_stale=on_stale)
    whole = resample('s', grid, policy, values, stamps, chunk=64)
    resampler = StreamResampler('s', grid, policy, 8)
    parts, taken = [], 0
    for first in range(0, len(stamps), 64):
        resampler.feed(values[first:first + 64], stamps[first:first + 64])
        parts.append(resampler.window(taken, resampler.resolved))
        taken = resampler.resolved
        resampler.release(taken)
    report = resampler.close()
    parts.append(resampler.window(taken, grid.length))
    np.testing.assert_array_equal(np.concatenate(parts), whole.values)
    assert report == whole.report
    with pytest.raises(ResampleError, match=r"frames \[0, 5\) asked, frames \[\d+, 120\)"):
        resampler.window(0, 5)


@pytest.mark.parametrize('kwargs,message', [
    ({'method': 'cubic'}, "stream policy method: got 'cubic', expected one of"),
    ({'on_stale': 'drop'}, "stream policy on_stale: got 'drop', expected one of"),
    ({'stamp_source': 'clock'}, "stream policy stamp_source: got 'clock'"),
    ({'max_staleness_s': 0}, 'stream policy max_staleness_s: got 0, expected a number > 0'),
    ({'tolerance_s': -1.0}, 'stream policy tolerance_s: got -1.0'),
    ({'reorder_window_s': True}, 'stream policy reorder_window_s: got True'),
])
def test_a_bad_policy_is_refused_with_the_key_and_the_value(kwargs, message):
    with pytest.raises(ResampleError, match=message):
        StreamPolicy(**kwargs)


def test_bad_grids_and_shapes_are_refused_with_clear_messages():
    with pytest.raises(ResampleError, match='grid fps: got 29.97, expected a positive integer'):
        Grid(0, 29.97, 10)  # type: ignore[arg-type]
    with pytest.raises(ResampleError, match='grid: end 1 ns is before start 5 ns'):
        Grid.spanning(5, 1, 30)
    with pytest.raises(ResampleError, match="stream 'q': width 3 does not fit method 'slerp'"):
        StreamResampler('q', Grid(0, 30, 3), StreamPolicy(method='slerp'), 3)
    resampler = StreamResampler('js', Grid(0, 30, 3), StreamPolicy(), 2)
    with pytest.raises(ResampleError, match="stream 'js': got 3 values per sample, expected 2"):
        resampler.feed(np.zeros((4, 3)), np.arange(4), np.arange(4))
    with pytest.raises(ResampleError, match="stamp_source is 'header' but no header stamps"):
        resampler.feed(np.zeros((4, 2)), np.arange(4))
    with pytest.raises(ResampleError, match="stream 'js': 3 header stamps for 4 samples"):
        resampler.feed(np.zeros((4, 2)), np.arange(4), np.arange(3))


def test_a_stream_without_any_sample_leaves_every_frame_invalid():
    out = StreamResampler('silent', Grid(0, 30, 5), receive(), 2).finish()
    assert not out.frame_valid.any() and np.isnan(out.values).all()
    report = out.report
    assert (report.samples_in, report.frames_before_start, report.rate_hz) == (0, 5, 0.0)
    assert report.first_stamp_ns is None and report.skew is None


def test_feeding_after_finish_is_refused():
    resampler = StreamResampler('s', Grid(0, 30, 5), receive(), 1)
    resampler.finish()
    with pytest.raises(ResampleError, match="stream 's': fed after finish"):
        resampler.feed(np.zeros((1, 1)), np.zeros(1))


def test_samples_long_before_the_first_frame_are_not_kept_in_memory():
    resampler = StreamResampler('early', Grid(3600 * NS, 30, 10), receive(), 1)
    for minute in range(60):
        stamps = minute * 60 * NS + np.arange(30_000, dtype=np.int64) * 2 * MS
        resampler.feed(np.zeros((30_000, 1)), stamps)
        assert len(resampler._buffer_t) <= 1
    resampler.feed(np.ones((1, 1)), np.array([3600 * NS]))
    out = resampler.finish()
    assert out.frame_valid[0] and out.values[0, 0] == 1.0
    assert out.report.samples_used == 60 * 30_000 + 1
