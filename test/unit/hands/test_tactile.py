"""Tactile readings keep every measurement and turn the vendor's "no reading" values into
invalid taxels, never into values."""

from __future__ import annotations

import numpy as np
import pytest
from hand_messages import dex3_state_bytes

from interop_bridge.errors import MappingError
from interop_bridge.hands.hand_codecs import Dex3Codec
from interop_bridge.hands.hand_profile import TactilePatch, load_hand_profile
from interop_bridge.hands.tactile import read_tactile, taxel_validity

NO_SENSOR = 30000.0   # Dex3: "30000 = invalid or no sensor" (vendor-interfaces-2.md §1.1)
AT_REST = 100512.0    # ">= 100000 valid, about 100000 at rest"


def dex3_pads():
    return load_hand_profile('unitree_dex3_1').tactile


def test_a_dex3_pad_without_a_sensor_is_invalid_and_holds_no_value():
    def pressure(pad: int) -> np.ndarray:
        values = np.full(12, AT_REST + pad, np.float32)
        if pad == 2:
            values[:] = NO_SENSOR              # index tip not fitted
        if pad == 0:
            values[5] = NO_SENSOR              # one dead taxel on the thumb tip
        return values

    native = Dex3Codec().decode_state(dex3_state_bytes('2025-02', pressure=pressure))
    found = read_tactile(dex3_pads(), native.pressure, native.temperature)
    readings = {reading.patch: reading for reading in found}
    assert not readings['index_tip'].valid.any()
    assert np.isnan(readings['index_tip'].values).all()
    thumb = readings['thumb_tip']
    assert thumb.valid.tolist() == [True] * 5 + [False] + [True] * 6
    assert np.isnan(thumb.values[5]) and thumb.values[0] == AT_REST
    assert readings['middle_pad'].values.tolist() == [AT_REST + 5] * 12
    assert (thumb.rows, thumb.cols, thumb.unit) == (3, 4, 'raw')
    assert thumb.temperature.tolist() == [25.0] * 12


def test_pads_the_message_lacks_are_invalid_not_an_error():
    # unitree_sdk2_python builds 7 press entries where the C++ SDK sizes 9.
    native = Dex3Codec().decode_state(dex3_state_bytes('2025-02', pads=7))
    readings = read_tactile(dex3_pads(), native.pressure, native.temperature)
    assert [reading.valid.any() for reading in readings] == [True] * 7 + [False] * 2


def test_readings_between_the_sentinel_and_the_valid_range_are_invalid():
    patch = dex3_pads()[0]
    readings = np.array([NO_SENSOR, 50000.0, 99999.0, 100000.0, 250000.0, np.nan, np.inf])
    assert taxel_validity(patch, readings).tolist() == \
        [False, False, False, True, True, False, False]


def test_a_patch_of_another_shape_is_a_clear_error():
    patch = TactilePatch('palm', 0, '', 14, 8, 'raw', (), (-1e6, 1e6))
    with pytest.raises(MappingError, match='palm: 112 readings \\(14 x 8\\) expected, the '
                                           'message has 12'):
        read_tactile([patch], np.zeros((1, 12)))
