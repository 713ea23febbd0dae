"""The one mapping core: vendor-native joint values <-> canonical values, vectorized.

Serves the live bridge (one sample at a time) and the offline exporter (a whole batch of
samples at once): every function accepts arrays with any leading dimensions, the last one being
the vendor slots (native), the profile's mapped joints (k), or the canonical joints.

Canonical = gain * native + offset, with gain = sign * scale, per joint (docs/canonical-
interface.md, D2). Velocities use the gain only; efforts use the sign only (torque units do not
change with a position unit); gains scale with |gain| so that kp * error is the same torque in
both conventions. Joints a robot lacks are NaN with valid = False.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from interop_bridge.canonical import CanonicalSpec
from interop_bridge.profile import Profile

MISSING_SLOT = -1


@dataclass(frozen=True)
class JointMap:
    """Precomputed index and coefficient arrays of one profile."""

    joint_count: int
    canonical_index: NDArray[np.intp]  # (k,) canonical index of each mapped joint
    native_names: tuple[str, ...]  # (k,)
    gain: NDArray[np.float64]  # (k,) sign * scale
    sign: NDArray[np.float64]  # (k,)
    offset: NDArray[np.float64]  # (k,)
    present: NDArray[np.bool_]  # (joint_count,)


def build_joint_map(profile: Profile, spec: CanonicalSpec) -> JointMap:
    """The joint map of a checked profile."""
    joints = profile.joints
    present = np.zeros(spec.joint_count, dtype=bool)
    present[[joint.index for joint in joints]] = True
    return JointMap(
        joint_count=spec.joint_count,
        canonical_index=np.asarray([joint.index for joint in joints], dtype=np.intp),
        native_names=tuple(joint.native_name for joint in joints),
        gain=np.asarray([joint.gain for joint in joints], dtype=np.float64),
        sign=np.asarray([joint.sign for joint in joints], dtype=np.float64),
        offset=np.asarray([joint.offset for joint in joints], dtype=np.float64),
        present=present)


def take_slots(values: np.ndarray, slots: np.ndarray) -> np.ndarray:
    """values[..., slots] as float64, NaN where a slot is MISSING_SLOT."""
    values = np.asarray(values, dtype=np.float64)
    missing = slots == MISSING_SLOT
    picked = values[..., np.where(missing, 0, slots)]
    return np.where(missing, np.nan, picked) if missing.any() else picked


def scatter_joints(joint_map: JointMap, mapped: np.ndarray, fill: float = np.nan) -> np.ndarray:
    """Values of the mapped joints (..., k) -> canonical order (..., joints), `fill` elsewhere."""
    out = np.full((*mapped.shape[:-1], joint_map.joint_count), fill,
                  dtype=np.result_type(mapped, np.asarray(fill)))
    out[..., joint_map.canonical_index] = mapped
    return out


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


def positions_to_canonical(joint_map: JointMap, native: np.ndarray) -> np.ndarray:
    """Native positions of the mapped joints (..., k) -> canonical values (..., k)."""
    return joint_map.gain * np.asarray(native, dtype=np.float64) + joint_map.offset


def velocities_to_canonical(joint_map: JointMap, native: np.ndarray) -> np.ndarray:
    """Native velocities of the mapped joints -> canonical velocities."""
    return joint_map.gain * np.asarray(native, dtype=np.float64)


def efforts_to_canonical(joint_map: JointMap, native: np.ndarray) -> np.ndarray:
    """Native efforts of the mapped joints -> canonical efforts."""
    return joint_map.sign * np.asarray(native, dtype=np.float64)


def gains_to_canonical(joint_map: JointMap, stiffness: np.ndarray,
                       damping: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Native kp and kd of the mapped joints -> canonical units (inverse of gains_to_native)."""
    scale = np.abs(joint_map.gain)
    return (np.asarray(stiffness, dtype=np.float64) / scale,
            np.asarray(damping, dtype=np.float64) / scale)
