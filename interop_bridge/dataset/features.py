"""The canonical dataset schema: the features every exported dataset has, whatever the robot.

Two robots' datasets share these features exactly (only the camera set is chosen per export),
so they can be merged. Joints a robot lacks, hand channels and force sensors it does not have
are present as columns, filled with 0.0 and flagged 0.0 in the matching `*_valid` feature
(1.0 = valid); statistics skip invalid entries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from interop_bridge.canonical import CanonicalSpec
from interop_bridge.dataset.records import FeatureEntry

AXES = ('x', 'y', 'z')
QUATERNION = ('x', 'y', 'z', 'w')
WRENCH_COMPONENTS = tuple(f'{kind}.{axis}' for kind in ('force', 'torque') for axis in AXES)
DEFAULT_FEATURE_KEYS = ('timestamp', 'frame_index', 'episode_index', 'index', 'task_index')


@dataclass(frozen=True)
class Feature:
    """One dataset feature as LeRobot declares it in meta/info.json."""

    key: str
    dtype: str
    shape: tuple[int, ...]
    names: tuple[str, ...] | None
    # For value features: the key of the feature holding its per-entry validity (or None).
    valid_key: str | None = None

    def info_entry(self) -> FeatureEntry:
        """The `features[key]` entry of info.json (video `info` is added by the writer)."""
        return {'dtype': self.dtype, 'shape': list(self.shape),
                'names': list(self.names) if self.names is not None else None}

    @property
    def is_video(self) -> bool:
        """Whether the feature is stored as MP4 rather than in the parquet data."""
        return self.dtype == 'video'


def _vector(key: str, names: tuple[str, ...], valid_key: str | None = None) -> Feature:
    return Feature(key=key, dtype='float32', shape=(len(names),), names=names,
                   valid_key=valid_key)


def hand_names(spec: CanonicalSpec) -> tuple[str, ...]:
    """Both sides' hand channel names, left then right (14)."""
    return tuple(name for side in spec.hand_sides for name in spec.hand_channel_names(side))


def wrench_names(spec: CanonicalSpec) -> tuple[str, ...]:
    """'l_sole.force.x' ... for every canonical wrench slot (24)."""
    return tuple(f'{frame}.{component}' for frame in spec.wrench_frames
                 for component in WRENCH_COMPONENTS)


def canonical_features(spec: CanonicalSpec,
                       cameras: Mapping[str, tuple[int, int]]) -> tuple[Feature, ...]:
    """Every feature of a canonical dataset, in column order.

    Args:
        spec: the canonical interface.
        cameras: camera name -> (height, width); each becomes observation.images.<name>.

    Returns:
        The features, without LeRobot's default columns (timestamp, indices), which the
        writer adds.
    """
    joints = spec.joint_names
    hands = hand_names(spec)
    features = [
        _vector('observation.state', joints, 'observation.state_valid'),
        _vector('observation.state_valid', joints),
        _vector('observation.velocity', joints, 'observation.state_valid'),
        _vector('observation.effort', joints, 'observation.state_valid'),
        _vector('observation.imu.orientation', QUATERNION, 'observation.imu_valid'),
        _vector('observation.imu.angular_velocity', AXES, 'observation.imu_valid'),
        _vector('observation.imu.linear_acceleration', AXES, 'observation.imu_valid'),
        _vector('observation.imu_valid', ('imu',)),
        _vector('observation.hand', hands, 'observation.hand_valid'),
        _vector('observation.hand_valid', hands),
        _vector('observation.wrench', wrench_names(spec), 'observation.wrench_valid'),
        _vector('observation.wrench_valid', spec.wrench_frames),
        _vector('action', joints, 'action_valid'),
        _vector('action_valid', joints),
        _vector('action.hand', hands, 'action.hand_valid'),
        _vector('action.hand_valid', hands),
    ]
    for name, (height, width) in sorted(cameras.items()):
        features.append(Feature(key=f'observation.images.{name}', dtype='video',
                                shape=(height, width, 3),
                                names=('height', 'width', 'channels')))
    return tuple(features)


def expand_validity(feature: Feature, valid: np.ndarray) -> np.ndarray:
    """Repeat a validity array (frames, k) to the width of `feature` (frames, n), n = m * k.

    A wrench slot's one flag covers its six components; the IMU flag covers every IMU vector.
    """
    valid = np.asarray(valid)
    return np.repeat(valid, feature.shape[0] // valid.shape[1], axis=1)
