"""Masks sit outside LeRobot's policy namespaces; invalid entries hold the last valid value."""

from __future__ import annotations

import numpy as np
import pytest

from interop_bridge.canonical import load_canonical
from interop_bridge.dataset.features import canonical_features, hold_invalid, is_mask
from interop_bridge.errors import ExportError

NAN = np.nan


def test_every_mask_key_starts_outside_observation_and_action():
    keys = [feature.key for feature in canonical_features(load_canonical(), {})]
    masks = [key for key in keys if is_mask(key)]
    assert masks == ['valid.observation.state', 'valid.observation.imu',
                     'valid.observation.hand', 'valid.observation.wrench',
                     'valid.observation.eef', 'valid.action', 'valid.action.hand']
    assert not [key for key in masks if key.startswith(('observation', 'action'))]


def test_every_value_feature_names_a_mask_that_exists():
    features = canonical_features(load_canonical(), {})
    keys = {feature.key for feature in features}
    for feature in features:
        if not is_mask(feature.key):
            assert feature.valid_key in keys, feature.key


def test_without_an_action_source_no_feature_mentions_action():
    keys = [feature.key for feature in canonical_features(load_canonical(), {}, 'none')]
    assert not [key for key in keys if 'action' in key]
    assert 'observation.state' in keys


def test_an_unknown_action_source_is_refused():
    with pytest.raises(ExportError, match=r"action source 'zeros', expected one of"):
        canonical_features(load_canonical(), {}, 'zeros')


def test_an_invalid_entry_holds_the_last_valid_value_and_leads_with_the_first():
    values = np.array([[NAN, 10.0, 7.0],
                       [2.0, 11.0, NAN],
                       [99.0, NAN, NAN],
                       [NAN, NAN, NAN],
                       [5.0, 14.0, NAN]])
    ok = np.array([[False, True, False],
                   [True, True, False],
                   [False, False, False],  # 99.0 is junk flagged invalid: not kept
                   [False, False, False],
                   [True, True, False]])
    held = hold_invalid(values, ok)
    assert held.dtype == np.float32
    np.testing.assert_array_equal(held, [[2.0, 10.0, 0.0],
                                         [2.0, 11.0, 0.0],
                                         [2.0, 11.0, 0.0],
                                         [2.0, 11.0, 0.0],
                                         [5.0, 14.0, 0.0]])


def test_all_valid_values_pass_unchanged():
    values = np.arange(12, dtype=np.float64).reshape(4, 3)
    np.testing.assert_array_equal(hold_invalid(values, np.ones((4, 3), bool)), values)
