"""Which canonical joints a dataset stores: the robot's own (default) or all of them.

The joint-wide features (JOINT_FEATURES: state, velocity, effort, action and their masks) are
named by canonical joint names, in canonical order. With the `robot` layout they hold only the
joints the dataset's robots have (the union, when several robots share one export), so a joint
a robot lacks is never stored, and no tool can read it as a dead motor (lerobot-lint's
DEAD_JOINT takes every constant column for one). With the `canonical` layout they hold all the
canonical joints, absent ones 0.0 and flagged invalid: the layout for pooling robots into one
fixed-width vector.

The names say which layout a dataset has, so any reader can place every stored column back at
its canonical index (`widen_columns`): certify, report and merge read datasets of either layout
alike, and merge writes the union of its sources' joints.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from interop_bridge.canonical import CanonicalSpec
from interop_bridge.errors import ExportError

JOINT_LAYOUTS = ('robot', 'canonical')
JOINT_VALUE_FEATURES = ('observation.state', 'observation.velocity', 'observation.effort',
                        'action')
JOINT_MASK_FEATURES = ('valid.observation.state', 'valid.action')
JOINT_FEATURES = JOINT_VALUE_FEATURES + JOINT_MASK_FEATURES
NAMED_BY = 'observation.state'  # the feature whose names declare the stored joints


def check_layout(layout: str) -> str:
    """`layout` if it is one of JOINT_LAYOUTS, else an ExportError naming them."""
    if layout not in JOINT_LAYOUTS:
        msg = f'joint layout {layout!r}, expected one of {list(JOINT_LAYOUTS)}'
        raise ExportError(msg)
    return layout


def layout_joints(layout: str, robots: Iterable[Iterable[int]],
                  spec: CanonicalSpec) -> tuple[int, ...]:
    """The canonical joint indices a new dataset stores, in canonical order.

    `robots` are the canonical indices each robot of the export maps (its profile's joints).
    """
    if check_layout(layout) == 'canonical':
        return tuple(range(len(spec.joint_names)))
    stored = sorted({int(index) for joints in robots for index in joints})
    if not stored:
        msg = 'joint layout robot: the robots map no canonical joint'
        raise ExportError(msg)
    return tuple(stored)


def joint_indices(names: Sequence[str] | None, spec: CanonicalSpec, where: str) -> tuple[int, ...]:
    """The canonical indices of stored joint `names` (all joints when names is None).

    Raises:
        ExportError: a name that is no canonical joint, a repeated name, or names out of
            canonical order.
    """
    if names is None:
        return tuple(range(len(spec.joint_names)))
    unknown = [name for name in names if name not in spec.joint_names]
    if unknown:
        msg = f'{where}: {unknown!r} are not canonical joint names'
        raise ExportError(msg)
    indices = tuple(spec.joint_names.index(name) for name in names)
    if list(indices) != sorted(set(indices)):
        msg = f'{where}: joint names {list(names)!r} are repeated or not in canonical order'
        raise ExportError(msg)
    return indices


def stored_joints(features: Mapping[str, Mapping[str, object]],
                  spec: CanonicalSpec) -> tuple[int, ...]:
    """The canonical joints a dataset stores, from info.json's features (NAMED_BY's names).

    Every joint-wide feature present must name the same joints.
    """
    entry = features.get(NAMED_BY)
    names = None if entry is None else entry.get('names')
    stored = joint_indices(_names(names), spec, f'features.{NAMED_BY}.names')
    for key in JOINT_FEATURES:
        other = features.get(key)
        if other is None or key == NAMED_BY:
            continue
        if joint_indices(_names(other.get('names')), spec, f'features.{key}.names') != stored:
            msg = (f'features.{key}.names: not the joints of {NAMED_BY} '
                   f'({[spec.joint_names[index] for index in stored]!r})')
            raise ExportError(msg)
    return stored


def canonical_layout(features: Mapping[str, Mapping[str, object]],
                     spec: CanonicalSpec) -> tuple[int, ...] | None:
    """The canonical joints a dataset stores, or None when its joint features are not named by
    canonical joints (a LeRobot dataset of another origin: its columns are read as they are).
    """
    entry = features.get(NAMED_BY)
    names = None if entry is None else entry.get('names')
    if not isinstance(names, (list, tuple)) or \
            not all(isinstance(name, str) and name in spec.joint_names for name in names):
        return None
    return stored_joints(features, spec)


def _names(value: object) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, (list, tuple)) and all(isinstance(name, str) for name in value):
        return list(value)
    msg = f'joint names {value!r}: expected a list of strings'
    raise ExportError(msg)


def widen(values: np.ndarray, stored: Sequence[int], width: int) -> np.ndarray:
    """(frames, len(stored)) joint columns placed at their canonical indices of a
    (frames, width) array; joints not stored are 0.0 (a mask's 0.0: invalid)."""
    values = np.asarray(values)
    if len(stored) == width and list(stored) == list(range(width)):
        return values
    wide = np.zeros((len(values), width), dtype=values.dtype)
    wide[:, list(stored)] = values.reshape(len(values), len(stored))
    return wide


def widen_columns(columns: Mapping[str, np.ndarray], stored: Sequence[int],
                  width: int) -> dict[str, np.ndarray]:
    """Every joint-wide column of `columns` at canonical width; the others as they are."""
    return {key: widen(values, stored, width) if key in JOINT_FEATURES else values
            for key, values in columns.items()}


def narrow(values: np.ndarray, stored: Sequence[int]) -> np.ndarray:
    """The stored joints' columns of canonical-width (frames, joints) values."""
    values = np.asarray(values)
    if values.shape[1] == len(stored) and list(stored) == list(range(len(stored))):
        return values
    return values[:, list(stored)]
