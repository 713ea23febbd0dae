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
from numpy.typing import NDArray

from interop_bridge.canonical import load_canonical
from interop_bridge.certify.model import (Check, CheckResult, CheckSpec, DatasetInput,
                                          EpisodeData, Finding)
from interop_bridge.profile import Profile

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

STATE, VELOCITY, EFFORT = 'observation.state', 'observation.velocity', 'observation.effort'
ORIENTATION = 'observation.imu.orientation'
GYRO = 'observation.imu.angular_velocity'
ACCEL = 'observation.imu.linear_acceleration'
ACTION = 'action'
# Where a feature's mask is kept when the runner has not expanded it under the feature's key.
MASK_OF = {VELOCITY: STATE, EFFORT: STATE, ORIENTATION: 'observation.imu',
           GYRO: 'observation.imu', ACCEL: 'observation.imu'}
ANCHORS = '../shared/reference/quality-anchors.md'

GRAVITY = 9.81                 # m/s^2
POSITION_TOLERANCE = 0.02      # rad beyond a joint's position limit
VELOCITY_TOLERANCE = 0.1       # rad/s beyond a joint's velocity limit
EFFORT_TOLERANCE = 0.5         # N*m beyond a joint's effort limit
DERIVATIVE_P95 = 0.2           # rad/s, 95th percentile of |velocity - d(state)/dt| per joint
QUATERNION_TOLERANCE = 0.01    # |norm - 1|
GRAVITY_TOLERANCE = 0.5        # m/s^2, |median |a| at rest - 9.81|
GYRO_P95 = 0.1                 # rad/s, 95th percentile of |gyro - rate from orientation|
ACCEL_ANGLE_DEG = 5.0          # deg, median angle accelerometer vs gravity in the IMU frame
REST_RATE = 0.1                # rad/s: |gyro| and every valid |joint velocity| below this ...
REST_SECONDS = 0.5             # ... for at least this long is rest


def column(data: EpisodeData, key: str) -> FloatArray | None:
    """A float feature as (frames, width) float64, or None when the dataset lacks it."""
    values = data.columns.get(key)
    if values is None:
        return None
    array = np.asarray(values, dtype=np.float64)
    return array.reshape(array.shape[0], -1)


def declared_valid(data: EpisodeData, key: str, width: int) -> BoolArray | None:
    """The feature's valid mask at its width, or None when the feature has no mask."""
    fallback = MASK_OF.get(key)
    for name in (key, f'valid.{key}', fallback, f'valid.{fallback}'):
        if name is None or name not in data.valid:
            continue
        mask = np.asarray(data.valid[name], dtype=bool)
        mask = mask.reshape(mask.shape[0], -1)
        if mask.shape[1] in (1, width):
            return np.broadcast_to(mask, (mask.shape[0], width)).copy()
    return None


def usable(data: EpisodeData, key: str) -> tuple[FloatArray, BoolArray] | None:
    """The feature and where it counts (valid and finite), or None when it is absent."""
    values = column(data, key)
    if values is None:
        return None
    mask = declared_valid(data, key, values.shape[1])
    finite = np.isfinite(values)
    return values, finite if mask is None else mask & finite


def joint_name(index: int) -> str:
    """The canonical name of joint `index` (its index when beyond the canonical joints)."""
    names = load_canonical().joint_names
    return names[index] if index < len(names) else f'joint {index}'


def joint_limits(profile: Profile, width: int, quantity: str) -> tuple[FloatArray, FloatArray]:
    """Canonical per-joint (low, high) limits of `quantity`, NaN where there is none.

    As interop_bridge.command_safety.command_limits: positions mapped by gain and offset,
    velocities scaled by |scale|, efforts as declared; a maximum <= 0 is no limit.
    """
    low, high = np.full(width, np.nan), np.full(width, np.nan)
    for joint in profile.joints:
        if joint.index >= width:
            continue
        if quantity == 'position':
            low[joint.index], high[joint.index] = joint.canonical_position
            continue
        maximum = joint.velocity * abs(joint.scale) if quantity == 'velocity' else joint.effort
        if np.isfinite(maximum) and maximum > 0:
            low[joint.index], high[joint.index] = -maximum, maximum
    return low, high


def runs_at_least(mask: BoolArray, length: int) -> BoolArray:
    """`mask` keeping only runs of at least `length` consecutive True frames."""
    out = np.zeros_like(mask)
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    for start, stop in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)):
        if stop - start >= length:
            out[start:stop] = True
    return out


class Accumulator:
    """Per-episode figures and findings; the dataset figure is the worst episode's."""

    spec: CheckSpec
    unit: str = ''
    limit: float = 0.0

    def __init__(self) -> None:
        self.figures: list[float] = []
        self.findings: list[Finding] = []
        self.skips: list[str] = []
        self.notes: list[str] = []

    def episode(self, data: EpisodeData, dataset: DatasetInput) -> None:
        """Measure one episode (a string outcome is the reason it was skipped)."""
        outcome = self.measure(data, dataset)
        if isinstance(outcome, str):
            self.skips.append(f'episode {data.index}: {outcome}')
        else:
            self.figures.append(outcome)

    def measure(self, data: EpisodeData, dataset: DatasetInput) -> float | str:
        """The episode's figure, or why it was not measured."""
        message = f'{type(self).__name__} does not measure episodes'
        raise NotImplementedError(message)

    def passes(self, figure: float) -> bool:
        """Whether the dataset figure meets the threshold."""
        return figure <= self.limit

    def result(self, dataset: DatasetInput) -> CheckResult:
        """The worst episode against the threshold; skipped when no episode was measured."""
        if not self.figures:
            reasons = list(dict.fromkeys(self.skips)) or ['no episode']
            return CheckResult(self.spec.id, True, None, self.unit,
                               'skipped: ' + '; '.join(reasons[:3]), skipped=True)
        figure = max(self.figures)
        passed = self.passes(figure)
        detail = (f'{figure:.4g} {self.unit} over {len(self.figures)} episode(s), limit '
                  f'{self.limit:g} {self.unit}' + ''.join(f'; {note}' for note in self.notes[:3]))
        return CheckResult(self.spec.id, passed, figure, self.unit, detail,
                           tuple(self.findings))


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
        p95 = {int(j): float(np.quantile(residual[counted[:, j], j], 0.95)) for j in joints}
        median = float(np.median(residual[counted]))
        self.notes.append(f'episode {data.index} median {median:.4g} rad/s')
        for joint, value in p95.items():
            if value > self.limit:
                self.findings.append(Finding(data.index, (
                    f'{joint_name(joint)}: 95th percentile |velocity - d(position)/dt| '
                    f'{value:.4g} rad/s over {int(counted[:, joint].sum())} frame(s)')))
        return max(p95.values())


def quaternion_multiply(a: FloatArray, b: FloatArray) -> FloatArray:
    """Hamilton products a * b of (..., 4) quaternions x, y, z, w."""
    ax, ay, az, aw = np.moveaxis(a, -1, 0)
    bx, by, bz, bw = np.moveaxis(b, -1, 0)
    return np.stack((aw * bx + ax * bw + ay * bz - az * by,
                     aw * by - ax * bz + ay * bw + az * bx,
                     aw * bz + ax * by - ay * bx + az * bw,
                     aw * bw - ax * bx - ay * by - az * bz), axis=-1)


def rotation_vector(q: FloatArray) -> FloatArray:
    """Rotation vectors (..., 3) [rad] of unit quaternions x, y, z, w."""
    q = np.where(q[..., 3:] < 0, -q, q)
    vector = q[..., :3]
    sine = np.linalg.norm(vector, axis=-1)
    angle = 2.0 * np.arctan2(sine, q[..., 3])
    scale = np.where(sine > 1e-12, angle / np.maximum(sine, 1e-12), 2.0)
    return vector * scale[..., None]


def gravity_in_body(q: FloatArray) -> FloatArray:
    """The world's up axis in the IMU frame, R(q)^T e_z, for quaternions x, y, z, w."""
    x, y, z, w = np.moveaxis(q, -1, 0)
    return np.stack((2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)),
                    axis=-1)


def imu_rows(data: EpisodeData, *keys: str) -> tuple[list[FloatArray], BoolArray] | None:
    """The IMU features `keys` and the frames where all of them are usable."""
    found = [usable(data, key) for key in keys]
    if any(item is None for item in found):
        return None
    arrays = [item[0] for item in found if item is not None]
    rows = np.logical_and.reduce([item[1].all(axis=1) for item in found if item is not None])
    return arrays, rows


def rest_frames(data: EpisodeData, fps: int) -> BoolArray | None:
    """Frames at rest: |gyro| and every valid |joint velocity| <= REST_RATE for REST_SECONDS."""
    found = usable(data, GYRO)
    if found is None:
        return None
    gyro, gyro_valid = found
    still = gyro_valid.all(axis=1) & (np.linalg.norm(np.where(gyro_valid, gyro, 0.0), axis=1)
                                      <= REST_RATE)
    joints = usable(data, VELOCITY)
    if joints is not None:
        velocity, valid = joints
        still &= ~(valid & (np.abs(np.where(valid, velocity, 0.0)) > REST_RATE)).any(axis=1)
    return runs_at_least(still, max(2, int(round(REST_SECONDS * fps))))


class QuaternionNorm(Accumulator):
    """|q| of valid orientation frames."""

    unit, limit = '', QUATERNION_TOLERANCE

    def __init__(self) -> None:
        super().__init__()
        self.spec = SPECS['quaternion_norm']

    def measure(self, data: EpisodeData, dataset: DatasetInput) -> float | str:
        found = imu_rows(data, ORIENTATION)
        if found is None:
            return f'no {ORIENTATION} feature'
        (q,), rows = found
        if not rows.any():
            return 'no valid IMU frame'
        deviation = np.abs(np.linalg.norm(q[rows], axis=1) - 1.0)
        bad = int((deviation > self.limit).sum())
        if bad:
            self.findings.append(Finding(data.index, (
                f'{bad} of {int(rows.sum())} valid frame(s) with | |q| - 1 | > '
                f'{self.limit:g}, up to {deviation.max():.4g}')))
        return float(deviation.max())


class GravityAtRest(Accumulator):
    """|linear acceleration| at rest against g."""

    unit, limit = 'm/s^2', GRAVITY_TOLERANCE

    def __init__(self) -> None:
        super().__init__()
        self.spec = SPECS['gravity_at_rest']

    def measure(self, data: EpisodeData, dataset: DatasetInput) -> float | str:
        found, rest = imu_rows(data, ACCEL), rest_frames(data, dataset.fps)
        if found is None or rest is None:
            return 'no IMU angular velocity or linear acceleration feature'
        (accel,), rows = found
        rows &= rest
        if not rows.any():
            return 'no rest frames'
        magnitude = float(np.median(np.linalg.norm(accel[rows], axis=1)))
        deviation = abs(magnitude - GRAVITY)
        self.notes.append(f'episode {data.index} median |a| {magnitude:.4g} m/s^2 at rest')
        if deviation > self.limit:
            self.findings.append(Finding(data.index, (
                f'median |a| {magnitude:.4g} m/s^2 over {int(rows.sum())} rest frame(s), '
                f'g = {GRAVITY}')))
        return deviation


class GyroVsOrientation(Accumulator):
    """Angular velocity against the body-frame rate between successive orientations."""

    unit, limit = 'rad/s', GYRO_P95

    def __init__(self) -> None:
        super().__init__()
        self.spec = SPECS['gyro_vs_orientation']

    def measure(self, data: EpisodeData, dataset: DatasetInput) -> float | str:
        found = imu_rows(data, ORIENTATION, GYRO)
        if found is None:
            return 'no IMU orientation or angular velocity feature'
        (q, gyro), rows = found
        pairs = rows[:-1] & rows[1:]
        if not pairs.any():
            return 'no two consecutive valid IMU frames'
        q = q / np.linalg.norm(q, axis=1, keepdims=True).clip(min=1e-12)
        conjugate = q[:-1] * np.array([-1.0, -1.0, -1.0, 1.0])
        rate = rotation_vector(quaternion_multiply(conjugate, q[1:])) * dataset.fps
        residual = np.linalg.norm(rate - (gyro[:-1] + gyro[1:]) / 2.0, axis=1)[pairs]
        p95 = float(np.quantile(residual, 0.95))
        if p95 > self.limit:
            self.findings.append(Finding(data.index, (
                f'95th percentile |gyro - rate from orientation| {p95:.4g} rad/s over '
                f'{int(pairs.sum())} frame pair(s)')))
        return p95


class AccelerometerDirection(Accumulator):
    """Angle at rest between the accelerometer and gravity rotated into the IMU frame."""

    unit, limit = 'deg', ACCEL_ANGLE_DEG

    def __init__(self) -> None:
        super().__init__()
        self.spec = SPECS['accelerometer_direction']

    def measure(self, data: EpisodeData, dataset: DatasetInput) -> float | str:
        found, rest = imu_rows(data, ORIENTATION, ACCEL), rest_frames(data, dataset.fps)
        if found is None or rest is None:
            return 'no IMU orientation, angular velocity or linear acceleration feature'
        (q, accel), rows = found
        rows &= rest & (np.linalg.norm(accel, axis=1) > 1e-9)
        if not rows.any():
            return 'no rest frames'
        up = gravity_in_body(q[rows] / np.linalg.norm(q[rows], axis=1, keepdims=True))
        measured = accel[rows] / np.linalg.norm(accel[rows], axis=1, keepdims=True)
        cosine = np.sum(up * measured, axis=1) / np.linalg.norm(up, axis=1)
        angle = float(np.degrees(np.median(np.arccos(cosine.clip(-1.0, 1.0)))))
        if angle > self.limit:
            self.findings.append(Finding(data.index, (
                f'median angle accelerometer vs gravity {angle:.3g} deg over '
                f'{int(rows.sum())} rest frame(s)')))
        return angle


def _spec(name: str, measures: str, threshold: str, answers: str,
          severity: str = 'fail') -> CheckSpec:
    return CheckSpec(f'physics.{name}', 'physics', measures, threshold, severity, 'physical',
                     answers)


LIMITS = f'{ANCHORS} section 9.1 (declared per-robot limits on state, valid frames only)'
SPECS = {
    'position_limits': _spec(
        'position_limits', 'valid observation.state entries against the profile\'s canonical '
        'joint position limits', f'no entry beyond a limit by more than {POSITION_TOLERANCE} '
        'rad (figure: worst excess)', LIMITS),
    'velocity_limits': _spec(
        'velocity_limits', 'valid observation.velocity entries against the profile\'s joint '
        'velocity maxima', f'no |velocity| above its maximum by more than {VELOCITY_TOLERANCE} '
        'rad/s (figure: worst excess)', LIMITS),
    'effort_limits': _spec(
        'effort_limits', 'valid observation.effort entries against the profile\'s joint '
        'effort maxima', f'no |effort| above its maximum by more than {EFFORT_TOLERANCE} N*m '
        '(figure: worst excess)', f'{ANCHORS} sections 9.1 and 9.4 (effort vs limits)'),
    'velocity_vs_position': _spec(
        'velocity_vs_position', 'recorded joint velocity vs the central difference of the '
        'joint position at the dataset fps, on frames valid with both neighbours',
        f'95th percentile residual per joint <= {DERIVATIVE_P95} rad/s',
        f'{ANCHORS} section 9.2 (recorded velocity vs the derivative of position)'),
    'quaternion_norm': _spec(
        'quaternion_norm', 'norm of the IMU orientation quaternion on valid IMU frames',
        f'| |q| - 1 | <= {QUATERNION_TOLERANCE} on every valid frame',
        f'{ANCHORS} section 9.3 (unit quaternions)'),
    'gravity_at_rest': _spec(
        'gravity_at_rest', f'median |linear acceleration| on rest frames (|gyro| and every '
        f'valid |joint velocity| <= {REST_RATE} rad/s for >= {REST_SECONDS} s)',
        f'within {GRAVITY} +- {GRAVITY_TOLERANCE} m/s^2 (skipped without rest frames)',
        f'{ANCHORS} section 9.3 (norm(a) = g at rest)'),
    'gyro_vs_orientation': _spec(
        'gyro_vs_orientation', 'angular velocity (mean of two frames) vs the body-frame rate '
        'rotvec(q_k^-1 q_k+1) * fps of successive orientations', f'95th percentile residual '
        f'<= {GYRO_P95} rad/s', f'{ANCHORS} section 9.3 (gyro vs orientation rate)'),
    'accelerometer_direction': _spec(
        'accelerometer_direction', 'angle at rest between the accelerometer and the world up '
        'axis rotated into the IMU frame by the orientation', f'median angle <= '
        f'{ACCEL_ANGLE_DEG} deg (skipped without rest frames)',
        f'{ANCHORS} section 9.3 (accelerometer direction vs orientation)'),
}

FACTORIES: tuple[Callable[[], Check], ...] = (
    lambda: LimitCheck(SPECS['position_limits'], STATE, 'position', POSITION_TOLERANCE, 'rad'),
    lambda: LimitCheck(SPECS['velocity_limits'], VELOCITY, 'velocity', VELOCITY_TOLERANCE,
                       'rad/s'),
    lambda: LimitCheck(SPECS['effort_limits'], EFFORT, 'effort', EFFORT_TOLERANCE, 'N*m'),
    VelocityVsPosition, QuaternionNorm, GravityAtRest, GyroVsOrientation,
    AccelerometerDirection)


def checks() -> list[Check]:
    """Fresh accumulators of every physics check."""
    return [factory() for factory in FACTORIES]
