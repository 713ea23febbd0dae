"""The physical envelope of the canonical features: values no humanoid can produce.

A value outside its envelope (or not finite) is not a measurement but a corrupt one: a flipped
bit, a misread message. The exporter flags such values invalid before they reach the grid
(tightened by the robot's profile, export/plausibility.py); `interop validate` fails a dataset
holding any (dataset/checks_values.py). The bounds are wide on purpose: an order of magnitude
beyond the strongest and fastest humanoid joints.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from interop_bridge.canonical import CanonicalSpec

POSITION_MARGIN = 1.0  # [rad] beyond a joint's range
VELOCITY_MAX = 1000.0  # [rad/s]
EFFORT_MAX = 5000.0  # [N*m]
ANGULAR_VELOCITY_MAX = 100.0  # [rad/s]
ACCELERATION_MAX = 1000.0  # [m/s^2], about 100 g
FORCE_MAX, TORQUE_MAX = 50000.0, 5000.0  # [N], [N*m]
CLOSURE_RANGE = (-0.5, 1.5)  # hand closures: 0 open .. 1 closed
QUATERNION_TOLERANCE = 0.1  # |norm - 1| a unit quaternion may be off by
ORIENTATION_KEY = 'observation.imu.orientation'


@dataclass(frozen=True)
class Envelope:
    """Per-entry bounds of one feature, with the reason given when a value is outside."""

    key: str
    low: np.ndarray  # (width,)
    high: np.ndarray  # (width,)
    reason: str

    def outside(self, values: np.ndarray) -> np.ndarray:
        """Entries outside the bounds, or infinite (NaN means 'no value' and is not outside)."""
        values = np.asarray(values, dtype=np.float64)
        with np.errstate(invalid='ignore'):
            outside: np.ndarray = np.isinf(values) | (values < self.low) | (values > self.high)
        return outside


def _symmetric(key: str, limit: float, width: int, reason: str) -> Envelope:
    return Envelope(key, np.full(width, -limit), np.full(width, limit), reason)


def envelopes(spec: CanonicalSpec) -> dict[str, Envelope]:
    """The envelope of every bounded canonical feature (orientation: see `bad_quaternion`)."""
    low = np.asarray([joint.range[0] for joint in spec.joints]) - POSITION_MARGIN
    high = np.asarray([joint.range[1] for joint in spec.joints]) + POSITION_MARGIN
    joints, frames = len(spec.joints), len(spec.wrench_frames)
    wrench = np.tile([FORCE_MAX] * 3 + [TORQUE_MAX] * 3, frames)
    hands = 2 * len(spec.hand_channels)
    position = f'beyond the canonical range by more than {POSITION_MARGIN} rad'
    closure = f'outside {list(CLOSURE_RANGE)}'
    found = [
        Envelope('observation.state', low, high, position),
        Envelope('action', low, high, position),
        _symmetric('observation.velocity', VELOCITY_MAX, joints, f'|value| > {VELOCITY_MAX}'),
        _symmetric('observation.effort', EFFORT_MAX, joints, f'|value| > {EFFORT_MAX}'),
        _symmetric('observation.imu.angular_velocity', ANGULAR_VELOCITY_MAX, 3,
                   f'|value| > {ANGULAR_VELOCITY_MAX}'),
        _symmetric('observation.imu.linear_acceleration', ACCELERATION_MAX, 3,
                   f'|value| > {ACCELERATION_MAX}'),
        Envelope('observation.wrench', -wrench, wrench,
                 f'|force| > {FORCE_MAX} or |torque| > {TORQUE_MAX}'),
        Envelope('observation.hand', np.full(hands, CLOSURE_RANGE[0]),
                 np.full(hands, CLOSURE_RANGE[1]), closure),
        Envelope('action.hand', np.full(hands, CLOSURE_RANGE[0]),
                 np.full(hands, CLOSURE_RANGE[1]), closure)]
    return {envelope.key: envelope for envelope in found}


def bad_quaternion(values: np.ndarray) -> np.ndarray:
    """Rows (..., 4) that are no unit quaternion (rows all NaN: no orientation, not bad)."""
    values = np.asarray(values, dtype=np.float64)
    with np.errstate(invalid='ignore', over='ignore'):
        norm = np.sqrt(np.sum(values * values, axis=-1))
        absent = np.isnan(values).all(axis=-1)
        bad: np.ndarray = ~absent & ~(np.abs(norm - 1.0) <= QUATERNION_TOLERANCE)
    return bad
