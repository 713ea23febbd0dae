"""Hand and touch checks: closures inside [0, 1] and tactile pads that respond.

- `physics.hand_closure_range`: a valid `observation.hand` or `action.hand` entry is a closure,
  0 = open to 1 = closed; a value outside [0, 1] (beyond a float tolerance) is a mapping or
  calibration error of the hand profile, not a grasp.
- `physics.tactile_frozen`: a tactile pad whose every valid taxel keeps exactly one reading
  through an episode in which its finger's closure moves by more than FINGER_MOVES is stuck
  (a dead sensor, a driver that repeats its last frame), the tactile counterpart of
  lerobot-lint's FROZEN_STATE. A pad valid nowhere is absent, not frozen; a finger that does
  not move leaves its pad unjudged. Warn severity: a pad may touch nothing while its finger
  closes in the air.
Mask-aware like every physics check: channels a hand lacks and invalid taxels never count.
"""

from __future__ import annotations

import numpy as np

from interop_bridge.certify.model import CheckSpec, DatasetInput, EpisodeData, Finding
from interop_bridge.certify.physics_common import ANCHORS, Accumulator, usable

CLOSURE_TOLERANCE = 1e-3
FINGER_MOVES = 0.2  # closure range that makes a pad's silence suspicious
TACTILE = 'observation.tactile.'
CHANNELS = 7  # per side, in canonical order (config/canonical.yaml hand_channels)
FINGER_CHANNELS = {'thumb': (0, 1), 'index': (2,), 'middle': (3,), 'ring': (4,),
                   'pinky': (5,), 'palm': (2, 3, 4, 5)}
SIDES = ('left', 'right')

CLOSURE_SPEC = CheckSpec(
    'physics.hand_closure_range', 'physics', 'valid observation.hand and action.hand entries '
    'against the closure range [0, 1] (0 = open, 1 = closed)',
    f'no valid closure beyond [0, 1] by more than {CLOSURE_TOLERANCE} (figure: worst excess)',
    'fail', 'physical', f'{ANCHORS} section 8 (values inside their declared physical range; '
    'canonical hand closure, docs/canonical-interface.md)')
FROZEN_SPEC = CheckSpec(
    'physics.tactile_frozen', 'physics', 'tactile pads whose every valid taxel keeps one '
    'reading through an episode in which the pad\'s finger closes or opens by more than '
    f'{FINGER_MOVES}', '0 such pads in every episode (figure: frozen pads in the worst '
    'episode)', 'warn', 'physical', f'{ANCHORS} section 2.7 (lerobot-lint FROZEN_STATE, '
    'here for taxels) and section 9 (no released tool checks touch)')


class HandClosureRange(Accumulator):
    """Valid closures inside [0, 1]."""

    unit, limit = '', CLOSURE_TOLERANCE

    def __init__(self) -> None:
        super().__init__()
        self.spec = CLOSURE_SPEC

    def measure(self, data: EpisodeData, dataset: DatasetInput) -> float | str:
        worst: float | None = None
        for key in ('observation.hand', 'action.hand'):
            found = usable(data, key)
            if found is None or not found[1].any():
                continue
            values, mask = found
            excess = np.where(mask, np.maximum(-values, values - 1.0), 0.0).clip(min=0.0)
            worst = max(worst or 0.0, float(excess.max()))
            for channel in np.flatnonzero((excess > self.limit).any(axis=0)):
                self.findings.append(Finding(data.index, (
                    f'{key} entry {int(channel)}: {int((excess[:, channel] > self.limit).sum())}'
                    f' frame(s) outside [0, 1] by up to {excess[:, channel].max():.4g}')))
        return 'no valid hand closure' if worst is None else worst


class TactileFrozen(Accumulator):
    """Pads that keep one reading while their finger moves."""

    unit, limit = 'pads', 0.0

    def __init__(self) -> None:
        super().__init__()
        self.spec = FROZEN_SPEC

    def measure(self, data: EpisodeData, dataset: DatasetInput) -> float | str:
        pads = [key for key in data.columns if key.startswith(TACTILE)]
        if not pads:
            return 'no tactile feature'
        hand = usable(data, 'observation.hand')
        if hand is None:
            return 'no observation.hand feature'
        judged = frozen = 0
        for key in pads:
            side, _, pad = key[len(TACTILE):].partition('.')
            if side not in SIDES or not _finger_moved(hand, side, pad):
                continue
            found = usable(data, key)
            if found is None or not found[1].any():
                continue
            judged += 1
            if _stuck(*found):
                frozen += 1
                self.findings.append(Finding(data.index, (
                    f'{key}: every valid taxel keeps one reading while its finger moves')))
        return float(frozen) if judged else 'no pad whose finger moved'


def _finger_moved(hand: tuple[np.ndarray, np.ndarray], side: str, pad: str) -> bool:
    values, mask = hand
    offset = SIDES.index(side) * CHANNELS
    for channel in FINGER_CHANNELS.get(pad.split('_')[0], ()):
        column = offset + channel
        if column < values.shape[1] and mask[:, column].any():
            seen = values[mask[:, column], column]
            if float(seen.max() - seen.min()) > FINGER_MOVES:
                return True
    return False


def _stuck(values: np.ndarray, mask: np.ndarray) -> bool:
    """Whether every taxel valid somewhere keeps one value over its valid frames."""
    for taxel in np.flatnonzero(mask.any(axis=0)):
        seen = values[mask[:, taxel], taxel]
        if seen.max() != seen.min():
            return False
    return True
