"""Report series: per-frame quantities binned to a bounded number of points, the worst kept."""

from __future__ import annotations

import numpy as np
import pytest

from interop_bridge.certify.report_series import MAX_POINTS, Worst, binned, series


def test_pairs_of_frames_become_one_point_each() -> None:
    values = np.arange(800, dtype=float)  # 800 frames into 400 bins: frames 2k and 2k + 1
    x, mean = binned(values, fps=10.0)
    assert len(x) == 400
    assert np.array_equal(mean, 2 * np.arange(400) + 0.5)
    assert np.allclose(x, (2 * np.arange(400) + 0.5) / 10.0)  # the bin centre in seconds
    assert np.array_equal(binned(values, 10.0, 'min')[1], 2 * np.arange(400))
    assert np.array_equal(binned(values, 10.0, 'max')[1], 2 * np.arange(400) + 1)


def test_a_short_series_is_kept_frame_by_frame() -> None:
    x, y = binned(np.array([3.0, 1.0, 2.0]), fps=2.0)
    assert x.tolist() == [0.0, 0.5, 1.0] and y.tolist() == [3.0, 1.0, 2.0]
    assert [len(part) for part in binned(np.zeros(0), 30.0)] == [0, 0]


def test_non_finite_values_are_left_out_and_an_empty_bin_is_nan() -> None:
    values = np.array([1.0, np.nan, np.nan, np.nan, np.inf, 5.0])
    _, mean = binned(values, 1.0, 'mean', points=3)
    assert mean[0] == 1.0 and np.isnan(mean[1]) and mean[2] == 5.0
    _, low = binned(values, 1.0, 'min', points=3)
    assert low[0] == 1.0 and np.isnan(low[1]) and low[2] == 5.0


def test_a_long_episode_is_at_most_max_points_long() -> None:
    line = series('luma', np.random.default_rng(0).normal(size=1_000_003), 30.0, 'max')
    assert len(line.x) == len(line.y) == MAX_POINTS
    assert line.x[-1] <= 1_000_003 / 30.0


def test_an_unknown_reduction_is_refused() -> None:
    with pytest.raises(ValueError, match='median'):
        binned(np.ones(3), 1.0, 'median')


def test_worst_keeps_the_highest_badness_and_the_earliest_of_equals() -> None:
    worst: Worst[str] = Worst(size=2)
    for episode, badness in enumerate([0.1, 0.5, 0.5, 0.2, float('nan'), 0.9]):
        worst.offer(badness, episode, f'e{episode}')
    assert worst.items() == ['e5', 'e1']
