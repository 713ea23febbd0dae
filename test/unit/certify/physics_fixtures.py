"""EpisodeData with analytic truth for the physics and control checks, and a real export's.

Joints follow sines with their exact derivative as velocity; the IMU turns at a constant
body-frame rate (orientations built with scipy, whose Rotation composition is the reference
for the convention) and its accelerometer reads gravity rotated into the IMU frame.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from dataset_rows import read_rows
from scipy.spatial.transform import Rotation

from interop_bridge.certify.model import Check, CheckResult, DatasetInput, EpisodeData
from interop_bridge.profile import Profile, load_profile

FPS = 30
WIDTH = 32
G1: Profile = load_profile('unitree_g1_29dof')
PRESENT = np.zeros(WIDTH, dtype=bool)
PRESENT[[joint.index for joint in G1.joints]] = True
UP = np.array([0.0, 0.0, 9.81])


def dataset(fps: int = FPS) -> DatasetInput:
    return DatasetInput(root=Path('.'), info={}, interop={}, stats={}, fps=fps,
                        camera_keys=())


def times(frames: int, fps: int = FPS) -> np.ndarray:
    return np.arange(frames) / fps


def joint_motion(frames: int, fps: int = FPS, amplitude: float = 0.3,
                 hz: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """(positions, exact velocities) (frames, 32): sines about each joint's range centre."""
    t = times(frames, fps)[:, None]
    position, velocity = np.zeros((frames, WIDTH)), np.zeros((frames, WIDTH))
    for joint in G1.joints:
        low, high = joint.canonical_position
        size = min(amplitude, 0.25 * (high - low))
        phase = 2 * np.pi * hz * t[:, 0] + 0.3 * joint.index
        position[:, joint.index] = (low + high) / 2 + size * np.sin(phase)
        velocity[:, joint.index] = size * 2 * np.pi * hz * np.cos(phase)
    return position, velocity


def rotating_imu(frames: int, rate: tuple[float, float, float] = (0.1, -0.3, 0.4),
                 fps: int = FPS) -> dict[str, np.ndarray]:
    """Orientation R(t) = R0 * exp(rate * t): body-frame angular velocity `rate`."""
    start = Rotation.from_euler('xyz', [0.1, -0.2, 0.5])
    turns = start * Rotation.from_rotvec(np.outer(times(frames, fps), rate))
    return {'observation.imu.orientation': turns.as_quat(),
            'observation.imu.angular_velocity': np.tile(rate, (frames, 1)),
            'observation.imu.linear_acceleration': turns.inv().apply(UP)}


def pitching_imu(frames: int, amplitude: float = 0.25, hz: float = 0.05,
                 fps: int = FPS) -> dict[str, np.ndarray]:
    """A slow pitch oscillation (|gyro| <= 0.08 rad/s: rest) with consistent gyro and gravity."""
    t = times(frames, fps)
    pitch = amplitude * np.sin(2 * np.pi * hz * t)
    rate = amplitude * 2 * np.pi * hz * np.cos(2 * np.pi * hz * t)
    turns = Rotation.from_rotvec(np.outer(pitch, [0.0, 1.0, 0.0]))
    return {'observation.imu.orientation': turns.as_quat(),
            'observation.imu.angular_velocity': np.outer(rate, [0.0, 1.0, 0.0]),
            'observation.imu.linear_acceleration': turns.inv().apply(UP)}


def episode(columns: dict[str, np.ndarray], valid: dict[str, np.ndarray] | None = None,
            profile: Profile | None = G1, index: int = 0) -> EpisodeData:
    """EpisodeData; masks default to the robot's joints valid and every IMU frame valid."""
    frames = next(iter(columns.values())).shape[0]
    masks: dict[str, np.ndarray] = {}
    for key, values in columns.items():
        width = values.reshape(frames, -1).shape[1]
        joint = width == WIDTH and not key.startswith('valid')
        masks[key] = np.tile(PRESENT, (frames, 1)) if joint else np.ones((frames, width), bool)
    masks.update(valid or {})
    return EpisodeData(index=index, length=frames, task='test', robot_type=G1.name,
                       profile=profile, columns=dict(columns), valid=masks, record={})


def moving(frames: int = 300, **extra: np.ndarray) -> dict[str, np.ndarray]:
    """Moving joints and a turning IMU, all physically consistent."""
    position, velocity = joint_motion(frames)
    return {'observation.state': position, 'observation.velocity': velocity,
            'observation.effort': 0.1 * position, **rotating_imu(frames), **extra}


def resting(frames: int = 600) -> dict[str, np.ndarray]:
    """Joints still (in range), the IMU pitching slowly: rest frames throughout."""
    position = np.tile(joint_motion(1)[0], (frames, 1))
    return {'observation.state': position, 'observation.velocity': np.zeros_like(position),
            'observation.effort': np.zeros_like(position), **pitching_imu(frames)}


def run(check: Check, *episodes: EpisodeData, fps: int = FPS) -> CheckResult:
    data = dataset(fps)
    for item in episodes:
        check.episode(item, data)
    return check.result(data)


def by_id(checks: list[Check], check_id: str) -> Check:
    return next(check for check in checks if check.spec.id == check_id)


def exported_episodes(root: Path) -> list[EpisodeData]:
    """EpisodeData of every episode of an exported dataset, masks expanded by valid_keys."""
    interop: dict[str, Any] = json.loads((root / 'meta' / 'interop.json').read_text())
    rows = read_rows(root)  # joint columns at their canonical indices
    columns = {name: values.astype(float) for name, values in rows.items()
               if np.issubdtype(values.dtype, np.floating)}
    episode_of = rows['episode_index']
    out = []
    for number in np.unique(episode_of):
        rows = episode_of == number
        picked = {key: values[rows] for key, values in columns.items()}
        valid = {}
        for key, mask_key in interop['valid_keys'].items():
            if mask_key is None or key not in picked:
                continue
            mask = picked[mask_key].reshape(int(rows.sum()), -1) > 0.5
            width = picked[key].reshape(mask.shape[0], -1).shape[1]
            valid[key] = np.repeat(mask, width // mask.shape[1], axis=1)
        record = interop['episodes'][int(number)] if isinstance(interop['episodes'], list) \
            else {}
        out.append(EpisodeData(index=int(number), length=int(rows.sum()), task='',
                               robot_type=G1.name, profile=G1, columns=picked, valid=valid,
                               record=record))
    return out
