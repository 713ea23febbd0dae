"""The simulated hands speak their vendor's wire format, follow commands, and press their
pads as the fingers close."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from interop_bridge.hands.hand_bridge_core import HandPairCore
from interop_bridge.hands.hand_profile import load_hand_profile
from interop_bridge.sim.hand_sim import SimHands

INDEX, PINKY = 2, 5


def only(channel: int) -> np.ndarray:
    mask = np.zeros(7, dtype=bool)
    mask[channel] = True
    return mask


def settle(hands: SimHands, seconds: float = 1.0) -> dict[str, bytes]:
    messages = {}
    for _ in range(int(seconds / 0.01)):
        messages = hands.state_messages(0.01)
    return messages


@pytest.mark.parametrize('firmware', ['2024-08', '2024-12', '2025-02'])
def test_a_simulated_dex3_starts_open_and_closes_its_index_on_command(firmware):
    profile = load_hand_profile('unitree_dex3_1')
    profile = replace(profile, firmware=firmware)
    hands, bridge = SimHands(profile), HandPairCore(profile)
    [sample] = bridge.on_state('/dex3/left/state', settle(hands)['/dex3/left/state'], 0.0)
    np.testing.assert_allclose(sample.closure[:4], 0.0, atol=1e-6)
    rest = {reading.patch: reading.values.copy() for reading in sample.tactile}
    topic, raw = bridge.on_command('left', np.ones(7), only(INDEX), 0.0)
    hands.apply_command(topic, raw)
    [sample] = bridge.on_state('/dex3/left/state', settle(hands)['/dex3/left/state'], 1.0)
    assert sample.closure[INDEX] == pytest.approx(1.0, abs=1e-3)
    assert sample.closure[3] == pytest.approx(0.0, abs=1e-6)          # middle stays open
    touch = {reading.patch: reading for reading in sample.tactile}
    assert np.nanmax(touch['index_tip'].values) > np.nanmax(rest['index_tip']) + 1e5
    np.testing.assert_array_equal(touch['middle_tip'].values, rest['middle_tip'])
    assert not touch['palm_1'].valid.any()                            # not fitted: 30000


def test_a_simulated_inspire_pair_closes_one_hand_in_the_shared_message():
    profile = load_hand_profile('inspire_rh56_dfx')
    hands, bridge = SimHands(profile), HandPairCore(profile)
    bridge.on_state('/inspire/state', settle(hands, 0.05)['/inspire/state'], 0.0)
    topic, raw = bridge.on_command('right', np.ones(7), only(PINKY), 0.0)
    hands.apply_command(topic, raw)
    samples = bridge.on_state('/inspire/state', settle(hands)['/inspire/state'], 1.0)
    closure = {sample.side: sample.closure for sample in samples}
    assert closure['right'][PINKY] == pytest.approx(1.0, abs=1e-3)
    assert closure['left'][PINKY] == pytest.approx(0.0, abs=1e-6)
    assert hands.commands == 1
