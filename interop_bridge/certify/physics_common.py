"""What the physics and control checks share: feature keys, thresholds, mask lookup, the
per-episode accumulator, and the physics checks' declarations (SPECS)."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from interop_bridge.canonical import load_canonical
from interop_bridge.certify.model import CheckResult, CheckSpec, DatasetInput, EpisodeData, Finding
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


def column_median(values: FloatArray) -> FloatArray:
    """Per column median of finite values, the value np.median(values, axis=0) gives (the
    middle order statistic, or the mean of the middle two), ~6x faster: the columns copied
    to contiguous rows, one selection each, the lower middle the largest value below it."""
    rows = values.shape[0]
    middle = rows // 2
    columns = np.ascontiguousarray(values.T)
    columns.partition(middle, axis=1)
    upper = columns[:, middle]
    if rows % 2:
        return upper.copy()
    median: FloatArray = (columns[:, :middle].max(axis=1) + upper) / 2.0
    return median


def median(values: FloatArray) -> float:
    """np.median of the values (NaN when one is NaN or there is none), via column_median."""
    flat = np.asarray(values, dtype=np.float64).reshape(-1)
    if not flat.size or np.isnan(flat).any():
        return math.nan
    return float(column_median(flat[:, None])[0])


def column_quantile(values: FloatArray, q: float) -> FloatArray:
    """Per column q-quantile of finite (rows, columns) values, the values np.quantile(values,
    q, axis=0) gives (its default 'linear' method, the same interpolation), without
    np.quantile's overhead and its import of numpy.ma: one selection per contiguous column."""
    rows = values.shape[0]
    index = (rows - 1) * q
    below = math.floor(index)
    columns = np.ascontiguousarray(values.T)
    if below + 1 >= rows:
        top: FloatArray = columns.max(axis=1)
        return top
    columns.partition(below + 1, axis=1)
    upper = columns[:, below + 1]
    lower = columns[:, :below + 1].max(axis=1)
    gamma, step = index - below, upper - lower
    interpolated: FloatArray = (upper - step * (1 - gamma) if gamma >= 0.5
                                else lower + step * gamma)
    return interpolated


def quantile(values: FloatArray, q: float) -> float:
    """np.quantile(values, q) of finite 1-D values (column_quantile of one column)."""
    return float(column_quantile(np.asarray(values).reshape(-1, 1), q)[0])


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
