"""Hand and touch checks: closures inside [0, 1] where valid, and pads that respond while
their finger moves (a stuck pad warns), mask-aware."""

from __future__ import annotations

import numpy as np

from interop_bridge.certify import checks_physics
from interop_bridge.certify.model import CheckResult, EpisodeData
from unit.certify.physics_fixtures import by_id, episode, moving, run

FRAMES = 120
LEFT_INDEX = 2          # observation.hand column of left_hand_index_flexion
PAD = 'observation.tactile.left.index_tip'


def check(name: str, *episodes: EpisodeData) -> CheckResult:
    return run(by_id(checks_physics.checks(), f'physics.{name}'), *episodes)


def hands(closing: bool = True, pad_follows: bool = True) -> dict[str, np.ndarray]:
    """The left index closing from 0 to 0.8 (or still), its tip pad pressing with it."""
    closure = np.zeros((FRAMES, 14))
    amount = np.linspace(0.0, 0.8, FRAMES) if closing else np.full(FRAMES, 0.3)
    closure[:, LEFT_INDEX] = amount
    pressure = 100000.0 + (np.outer(amount, np.arange(1, 13)) * 1e4 if pad_follows else 0.0)
    return {'observation.hand': closure, PAD: np.broadcast_to(pressure, (FRAMES, 12)).copy()}


def hand_valid() -> dict[str, np.ndarray]:
    valid = np.zeros((FRAMES, 14), dtype=bool)
    valid[:, :4] = True  # a three-finger hand: thumb (2), index, middle
    return {'observation.hand': valid}


def test_closures_inside_zero_to_one_pass_and_touch_that_responds_passes():
    data = episode(moving(FRAMES, **hands()), hand_valid())
    assert check('hand_closure_range', data).passed
    frozen = check('tactile_frozen', data)
    assert frozen.passed and frozen.figure == 0.0 and not frozen.skipped


def test_a_valid_closure_of_1_2_fails_with_its_entry():
    columns = hands()
    columns['observation.hand'][40:45, LEFT_INDEX] = 1.2
    result = check('hand_closure_range', episode(moving(FRAMES, **columns), hand_valid()))
    assert not result.passed and abs(result.figure - 0.2) < 1e-9
    assert 'observation.hand entry 2: 5 frame(s) outside [0, 1] by up to 0.2' in \
        result.findings[0].detail


def test_a_bad_closure_on_a_channel_the_hand_lacks_is_no_defect():
    columns = hands()
    columns['observation.hand'][:, 5] = 7.0     # left pinky: a Dex3-1 has none (mask 0)
    assert check('hand_closure_range', episode(moving(FRAMES, **columns), hand_valid())).passed


def test_a_pad_that_keeps_one_reading_while_its_finger_closes_warns():
    result = check('tactile_frozen', episode(moving(FRAMES, **hands(pad_follows=False)),
                                             hand_valid()))
    assert not result.passed and result.figure == 1.0
    assert result.findings[0].detail.startswith(PAD)
    assert checks_physics.checks()[-1].spec.severity == 'warn'


def test_a_still_finger_or_a_pad_valid_nowhere_is_not_judged():
    still = episode(moving(FRAMES, **hands(closing=False, pad_follows=False)), hand_valid())
    assert check('tactile_frozen', still).skipped
    absent = episode(moving(FRAMES, **hands(pad_follows=False)),
                     {**hand_valid(), PAD: np.zeros((FRAMES, 12), dtype=bool)})
    assert check('tactile_frozen', absent).skipped


def test_no_hand_is_skipped_with_the_reason():
    result = check('hand_closure_range', episode(moving(FRAMES)))
    assert result.skipped and 'no valid hand closure' in result.detail
