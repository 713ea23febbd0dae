"""Physically impossible decoded values are flagged invalid before they reach the grid.

Bounds are the canonical envelope (dataset/plausible.py) tightened by the robot's profile: a
joint position further than POSITION_MARGIN beyond the profile's limits, a velocity or effort
above LIMIT_FACTOR times the profile's limit, a quaternion that is not unit, an infinite
value. An impossible value becomes NaN, and so do the values that share its validity: the
joint's position, velocity and effort in that sample; the whole IMU sample; the sensor's six
wrench entries. NaN is never interpolated over (export/resample.py), so every frame that would
use the sample is invalid (its `valid.*` mask 0, the value held from the last valid one), never
data. Every flagged entry is counted per feature (`Plausibility.counts`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from interop_bridge.canonical import CanonicalSpec
from interop_bridge.dataset.plausible import (ORIENTATION_KEY, POSITION_MARGIN, Envelope,
                                              bad_quaternion, envelopes)
from interop_bridge.profile import Profile

LIMIT_FACTOR = 10.0  # velocity and effort: times the profile's limit
JOINT_KEYS = ('position', 'velocity', 'effort')
IMU_KEYS = ('orientation', 'angular_velocity', 'linear_acceleration')
ENTRY_KEYS = ('action', 'hand', 'action.hand')
WRENCH_BLOCK = 6


def _tightened(envelope: Envelope, profile: Profile, kind: str) -> Envelope:
    low, high = envelope.low.copy(), envelope.high.copy()
    for joint in profile.joints:
        if kind == 'position':
            lower, upper = joint.canonical_position
            limits = (lower - POSITION_MARGIN, upper + POSITION_MARGIN)
        else:
            limit = LIMIT_FACTOR * abs(joint.scale) * getattr(joint, kind)
            limits = (-limit, limit)
        low[joint.index] = max(low[joint.index], limits[0])
        high[joint.index] = min(high[joint.index], limits[1])
    reason = (f'beyond the profile limits by more than {POSITION_MARGIN} rad'
              if kind == 'position' else f'above {LIMIT_FACTOR:g}x the profile {kind} limit')
    return Envelope(envelope.key, low, high, reason)


class Plausibility:
    """Flags the impossible values of decoded chunks and counts them per feature."""

    def __init__(self, profile: Profile, spec: CanonicalSpec,
                 feature_of: Mapping[str, str]) -> None:
        found = envelopes(spec)
        self.feature_of = dict(feature_of)
        self.bounds: dict[str, Envelope] = {}
        for key, feature in self.feature_of.items():
            if feature in found:
                self.bounds[key] = found[feature]
        for key, kind in (('position', 'position'), ('action', 'position'),
                          ('velocity', 'velocity'), ('effort', 'effort')):
            self.bounds[key] = _tightened(self.bounds[key], profile, kind)
        self.counts: dict[str, int] = {}
        self.reasons: dict[str, str] = {}

    def clean(self, values: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The chunk's values with impossible ones (and what shares their validity) NaN."""
        out = dict(values)
        self._grouped(out, JOINT_KEYS, rows=False)
        self._grouped(out, IMU_KEYS, rows=True)
        for key in ENTRY_KEYS:
            if key in out:
                bad = self._bad(key, out[key])
                if bad.any():
                    out[key] = np.where(bad, np.nan, out[key])
        if 'wrench' in out:
            self._wrench(out)
        return out

    def _bad(self, key: str, values: np.ndarray) -> np.ndarray:
        if key == 'orientation':
            bad = bad_quaternion(values)[:, None]
            reason = 'not a unit quaternion'
        else:
            envelope = self.bounds[key]
            bad, reason = envelope.outside(values), envelope.reason
        count = int(np.count_nonzero(bad))
        if count:
            feature = self.feature_of.get(key, key) if key != 'orientation' else ORIENTATION_KEY
            self.counts[feature] = self.counts.get(feature, 0) + count
            self.reasons[feature] = reason
        return bad

    def _grouped(self, out: dict[str, np.ndarray], keys: tuple[str, ...], rows: bool) -> None:
        present = [key for key in keys if key in out]
        if not present:
            return
        masks = [self._bad(key, out[key]) for key in present]
        if rows:
            bad = np.any([mask.any(axis=1) for mask in masks], axis=0)[:, None]
        else:
            bad = np.any(masks, axis=0)
        if bad.any():
            for key in present:
                out[key] = np.where(bad, np.nan, out[key])

    def _wrench(self, out: dict[str, np.ndarray]) -> None:
        values = out['wrench']
        bad = self._bad('wrench', values)
        if bad.any():
            blocks = bad.reshape(len(bad), -1, WRENCH_BLOCK).any(axis=2)
            out['wrench'] = np.where(np.repeat(blocks, WRENCH_BLOCK, axis=1), np.nan, values)

    def summary(self) -> str:
        """'observation.effort 3 (above 10x the profile effort limit), ...' ('' if none)."""
        return ', '.join(f'{feature} {count} ({self.reasons[feature]})'
                         for feature, count in sorted(self.counts.items()))
