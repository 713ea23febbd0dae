"""The canonical dataset schema: the features every exported dataset has, whatever the robot.

Two robots' datasets share these features (only the camera set is chosen per export, whether
there is an action, and which canonical joints the joint-wide features store: by default the
robot's own, dataset/joint_layout.py), so they can be merged.

Masks are bookkeeping, not policy features. LeRobot's `dataset_to_policy_features` makes every
key starting with `observation` a STATE input and every key starting with `action` an ACTION
output, and skips every other key; so each validity mask lives under `valid.<feature>`
(`valid.observation.state`, `valid.action` ...): LeRobot loads it with every item, a default
policy config neither consumes nor predicts it, and its normalization never touches it.
1.0 = valid, 0.0 = not.

What an invalid entry holds (see export/episode_assembly.py, docs/export.md): during a dropout
the last valid value of that entry (zero-order hold; before its first valid frame, that first
value), so a consumer that ignores the masks sees the robot's last reading, never a made-up 0;
an entry valid nowhere in the episode (a joint, hand or force sensor the robot lacks) is 0.0,
and where it is valid nowhere in the dataset its statistics are neutral (stats.py), so every
LeRobot normalization mode maps it to exactly 0. Statistics skip invalid entries.

Task space: `observation.eef.position` and `.orientation` hold the pose of both hands, both
feet and the head in the pelvis frame (x, y, z [m]; quaternion x, y, z, w) per task frame,
computed on the grid from `observation.state` by the robot's own kinematics
(kinematics/task_space.py); `valid.observation.eef` says per frame where that holds. A robot
whose profile attaches no model has these features with validity 0 everywhere.

Actions: `action` (+ `action.hand`) exist only when the export has an action source: the
recorded commands, or the next frame's state when asked for (`--action next-state`). A
recording without commands gets no action features, never an all-invalid zero action.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from interop_bridge.canonical import CanonicalSpec
from interop_bridge.dataset.records import FeatureEntry
from interop_bridge.errors import ExportError

AXES = ('x', 'y', 'z')
QUATERNION = ('x', 'y', 'z', 'w')
WRENCH_COMPONENTS = tuple(f'{kind}.{axis}' for kind in ('force', 'torque') for axis in AXES)
DEFAULT_FEATURE_KEYS = ('timestamp', 'frame_index', 'episode_index', 'index', 'task_index')
MASK_PREFIX = 'valid.'
ACTION_SOURCES = ('commands', 'next-state', 'none')


@dataclass(frozen=True)
class Feature:
    """One dataset feature as LeRobot declares it in meta/info.json."""

    key: str
    dtype: str
    shape: tuple[int, ...]
    names: tuple[str, ...] | None
    # For value features: the key of the feature holding its per-entry validity (or None).
    valid_key: str | None = None
    # What info.json says beside dtype, shape and names (a tactile pad's grid and unit).
    info: tuple[tuple[str, Any], ...] = ()

    def info_entry(self) -> FeatureEntry:
        """The `features[key]` entry of info.json (video `info` is added by the writer)."""
        entry: FeatureEntry = {'dtype': self.dtype, 'shape': list(self.shape),
                               'names': list(self.names) if self.names is not None else None}
        if self.info:
            entry['info'] = cast(Any, dict(self.info))
        return entry

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


def eef_names(spec: CanonicalSpec, components: tuple[str, ...]) -> tuple[str, ...]:
    """'l_wrist.x' ... for every canonical task frame (task-space features)."""
    return tuple(f'{frame}.{component}' for frame in spec.task_frames
                 for component in components)


def mask_key(feature_key: str) -> str:
    """The key of the validity mask of a feature group: 'valid.observation.state'."""
    return MASK_PREFIX + feature_key


def is_mask(key: str) -> bool:
    """Whether a feature key is a validity mask (bookkeeping, not a policy feature)."""
    return key.startswith(MASK_PREFIX)


@dataclass(frozen=True)
class TactilePad:
    """One tactile pad of one side as the dataset stores it: a rows x cols grid."""

    side: str
    patch: str
    rows: int
    cols: int
    unit: str

    @property
    def key(self) -> str:
        """'observation.tactile.left.index_tip'."""
        return f'observation.tactile.{self.side}.{self.patch}'


def tactile_features(pads: Sequence[TactilePad]) -> list[Feature]:
    """Per pad its readings (row-major taxels r<row>c<col>) and their validity mask."""
    values, masks = [], []
    for pad in pads:
        names = tuple(f'r{row}c{col}' for row in range(pad.rows) for col in range(pad.cols))
        info = (('layout', 'grid'), ('rows', pad.rows), ('cols', pad.cols), ('unit', pad.unit))
        values.append(Feature(pad.key, 'float32', (len(names),), names, mask_key(pad.key),
                              info))
        masks.append(Feature(mask_key(pad.key), 'float32', (len(names),), names))
    return values + masks


def canonical_features(spec: CanonicalSpec, cameras: Mapping[str, tuple[int, int]],
                       action: str = 'commands', joints: Sequence[int] | None = None,
                       tactile: Sequence[TactilePad] = ()) -> tuple[Feature, ...]:
    """Every feature of a canonical dataset, in column order.

    Args:
        spec: the canonical interface.
        cameras: camera name -> (height, width); each becomes observation.images.<name>.
        action: where `action` comes from ('commands', 'next-state'), or 'none': no action
            features at all.
        joints: the canonical joint indices the joint-wide features store, in canonical
            order (dataset/joint_layout.py); None: all of them.
        tactile: the tactile pads of the export's hands (observation.tactile.<side>.<pad>).

    Returns:
        The features, without LeRobot's default columns (timestamp, indices), which the
        writer adds.
    """
    if action not in ACTION_SOURCES:
        msg = f'action source {action!r}, expected one of {list(ACTION_SOURCES)}'
        raise ExportError(msg)
    stored = range(len(spec.joint_names)) if joints is None else joints
    names = tuple(spec.joint_names[index] for index in stored)
    hands = hand_names(spec)
    state, imu = mask_key('observation.state'), mask_key('observation.imu')
    hand, wrench = mask_key('observation.hand'), mask_key('observation.wrench')
    eef = mask_key('observation.eef')
    features = [
        _vector('observation.state', names, state),
        _vector('observation.velocity', names, state),
        _vector('observation.effort', names, state),
        _vector('observation.imu.orientation', QUATERNION, imu),
        _vector('observation.imu.angular_velocity', AXES, imu),
        _vector('observation.imu.linear_acceleration', AXES, imu),
        _vector('observation.hand', hands, hand),
        _vector('observation.wrench', wrench_names(spec), wrench),
        _vector('observation.eef.position', eef_names(spec, AXES), eef),
        _vector('observation.eef.orientation', eef_names(spec, QUATERNION), eef),
    ]
    if action != 'none':
        features += [_vector('action', names, mask_key('action')),
                     _vector('action.hand', hands, mask_key('action.hand'))]
    features += [_vector(state, names), _vector(imu, ('imu',)), _vector(hand, hands),
                 _vector(wrench, spec.wrench_frames), _vector(eef, spec.task_frames)]
    if action != 'none':
        features += [_vector(mask_key('action'), names),
                     _vector(mask_key('action.hand'), hands)]
    features += tactile_features(tactile)
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


def hold_invalid(values: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """(frames, n) values where every entry not `ok` takes its column's last ok value.

    Before a column's first ok frame it takes that first ok value; a column with no ok frame
    is 0.0. Returns float32.
    """
    frames = len(values)
    last_ok = np.where(ok, np.arange(frames)[:, None], -1)
    np.maximum.accumulate(last_ok, axis=0, out=last_ok)
    first_ok = np.argmax(ok, axis=0)
    rows = np.where(last_ok < 0, first_ok[None, :], last_ok)
    held = np.take_along_axis(np.asarray(values), rows, axis=0)
    seen = np.asarray(ok).any(axis=0, keepdims=True)
    return np.where(seen, held, 0.0).astype(np.float32)
