"""Vendor state -> canonical state, for one sample (bridge) or a batch (exporter).

`StateMapper.map` applies a profile to a `NativeState`: joints through the mapping core,
vendor-only joints to extras, grippers to normalized closures, IMU as given by the codec (ROS
conventions already). Wrenches come from their own topics and are mapped by `map_wrench`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from interop_bridge.canonical import CanonicalSpec
from interop_bridge.mapping import MISSING_SLOT, JointMap, build_joint_map, take_slots
from interop_bridge.profile import Profile, WrenchSensor
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
    # Task-space poses (..., task frames, 7) and validity, when the profile attaches a model
    # (kinematics/task_space.py); None otherwise.
    task_pose: np.ndarray | None = None
    task_valid: np.ndarray | None = None


# Native slots (MISSING_SLOT where there is none) of the joints, extras and grippers.
Slots = tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.intp]]


@dataclass(frozen=True)
class _Coefficients:
    """Per canonical joint: which native slot to read and how to scale it (NaN: no value)."""

    take: NDArray[np.intp]  # (joints,) slot index, 0 where there is none
    gain: NDArray[np.float64]  # (joints,) sign * scale, NaN where there is no value
    sign: NDArray[np.float64]
    offset: NDArray[np.float64]
    one: NDArray[np.float64]  # 1.0, NaN where there is no value

    @classmethod
    def build(cls, joint_map: JointMap, joint_slots: np.ndarray) -> _Coefficients:
        count = joint_map.joint_count
        take = np.zeros(count, dtype=np.intp)
        arrays = {name: np.full(count, np.nan, dtype=np.float64)
                  for name in ('gain', 'sign', 'offset', 'one')}
        has_slot = joint_slots != MISSING_SLOT
        index = joint_map.canonical_index[has_slot]
        take[index] = joint_slots[has_slot]
        arrays['gain'][index] = joint_map.gain[has_slot]
        arrays['sign'][index] = joint_map.sign[has_slot]
        arrays['offset'][index] = joint_map.offset[has_slot]
        arrays['one'][index] = 1.0
        return cls(take=take, **arrays)


class StateMapper:
    """Applies one profile to vendor states."""

    def __init__(self, profile: Profile, spec: CanonicalSpec) -> None:
        self.profile = profile
        self.spec = spec
        self.joint_map: JointMap = build_joint_map(profile, spec)
        self.by_name = profile.by_name
        self.channels = len(spec.hand_channels)
        self._slot_cache: dict[tuple[str, ...], Slots] = {}
        self._coefficient_cache: dict[bytes, _Coefficients] = {}
        self.extra_names = tuple(extra.name for extra in profile.extra)
        self._gripper_columns = np.asarray(
            [spec.hand_sides.index(gripper.side) * self.channels + self.channels - 1
             for gripper in profile.grippers], dtype=np.intp)
        self._gripper_open = np.asarray([gripper.open for gripper in profile.grippers])
        self._gripper_span = np.asarray([gripper.closed - gripper.open
                                         for gripper in profile.grippers])

    def slots(self, names: tuple[str, ...] | None) -> Slots:
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

    def _coefficients(self, joint_slots: np.ndarray) -> _Coefficients:
        """Per-canonical-joint gather index and coefficients for one slot order (cached)."""
        key = joint_slots.tobytes()
        if key not in self._coefficient_cache:
            self._coefficient_cache[key] = _Coefficients.build(self.joint_map, joint_slots)
        return self._coefficient_cache[key]

    def map(self, native: NativeState) -> CanonicalState:
        """Map one NativeState (a sample or a batch) to canonical values.

        The same coefficients as interop_bridge.mapping (gain = sign * scale, offset; efforts
        by sign), applied as one gather per quantity: a joint the robot lacks, or a slot a
        name-addressed message does not carry, has NaN coefficients and so NaN values.
        """
        joint_slots, extra_slots, gripper_slots = self.slots(native.names)
        coefficients = self._coefficients(joint_slots)
        take = coefficients.take
        position = np.asarray(native.position, dtype=np.float64)[..., take] * \
            coefficients.gain + coefficients.offset
        valid = np.isfinite(position)
        invalid = np.where(valid, 0.0, np.nan)  # adds NaN where the position is invalid

        def per_joint(values: np.ndarray | None, factor: NDArray[np.float64]) -> np.ndarray:
            if values is None:
                return np.full(position.shape, np.nan)
            return np.asarray(values, dtype=np.float64)[..., take] * factor + invalid
        hand_closure = self._hands(native.position, gripper_slots)
        return CanonicalState(
            position=position, velocity=per_joint(native.velocity, coefficients.gain),
            effort=per_joint(native.effort, coefficients.sign), valid=valid,
            temperature=None if native.temperature is None else
            per_joint(native.temperature, coefficients.one),
            status=None if native.status is None else
            np.where(valid, np.asarray(native.status)[..., take], 0).astype(np.uint32),
            extra_names=self.extra_names,
            extra_position=take_slots(native.position, extra_slots),
            hand_closure=hand_closure, hand_valid=np.isfinite(hand_closure),
            imu=native.imu, sequence=native.sequence, stamp_ns=native.stamp_ns)

    def _hands(self, position: np.ndarray, slots: np.ndarray) -> np.ndarray:
        closure = np.full((*position.shape[:-1], 2 * self.channels), np.nan)
        if slots.size:
            native = take_slots(position, slots)
            closure[..., self._gripper_columns] = np.clip(
                (native - self._gripper_open) / self._gripper_span, 0.0, 1.0)
        return closure


def map_wrench(sensor: WrenchSensor, raw_wrench: np.ndarray) -> np.ndarray:
    """A raw [fx, fy, fz, tx, ty, tz] in sensor axes -> the canonical frame (per-axis signs)."""
    signs = np.asarray([*sensor.force_axes, *sensor.torque_axes], dtype=np.float64)
    return np.asarray(raw_wrench, dtype=np.float64) * signs


def invalidate(state: CanonicalState, rows: np.ndarray) -> CanonicalState:
    """A batch with every value of the messages at `rows` (bool, (messages,)) made invalid:
    NaN joints, extras, hands and IMU, valid false (a corrupt message is never data)."""
    def blanked(values: np.ndarray) -> np.ndarray:
        out = np.array(values, dtype=np.float64, copy=True)
        out[rows] = np.nan
        return out

    def cleared(flags: np.ndarray) -> np.ndarray:
        out = np.array(flags, dtype=bool, copy=True)
        out[rows] = False
        return out
    imu = state.imu if state.imu is None else replace(
        state.imu, orientation=blanked(state.imu.orientation),
        angular_velocity=blanked(state.imu.angular_velocity),
        linear_acceleration=blanked(state.imu.linear_acceleration))
    return replace(
        state, position=blanked(state.position), velocity=blanked(state.velocity),
        effort=blanked(state.effort), valid=cleared(state.valid),
        temperature=None if state.temperature is None else blanked(state.temperature),
        extra_position=blanked(state.extra_position), hand_closure=blanked(state.hand_closure),
        hand_valid=cleared(state.hand_valid), imu=imu)
