"""Statistics skip invalid entries, stay finite, and aggregate the way LeRobot does."""

from __future__ import annotations

import numpy as np
import pytest

from interop_bridge.dataset.stats import (ImageStats, aggregate, dataset_stats,
                                          sample_indices, stack, value_stats)


def test_invalid_entries_are_ignored_per_dimension():
    values = np.array([[1.0, 10.0], [3.0, 999.0], [5.0, 30.0]])
    valid = np.array([[True, True], [True, False], [True, True]])
    stats = value_stats(values, valid)
    np.testing.assert_allclose(stats['min'], [1.0, 10.0])
    np.testing.assert_allclose(stats['max'], [5.0, 30.0])
    np.testing.assert_allclose(stats['mean'], [3.0, 20.0])
    np.testing.assert_allclose(stats['std'], [np.sqrt(8 / 3), 10.0])
    np.testing.assert_allclose(stats['q50'], [3.0, 20.0])
    np.testing.assert_allclose(stats['q10'], [1.4, 12.0])
    assert stats['count'].tolist() == [3]


def lerobot_normalized(value: float, stats: dict, column: int) -> dict[str, float]:
    """LeRobot's normalization modes of one stored value (lerobot NormalizerProcessorStep:
    MEAN_STD (x - mean) / (std + eps); MIN_MAX and both QUANTILE modes
    2 (x - lo) / (hi - lo) - 1)."""
    eps = 1e-8
    out = {'mean_std': (value - stats['mean'][column]) / (stats['std'][column] + eps)}
    for mode, (low, high) in {'min_max': ('min', 'max'), 'quantiles': ('q01', 'q99'),
                              'quantile10': ('q10', 'q90')}.items():
        span = stats[high][column] - stats[low][column]
        out[mode] = 2 * (value - stats[low][column]) / (span if span else eps) - 1
    return out


def test_a_dimension_with_no_valid_entry_gets_neutral_statistics():
    values = np.array([[1.0, np.nan], [2.0, np.inf]])
    stats = value_stats(values, np.array([[True, False], [True, False]]))
    assert [stats[key][1] for key in ('min', 'q01', 'q10', 'q50', 'mean', 'q90', 'q99', 'max',
                                      'std')] == [-1, -1, -1, 0, 0, 1, 1, 1, 1]
    assert all(np.isfinite(value).all() for value in stats.values())


def test_every_lerobot_normalization_maps_a_stored_zero_without_valid_entry_to_zero():
    stats = value_stats(np.array([[1.0, 0.0], [2.0, 0.0]]),
                        np.array([[True, False], [True, False]]))
    assert lerobot_normalized(0.0, stats, 1) == {
        'mean_std': 0.0, 'min_max': 0.0, 'quantiles': 0.0, 'quantile10': 0.0}


def test_scalar_features_get_one_element_statistics():
    stats = value_stats(np.arange(5, dtype=np.int64))
    assert stats['mean'].shape == (1,)
    assert stats['mean'][0] == 2.0
    assert stats['q99'][0] == pytest.approx(3.96)


def test_aggregation_equals_the_statistics_of_all_frames_together():
    rng = np.random.default_rng(1)
    parts = [rng.normal(size=(n, 3)) * scale for n, scale in ((40, 1.0), (25, 3.0), (7, 0.5))]
    total = aggregate([value_stats(part) for part in parts])
    joined = np.concatenate(parts)
    np.testing.assert_allclose(total['mean'], joined.mean(axis=0))
    np.testing.assert_allclose(total['std'], joined.std(axis=0))
    np.testing.assert_allclose(total['min'], joined.min(axis=0))
    np.testing.assert_allclose(total['max'], joined.max(axis=0))
    assert total['count'].tolist() == [72]


def test_aggregated_quantiles_are_a_conservative_envelope():
    low, high = value_stats(np.arange(10.0)), value_stats(np.arange(100.0, 110.0))
    total = aggregate([low, high])
    assert total['q01'][0] == low['q01'][0]
    assert total['q50'][0] == low['q50'][0]
    assert total['q90'][0] == high['q90'][0]
    assert total['q99'][0] == high['q99'][0]


def test_dataset_statistics_weigh_each_dimension_by_its_valid_entries():
    # Episode A: joint 1 valid in 2 of 4 frames; episode B: joint 1 never valid.
    a_values = np.array([[1.0, 10.0], [1.0, 20.0], [1.0, -5.0], [1.0, -5.0]])
    a_valid = np.array([[1.0, 1.0], [1.0, 1.0], [1.0, 0.0], [1.0, 0.0]])
    b_values = np.array([[3.0, 77.0], [3.0, 77.0]])
    b_valid = np.array([[1.0, 0.0], [1.0, 0.0]])
    episodes = [(a_values, a_valid), (b_values, b_valid)]
    stacked = {'state': stack([value_stats(values, valid > 0.5) for values, valid in episodes]),
               'state_valid': stack([value_stats(valid) for _, valid in episodes])}
    state = dataset_stats(stacked, {'state': 'state_valid', 'state_valid': None})['state']
    np.testing.assert_allclose(state['mean'], [(4 * 1.0 + 2 * 3.0) / 6, 15.0])
    np.testing.assert_allclose(state['std'], [np.std([1, 1, 1, 1, 3, 3]), 5.0])
    np.testing.assert_allclose(state['min'], [1.0, 10.0])
    np.testing.assert_allclose(state['max'], [3.0, 20.0])
    assert state['count'].tolist() == [6]


def test_a_dimension_valid_nowhere_keeps_neutral_dataset_statistics():
    stacked = {'hand': stack([value_stats(np.full((3, 1), 5.0), np.zeros((3, 1), bool))] * 2),
               'hand_valid': stack([value_stats(np.zeros((3, 1)))] * 2)}
    hand = dataset_stats(stacked, {'hand': 'hand_valid', 'hand_valid': None})['hand']
    assert (hand['mean'][0], hand['std'][0], hand['min'][0], hand['q99'][0]) == (0, 1, -1, 1)
    assert set(lerobot_normalized(0.0, hand, 0).values()) == {0.0}


def test_camera_statistics_are_per_channel_in_unit_range_from_sampled_frames():
    rng = np.random.default_rng(2)
    frames = rng.integers(0, 256, size=(6, 8, 10, 3), dtype=np.uint8)
    stats = ImageStats(len(frames))
    for index, frame in enumerate(frames):
        stats.add(index, frame)
    result = stats.result()
    pixels = frames.reshape(-1, 3).astype(np.float64) / 255
    assert result['mean'].shape == (3, 1, 1)
    np.testing.assert_allclose(result['mean'].ravel(), pixels.mean(axis=0))
    np.testing.assert_allclose(result['std'].ravel(), pixels.std(axis=0))
    np.testing.assert_allclose(result['q10'].ravel(), np.quantile(pixels, 0.1, axis=0))
    np.testing.assert_allclose(result['max'].ravel(), pixels.max(axis=0))
    assert result['count'].tolist() == [6]


def test_frame_sampling_follows_lerobots_counts():
    assert len(sample_indices(50)) == 50
    assert len(sample_indices(1000)) == 177
    assert len(sample_indices(10_000)) == 1000
    assert sample_indices(1000)[0] == 0 and sample_indices(1000)[-1] == 999
