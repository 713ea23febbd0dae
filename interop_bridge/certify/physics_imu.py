"""The IMU physics checks: unit quaternions, gravity at rest, gyro vs orientation rate,
accelerometer direction vs orientation (conventions: checks_physics.py's docstring)."""

from __future__ import annotations

import numpy as np

from interop_bridge.certify.model import DatasetInput, EpisodeData, Finding
from interop_bridge.certify.physics_common import (ACCEL, ACCEL_ANGLE_DEG, Accumulator, BoolArray,
                                                   FloatArray, GRAVITY, GRAVITY_TOLERANCE, GYRO,
                                                   GYRO_P95, ORIENTATION, QUATERNION_TOLERANCE,
                                                   REST_RATE, REST_SECONDS, SPECS, VELOCITY,
                                                   median, quantile, runs_at_least, usable)


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
        magnitude = median(np.linalg.norm(accel[rows], axis=1))
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
        p95 = quantile(residual, 0.95)
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
        angle = float(np.degrees(median(np.arccos(cosine.clip(-1.0, 1.0)))))
        if angle > self.limit:
            self.findings.append(Finding(data.index, (
                f'median angle accelerometer vs gravity {angle:.3g} deg over '
                f'{int(rows.sum())} rest frame(s)')))
        return angle
