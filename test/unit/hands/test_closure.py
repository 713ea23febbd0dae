"""Native hand joints read as canonical closure (0 open, 1 closed) the way each vendor's own
convention says, and canonical commands become native targets inside the limits or nothing."""

from __future__ import annotations

import numpy as np
import pytest

from interop_bridge.errors import MappingError
from interop_bridge.hands.closure import (
    command_targets, open_targets, read_closure, slot_count)
from interop_bridge.hands.hand_profile import load_hand_profile

THUMB_ROTATION, THUMB_FLEXION, INDEX, MIDDLE, RING, PINKY, GRIPPER = range(7)
ALL = np.ones(7, dtype=bool)


def side(hand: str, name: str):
    return load_hand_profile(hand).side(name)


def only(*channels: int) -> np.ndarray:
    mask = np.zeros(7, dtype=bool)
    mask[list(channels)] = True
    return mask


def test_a_dex3_left_index_bent_to_its_urdf_limits_reads_fully_closed():
    # dex3_1_l.urdf: index_0 [-1.571, 0], index_1 [-1.745, 0]; 0 is straight, - closes.
    native = np.zeros(7)
    native[5], native[6] = -1.571, -1.745
    reading = read_closure(side('unitree_dex3_1', 'left'), native)
    assert reading.closure[INDEX] == pytest.approx(1.0)
    assert reading.closure[MIDDLE] == pytest.approx(0.0)


def test_a_dex3_right_hand_closes_the_other_way():
    # dex3_1_r.urdf: middle_0 [0, 1.571], middle_1 [0, 1.745]; + closes.
    native = np.zeros(7)
    native[3], native[4] = 1.571 / 2, 1.745 / 2
    reading = read_closure(side('unitree_dex3_1', 'right'), native)
    assert reading.closure[MIDDLE] == pytest.approx(0.5)
    native[3], native[4] = -1.571 / 2, -1.745 / 2   # bent backwards: beyond open, reads open
    assert read_closure(side('unitree_dex3_1', 'right'), native).closure[MIDDLE] == 0.0


def test_a_three_finger_hand_has_no_ring_pinky_or_gripper_channel():
    reading = read_closure(side('unitree_dex3_1', 'left'), np.zeros(7))
    assert reading.valid.tolist() == [True, True, True, True, False, False, False]
    assert np.isnan(reading.closure[[RING, PINKY, GRIPPER]]).all()


def test_a_nan_joint_makes_its_channel_invalid_not_zero():
    native = np.zeros(7)
    native[2] = np.nan                               # thumb_2
    reading = read_closure(side('unitree_dex3_1', 'left'), native)
    assert not reading.valid[THUMB_FLEXION] and np.isnan(reading.closure[THUMB_FLEXION])
    assert reading.valid[INDEX]


def test_inspire_reads_one_minus_q_from_its_own_half_of_the_twelve_slots():
    # xr_teleoperate robot_hand_inspire.py: q in [0, 1], 1 = open; right 0-5, left 6-11.
    native = np.ones(12)
    native[9] = 0.25                                  # left index
    native[3] = 0.0                                   # right index
    assert read_closure(side('inspire_rh56_dfx', 'left'), native).closure[INDEX] == 0.75
    assert read_closure(side('inspire_rh56_dfx', 'right'), native).closure[INDEX] == 1.0
    assert read_closure(side('inspire_rh56_dfx', 'left'), native).closure[PINKY] == 0.0


def test_revo2_reads_q_as_closure_with_thumb_aux_as_the_rotation():
    native = np.array([0.1, 0.9, 0.2, 0.3, 0.4, 0.5])  # thumb, thumb_aux, index ... pinky
    closure = read_closure(side('brainco_revo2', 'right'), native).closure
    np.testing.assert_allclose(closure[:6], [0.9, 0.1, 0.2, 0.3, 0.4, 0.5], rtol=1e-6)


def test_too_few_native_values_is_a_clear_error():
    with pytest.raises(MappingError, match='left hand: 12 native values needed'):
        read_closure(side('inspire_rh56_dfx', 'left'), np.ones(6))


def test_a_command_reads_back_as_the_closure_it_asked_for_on_every_hand():
    rng = np.random.default_rng(7)
    for hand in ('unitree_dex3_1', 'inspire_rh56_dfx', 'brainco_revo2'):
        for name in ('left', 'right'):
            hand_side = side(hand, name)
            present = read_closure(hand_side, open_targets(hand_side)).valid
            wanted = np.where(present, rng.uniform(0, 1, 7), np.nan)
            targets = command_targets(hand_side, np.nan_to_num(wanted), present,
                                      open_targets(hand_side), 'clamp')
            np.testing.assert_allclose(read_closure(hand_side, targets).closure[present],
                                       wanted[present], atol=1e-6, err_msg=f'{hand} {name}')
            for joint in hand_side.joints:
                assert joint.low <= targets[joint.slot] <= joint.high


def test_a_dex3_close_command_sends_the_urdf_limit_of_each_finger_joint():
    left = side('unitree_dex3_1', 'left')
    targets = command_targets(left, np.ones(7), only(INDEX), open_targets(left), 'clamp')
    assert targets[5] == pytest.approx(-1.571) and targets[6] == pytest.approx(-1.745)
    assert targets[3] == 0.0 and targets[4] == 0.0     # middle not commanded: stays open


def test_channels_not_commanded_keep_the_targets_in_force():
    right = side('brainco_revo2', 'right')
    last = np.array([0.5, 0.5, 0.5, 0.5, 0.5, 0.5])
    targets = command_targets(right, np.zeros(7), only(PINKY), last, 'clamp')
    assert targets.tolist() == [0.5, 0.5, 0.5, 0.5, 0.5, 0.0]


def test_a_closure_beyond_one_is_clamped_or_rejects_the_command():
    left = side('inspire_rh56_dfx', 'left')
    closure = np.full(7, 1.4)
    clamped = command_targets(left, closure, only(INDEX), np.ones(12), 'clamp')
    assert clamped[9] == 0.0                           # fully closed in Inspire units
    with pytest.raises(MappingError, match='closure 1.4 outside \\[0, 1\\]'):
        command_targets(left, closure, only(INDEX), np.ones(12), 'reject')


@pytest.mark.parametrize('closure, commanded, message', [
    (np.full(7, np.nan), only(INDEX), 'channel 2 closure is nan'),
    (np.zeros(7), only(RING), 'channel 4 commanded, the hand has none'),
    (np.zeros(6), np.ones(6, dtype=bool), 'closure and commanded need 7 entries'),
])
def test_a_command_that_cannot_be_sent_sends_nothing(closure, commanded, message):
    with pytest.raises(MappingError, match=message):
        command_targets(side('unitree_dex3_1', 'left'), closure, commanded, np.zeros(7),
                        'clamp')


def test_open_targets_cover_every_slot_of_the_side():
    left = side('inspire_rh56_dfx', 'left')
    assert slot_count(left) == 12
    assert open_targets(left)[6:].tolist() == [1.0] * 6
