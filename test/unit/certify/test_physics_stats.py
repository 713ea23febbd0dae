"""The medians, quantiles and lag costs the certify checks compute without np.median and
np.quantile (which import numpy.ma, and cost more per call) give numpy's values, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from interop_bridge.certify.checks_control import LagPairs, centred_cost, pairs_at
from interop_bridge.certify.physics_common import (column_median, column_quantile, median,
                                                   quantile)

SIZES = [*range(1, 40), 100, 101, 840, 841]


def samples(rng: np.random.Generator, size: int, columns: int = 1) -> np.ndarray:
    """Values at several scales, some with many ties (rounded)."""
    values = rng.normal(size=(size, columns)) * rng.choice([1e-6, 1.0, 1e3])
    return np.round(values, 1) if rng.random() < 0.3 else values


@pytest.mark.parametrize('size', SIZES)
def test_medians_are_numpys(size: int) -> None:
    rng = np.random.default_rng(size)
    for _ in range(10):
        values = samples(rng, size, 5)
        assert np.array_equal(column_median(values), np.median(values, axis=0))
        assert median(values[:, 0]) == float(np.median(values[:, 0]))


@pytest.mark.parametrize('size', SIZES)
@pytest.mark.parametrize('q', [0.05, 0.5, 0.95, 0.99, 1.0])
def test_quantiles_are_numpys(size: int, q: float) -> None:
    rng = np.random.default_rng(size)
    for _ in range(10):
        values = samples(rng, size, 4)
        assert np.array_equal(column_quantile(values, q), np.quantile(values, q, axis=0))
        assert quantile(values[:, 1], q) == float(np.quantile(values[:, 1], q))


def test_a_median_of_nothing_or_with_a_nan_is_nan() -> None:
    assert np.isnan(median(np.zeros(0)))
    assert np.isnan(median(np.array([1.0, np.nan, 2.0])))


def test_lag_costs_are_the_costs_of_the_masked_pairs() -> None:
    """Always-valid joints take the fast path; a joint valid only in parts, and one valid
    only at the first frames (outside some lags' windows), the general one: same costs."""
    rng = np.random.default_rng(3)
    frames, joints = 120, 6
    action, state = rng.normal(size=(frames, joints)), rng.normal(size=(frames, joints))
    act_valid = np.ones((frames, joints), dtype=bool)
    state_valid = np.ones((frames, joints), dtype=bool)
    act_valid[:, 5] = False                  # not commanded: never compared
    state_valid[40:60, 3] = False            # a dropout
    state_valid[5:, 4] = False               # valid at the first five frames only
    pairs = LagPairs.of(action, act_valid, state, state_valid)
    assert pairs.always.tolist() == [True, True, True, False, False, False]
    for lag in range(-30, 31):
        expected = centred_cost(*pairs_at(action, act_valid, state, state_valid, lag))
        assert pairs.cost(lag) == expected, lag
    empty = LagPairs.of(action[:0], act_valid[:0], state[:0], state_valid[:0])
    assert empty.cost(0) == np.inf
