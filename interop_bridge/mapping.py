"""The one mapping core: vendor-native joint values <-> canonical values, vectorized.

Serves the live bridge (one sample at a time) and the offline exporter (a whole batch of
samples at once): every function accepts arrays with any leading dimensions, the last one being
the vendor slots (native) or the canonical joints (canonical).

Canonical = gain * native + offset, with gain = sign * scale, per joint (docs/canonical-
interface.md, D2). Velocities use the gain only; efforts use the sign only (torque units do not
change with a position unit). Joints a robot lacks are NaN with valid = False.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from interop_bridge.canonical import CanonicalSpec
from interop_bridge.errors import MappingError
from interop_bridge.profile import Profile

MISSING_SLOT = -1


@dataclass(frozen=True)
class JointMap:
    """Precomputed index and coefficient arrays of one profile."""

    joint_count: int
    canonical_index: np.ndarray  # (k,) canonical index of each mapped joint
    sources: tuple[int | str, ...]  # (k,) vendor slot index or native name of each
    native_names: tuple[str, ...]  # (k,)
    gain: np.ndarray  # (k,) sign * scale
    sign: np.ndarray  # (k,)
    offset: np.ndarray  # (k,)
    present: np.ndarray  # (joint_count,) bool

    def slots(self) -> np.ndarray:
        """Vendor slot indices (slot-addressed profiles only)."""
        if any(isinstance(source, str) for source in self.sources):
            msg = 'this profile addresses joints by name: use slots_for_names()'
            raise MappingError(msg)
        return np.asarray(self.sources, dtype=np.intp)

    def slots_for_names(self, names: Sequence[str]) -> np.ndarray:
        """Positions of each mapped joint in a name list (MISSING_SLOT where absent)."""
        position = {name: index for index, name in enumerate(names)}
        return np.asarray([position.get(str(source), MISSING_SLOT) for source in self.sources],
                          dtype=np.intp)


def build_joint_map(profile: Profile, spec: CanonicalSpec) -> JointMap:
    """The joint map of a checked profile."""
    joints = profile.joints
    present = np.zeros(spec.joint_count, dtype=bool)
    present[[joint.index for joint in joints]] = True
    return JointMap(
        joint_count=spec.joint_count,
        canonical_index=np.asarray([joint.index for joint in joints], dtype=np.intp),
        sources=tuple(joint.source for joint in joints),
        native_names=tuple(joint.native_name for joint in joints),
        gain=np.asarray([joint.gain for joint in joints], dtype=np.float64),
        sign=np.asarray([joint.sign for joint in joints], dtype=np.float64),
        offset=np.asarray([joint.offset for joint in joints], dtype=np.float64),
        present=present)


def _gather(values: np.ndarray, slots: np.ndarray) -> np.ndarray:
    """values[..., slots] with NaN where a slot is missing."""
    values = np.asarray(values, dtype=np.float64)
    gathered = values[..., np.where(slots == MISSING_SLOT, 0, slots)]
    if (slots == MISSING_SLOT).any():
        gathered = np.where(slots == MISSING_SLOT, np.nan, gathered)
    return gathered


def _scatter(joint_map: JointMap, mapped: np.ndarray) -> np.ndarray:
    out = np.full((*mapped.shape[:-1], joint_map.joint_count), np.nan)
    out[..., joint_map.canonical_index] = mapped
    return out


def positions_to_canonical(joint_map: JointMap, native: np.ndarray,
                           slots: np.ndarray) -> np.ndarray:
    """Native positions (..., slots) -> canonical positions (..., joints), NaN where absent."""
    return _scatter(joint_map, joint_map.gain * _gather(native, slots) + joint_map.offset)


def positions_to_native(joint_map: JointMap, canonical: np.ndarray) -> np.ndarray:
    """Canonical positions (..., joints) -> native positions of the mapped joints (..., k)."""
    picked = np.asarray(canonical, dtype=np.float64)[..., joint_map.canonical_index]
    return (picked - joint_map.offset) / joint_map.gain


def velocities_to_native(joint_map: JointMap, canonical: np.ndarray) -> np.ndarray:
    """Canonical velocities -> native velocities of the mapped joints."""
    return np.asarray(canonical, dtype=np.float64)[..., joint_map.canonical_index] / \
        joint_map.gain


def efforts_to_native(joint_map: JointMap, canonical: np.ndarray) -> np.ndarray:
    """Canonical efforts -> native efforts of the mapped joints."""
    return np.asarray(canonical, dtype=np.float64)[..., joint_map.canonical_index] * \
        joint_map.sign


def gains_to_native(joint_map: JointMap, stiffness: np.ndarray,
                    damping: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Canonical kp [N*m/rad] and kd [N*m*s/rad] -> native units of the mapped joints.

    tau = kp * error must be the same torque in both conventions; the native angle error is
    the canonical one divided by the gain, so kp_native = kp_canonical * scale (the sign
    cancels because the torque flips with it).
    """
    scale = np.abs(joint_map.gain)
    picked = joint_map.canonical_index
    return (np.asarray(stiffness)[..., picked] * scale,
            np.asarray(damping)[..., picked] * scale)
