"""Physics checks: recorded joints and IMU against the robot's limits and against physics.

Every check is mask-aware: only entries flagged valid (and finite: non-finite values are
`control.non_finite`'s) are counted, a joint the robot lacks is valid nowhere and has no limit,
and an episode without the feature, without a profile (for limits) or without a usable frame is
a skipped episode with its reason, never a failure. Units are the canonical ones: rad, rad/s,
N*m, IMU orientation as a quaternion x, y, z, w (the IMU frame in the world frame, as
sensor_msgs/Imu), angular velocity in the IMU frame, specific force in m/s^2 (at rest the
accelerometer reads +9.81 along the world's up axis expressed in the IMU frame).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from interop_bridge.certify.model import Check, CheckSpec, DatasetInput, EpisodeData, Finding
from interop_bridge.certify.physics_common import (Accumulator, BoolArray, DERIVATIVE_P95,
                                                   EFFORT, EFFORT_TOLERANCE, FloatArray,
                                                   POSITION_TOLERANCE, SPECS, STATE, VELOCITY,
                                                   VELOCITY_TOLERANCE, column_quantile,
                                                   joint_limits, joint_name, median, quantile,
                                                   usable)
from interop_bridge.certify.physics_hands import HandClosureRange, TactileFrozen
from interop_bridge.certify.physics_imu import (AccelerometerDirection, GravityAtRest,
                                                GyroVsOrientation, QuaternionNorm)


class LimitCheck(Accumulator):
    """Valid entries of a joint feature inside the profile's per-joint limits."""

    def __init__(self, spec: CheckSpec, key: str, quantity: str, tolerance: float,
                 unit: str) -> None:
        super().__init__()
        self.spec, self.key, self.quantity = spec, key, quantity
        self.limit, self.unit = tolerance, unit

    def measure(self, data: EpisodeData, dataset: DatasetInput) -> float | str:
        found = usable(data, self.key)
        if found is None:
            return f'no {self.key} feature'
        if data.profile is None:
            return 'no robot profile'
        values, mask = found
        low, high = joint_limits(data.profile, values.shape[1], self.quantity)
        mask = mask & np.isfinite(low) & np.isfinite(high)
        if not mask.any():
            return f'no valid {self.key} entry of a joint with a {self.quantity} limit'
        excess = np.where(mask, np.maximum(low - values, values - high), 0.0).clip(min=0.0)
        for joint in np.flatnonzero((excess > self.limit).any(axis=0)):
            frames = int((excess[:, joint] > self.limit).sum())
            self.findings.append(Finding(data.index, (
                f'{joint_name(int(joint))}: {frames} frame(s) beyond [{low[joint]:.4g}, '
                f'{high[joint]:.4g}] {self.unit} by up to {excess[:, joint].max():.4g}')))
        return float(excess.max())


def joint_quantiles(values: FloatArray, counted: BoolArray, joints: np.ndarray,
                    q: float) -> dict[int, float]:
    """Per joint the q-quantile of its counted values (np.quantile's); joints counted on the
    same frames (the usual case) in one selection."""
    rows = counted[:, joints[0]]
    if (counted[:, joints] == rows[:, None]).all():
        found = column_quantile(values[rows][:, joints], q)
        return {int(j): float(value) for j, value in zip(joints, found, strict=True)}
    return {int(j): quantile(values[counted[:, j], j], q) for j in joints}


class VelocityVsPosition(Accumulator):
    """Recorded joint velocity against the central difference of the recorded position."""

    unit, limit = 'rad/s', DERIVATIVE_P95

    def __init__(self) -> None:
        super().__init__()
        self.spec = SPECS['velocity_vs_position']

    def measure(self, data: EpisodeData, dataset: DatasetInput) -> float | str:
        state, velocity = usable(data, STATE), usable(data, VELOCITY)
        if state is None or velocity is None:
            return 'no observation.state or observation.velocity feature'
        (position, valid), (recorded, recorded_valid) = state, velocity
        if position.shape[0] < 3:
            return 'fewer than 3 frames'
        derivative = (position[2:] - position[:-2]) * dataset.fps / 2.0
        counted = valid[2:] & valid[:-2] & valid[1:-1] & recorded_valid[1:-1]
        residual = np.abs(recorded[1:-1] - derivative)
        joints = np.flatnonzero(counted.any(axis=0))
        if joints.size == 0:
            return 'no frame valid with both neighbours'
        p95 = joint_quantiles(residual, counted, joints, 0.95)
        middle = median(residual[counted])
        self.notes.append(f'episode {data.index} median {middle:.4g} rad/s')
        for joint, value in p95.items():
            if value > self.limit:
                self.findings.append(Finding(data.index, (
                    f'{joint_name(joint)}: 95th percentile |velocity - d(position)/dt| '
                    f'{value:.4g} rad/s over {int(counted[:, joint].sum())} frame(s)')))
        return max(p95.values())


FACTORIES: tuple[Callable[[], Check], ...] = (
    lambda: LimitCheck(SPECS['position_limits'], STATE, 'position', POSITION_TOLERANCE, 'rad'),
    lambda: LimitCheck(SPECS['velocity_limits'], VELOCITY, 'velocity', VELOCITY_TOLERANCE,
                       'rad/s'),
    lambda: LimitCheck(SPECS['effort_limits'], EFFORT, 'effort', EFFORT_TOLERANCE, 'N*m'),
    VelocityVsPosition, QuaternionNorm, GravityAtRest, GyroVsOrientation,
    AccelerometerDirection, HandClosureRange, TactileFrozen)


def checks() -> list[Check]:
    """Fresh accumulators of every physics check."""
    return [factory() for factory in FACTORIES]
