"""Vendor state -> canonical state, for one sample (bridge) or a batch (exporter).

`StateMapper.map` applies a profile to a `NativeState`: joints through the mapping core,
vendor-only joints to extras, grippers to normalized closures, IMU as given by the codec (ROS
conventions already). Wrenches come from their own topics and are mapped by `map_wrench`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from interop_bridge.canonical import CanonicalSpec
from interop_bridge.mapping import (
    MISSING_SLOT, JointMap, build_joint_map, efforts_to_canonical, positions_to_canonical,
    validity, velocities_to_canonical)
from interop_bridge.profile import NAME_ADDRESSED, Profile, WrenchSensor
from interop_bridge.vendors.native import ImuSample, NativeState


@dataclass(frozen=True)
class CanonicalState:
    """Canonical values of one sample or a batch (leading dimensions as the input)."""

    position: np.ndarray  # (..., joints), NaN where invalid
    velocity: np.ndarray
    effort: np.ndarray
    valid: np.ndarray  # bool
    temperature: np.ndarray | None  # (..., joints) or None
    status: np.ndarray | None  # (..., joints) uint32 or None
    extra_names: tuple[str, ...]
    extra_position: np.ndarray  # (..., extras)
    hand_closure: np.ndarray  # (..., 2 * channels), NaN where invalid
    hand_valid: np.ndarray  # bool
    imu: ImuSample | None
    sequence: np.ndarray | None
    stamp_ns: np.ndarray | None


class StateMapper:
    """Applies one profile to vendor states."""

    def __init__(self, profile: Profile, spec: CanonicalSpec) -> None:
        self.profile = profile
        self.spec = spec
        self.joint_map: JointMap = build_joint_map(profile, spec)
        self.by_name = profile.adapter in NAME_ADDRESSED
        self.channels = len(spec.hand_channels)
        self._slot_cache: dict[tuple[str, ...], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._gripper_columns = np.asarray(
            [spec.hand_sides.index(gripper.side) * self.channels + self.channels - 1
             for gripper in profile.grippers], dtype=np.intp)
        self._gripper_open = np.asarray([gripper.open for gripper in profile.grippers])
        self._gripper_span = np.asarray([gripper.closed - gripper.open
                                         for gripper in profile.grippers])

    def slots(self, names: tuple[str, ...] | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Slots of the joints, extras and grippers for a name order (or vendor slots)."""
        key = names or ()
        if key not in self._slot_cache:
            sources = [[joint.source for joint in self.profile.joints],
                       [extra.source for extra in self.profile.extra],
                       [gripper.source for gripper in self.profile.grippers]]
            if self.by_name:
                position = {name: index for index, name in enumerate(key)}
                resolved = [np.asarray([position.get(str(s), MISSING_SLOT) for s in group],
                                       dtype=np.intp) for group in sources]
            else:
                resolved = [np.asarray(group, dtype=np.intp) for group in sources]
            self._slot_cache[key] = (resolved[0], resolved[1], resolved[2])
        return self._slot_cache[key]

    def map(self, native: NativeState) -> CanonicalState:
        """Map one NativeState (a sample or a batch) to canonical values."""
        joint_slots, extra_slots, gripper_slots = self.slots(native.names)
        jmap = self.joint_map
        position = positions_to_canonical(jmap, native.position, joint_slots)
        valid = validity(jmap, position)
        nan = np.full(position.shape, np.nan)
        velocity = nan if native.velocity is None else \
            velocities_to_canonical(jmap, native.velocity, joint_slots)
        effort = nan if native.effort is None else \
            efforts_to_canonical(jmap, native.effort, joint_slots)
        return CanonicalState(
            position=position, velocity=np.where(valid, velocity, np.nan),
            effort=np.where(valid, effort, np.nan), valid=valid,
            temperature=None if native.temperature is None else np.where(
                valid, self._per_joint(native.temperature, joint_slots), np.nan),
            status=None if native.status is None else self._status(native.status, joint_slots),
            extra_names=tuple(extra.name for extra in self.profile.extra),
            extra_position=_take(native.position, extra_slots),
            hand_closure=self._hands(native.position, gripper_slots),
            hand_valid=self._hand_valid(native.position, gripper_slots),
            imu=native.imu, sequence=native.sequence, stamp_ns=native.stamp_ns)

    def _per_joint(self, values: np.ndarray, slots: np.ndarray) -> np.ndarray:
        out = np.full((*values.shape[:-1], self.joint_map.joint_count), np.nan)
        out[..., self.joint_map.canonical_index] = _take(values, slots)
        return out

    def _status(self, values: np.ndarray, slots: np.ndarray) -> np.ndarray:
        out = np.zeros((*values.shape[:-1], self.joint_map.joint_count), dtype=np.uint32)
        picked = values[..., np.where(slots == MISSING_SLOT, 0, slots)]
        out[..., self.joint_map.canonical_index] = np.where(slots == MISSING_SLOT, 0, picked)
        return out

    def _hands(self, position: np.ndarray, slots: np.ndarray) -> np.ndarray:
        closure = np.full((*position.shape[:-1], 2 * self.channels), np.nan)
        if slots.size:
            native = _take(position, slots)
            closure[..., self._gripper_columns] = np.clip(
                (native - self._gripper_open) / self._gripper_span, 0.0, 1.0)
        return closure

    def _hand_valid(self, position: np.ndarray, slots: np.ndarray) -> np.ndarray:
        return np.isfinite(self._hands(position, slots))


def _take(values: np.ndarray, slots: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    picked = values[..., np.where(slots == MISSING_SLOT, 0, slots)]
    return np.where(slots == MISSING_SLOT, np.nan, picked) if slots.size else picked


def map_wrench(sensor: WrenchSensor, raw_wrench: np.ndarray) -> np.ndarray:
    """A raw [fx, fy, fz, tx, ty, tz] in sensor axes -> the canonical frame (per-axis signs)."""
    signs = np.asarray([*sensor.force_axes, *sensor.torque_axes], dtype=np.float64)
    return np.asarray(raw_wrench, dtype=np.float64) * signs
