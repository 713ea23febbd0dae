"""Canonical and standard ROS messages built from mapped values (used by the bridge node).

The outputs published for every vendor state (interop/state, joint_states, native/joint_states,
imu/data) leave as serialized bytes from fixed CDR images (`StateOutputs`, one image per shape,
interop_bridge.cdr_image); the rest are message objects built here.
"""

from __future__ import annotations

import array
from typing import TypeVar

import numpy as np
from builtin_interfaces.msg import Time
from geometry_msgs.msg import WrenchStamped

from interop_bridge.canonical import CanonicalSpec
from interop_bridge.cdr_image import ImuImage, JointStateImage, StateShape, WholeBodyStateImage
from interop_bridge.export.typestore import TypeDefinitions
from interop_bridge.profile import Profile
from interop_bridge.state_mapping import CanonicalState, StateMapper
from interop_bridge.vendors.native import ImuSample, NativeState
from interop_msgs.msg import Embodiment, HandState, JointDescription


K = TypeVar('K')
V = TypeVar('V')
IMAGE_CACHE_LIMIT = 16  # shapes kept per output; a robot has one or two


class StateOutputs:
    """Serialized per-state outputs of one profile, from one fixed image per shape."""

    def __init__(self, fielddefs: TypeDefinitions, joint_names: tuple[str, ...],
                 imu_frame: str, task_frames: tuple[str, ...]) -> None:
        self.fielddefs = fielddefs
        self.joint_names = joint_names
        self.imu_frame = imu_frame
        self.task_frames = task_frames
        self._states: dict[tuple[object, ...], WholeBodyStateImage] = {}
        self._canonical: dict[bytes, tuple[JointStateImage, np.ndarray]] = {}
        self._native: dict[tuple[object, ...], tuple[JointStateImage, np.ndarray]] = {}
        self._imu = ImuImage(fielddefs, imu_frame)

    def state(self, state: CanonicalState, *, stamp_ns: int, receive_ns: int,
              stamp_source: int, wrenches: dict[str, np.ndarray]) -> bytes:
        """interop/state."""
        key = (state.position.size, state.temperature is not None, state.status is not None,
               state.extra_names, tuple(wrenches), state.task_pose is not None)
        image = self._states.get(key)
        if image is None:
            shape = StateShape(
                joints=state.position.size, temperature=key[1], status=key[2],
                extra_names=state.extra_names, imu_frame=self.imu_frame,
                wrench_frames=tuple(wrenches),
                task_frames=self.task_frames if key[5] else ())
            image = _kept(self._states, key, WholeBodyStateImage(self.fielddefs, shape))
        return image.serialize(state, stamp_ns=stamp_ns, receive_ns=receive_ns,
                               stamp_source=stamp_source, wrenches=wrenches)

    def joint_state(self, state: CanonicalState, stamp_ns: int) -> bytes:
        """joint_states: canonical names, present joints only."""
        key = state.valid.tobytes()
        found = self._canonical.get(key)
        if found is None:
            index = np.flatnonzero(state.valid)
            names = [self.joint_names[i] for i in index]
            found = _kept(self._canonical, key,
                          (JointStateImage(self.fielddefs, names), index))
        image, index = found
        return image.serialize(stamp_ns, state.position[index], state.velocity[index],
                               state.effort[index])

    def native(self, native: NativeState, mapper: StateMapper, stamp_ns: int) -> bytes:
        """native/joint_states: the vendor's names and values of the profile's joints."""
        key = (native.names or (), native.velocity is not None, native.effort is not None)
        found = self._native.get(key)
        if found is None:
            slots, _, _ = mapper.slots(native.names)
            valid = slots >= 0
            names = [name for name, ok in zip(mapper.joint_map.native_names, valid) if ok]
            found = _kept(self._native, key, (JointStateImage(
                self.fielddefs, names, velocity=key[1], effort=key[2]), slots[valid]))
        image, index = found

        def pick(values: np.ndarray | None) -> np.ndarray | None:
            return None if values is None else np.asarray(values)[index]
        return image.serialize(stamp_ns, pick(native.position), pick(native.velocity),
                               pick(native.effort))

    def imu(self, imu: ImuSample | None, stamp_ns: int) -> bytes:
        """imu/data."""
        return self._imu.serialize(stamp_ns, imu)


def _kept(cache: dict[K, V], key: K, value: V) -> V:
    if len(cache) >= IMAGE_CACHE_LIMIT:
        cache.clear()
    cache[key] = value
    return value


def to_time(stamp_ns: int) -> Time:
    """Nanoseconds -> builtin_interfaces/Time."""
    return Time(sec=int(stamp_ns // 1_000_000_000), nanosec=int(stamp_ns % 1_000_000_000))


def wrench_message(frame: str, wrench: np.ndarray, stamp: Time) -> WrenchStamped:
    """geometry_msgs/WrenchStamped from [fx, fy, fz, tx, ty, tz]."""
    message = WrenchStamped()
    message.header.stamp = stamp
    message.header.frame_id = frame
    force, torque = message.wrench.force, message.wrench.torque
    force.x, force.y, force.z, torque.x, torque.y, torque.z = (float(v) for v in wrench)
    return message


def hand_state(side: int, closure: np.ndarray, valid: np.ndarray, stamp: Time) -> HandState:
    """interop_msgs/HandState of one side."""
    message = HandState()
    message.header.stamp = stamp
    message.header.frame_id = 'l_gripper' if side == HandState.SIDE_LEFT else 'r_gripper'
    message.side = side
    message.closure = array.array('f', np.asarray(closure, dtype=np.float32).tobytes())
    message.valid = [bool(value) for value in valid]
    return message


def embodiment(profile: Profile, spec: CanonicalSpec, stamp: Time) -> Embodiment:
    """The latched description of the robot behind this namespace."""
    message = Embodiment()
    message.header.stamp = stamp
    message.header.frame_id = 'base_link'
    message.interface_version = spec.interface_version
    message.vendor, message.model = profile.vendor, profile.model
    message.profile_name, message.profile_sha256 = profile.name, profile.sha256
    message.joints = [_joint_description(profile, spec, index)
                      for index in range(spec.joint_count)]
    message.extra_joints = [extra.name for extra in profile.extra]
    message.hand_channels = [f'{gripper.side}_gripper' for gripper in profile.grippers]
    message.wrench_frames = [sensor.frame for sensor in profile.wrenches]
    message.imu_frames = [profile.imu.frame] if profile.imu.present else []
    message.state_rate_hz = float(profile.state_rate_hz)
    return message


def _joint_description(profile: Profile, spec: CanonicalSpec, index: int) -> JointDescription:
    canonical = spec.joints[index]
    description = JointDescription(name=canonical.name, index=index)
    joint = profile.joint(canonical.name)
    nan = float('nan')
    if joint is None:
        description.present = False
        description.native_index = -1
        for field in ('sign', 'scale', 'offset', 'position_min', 'position_max', 'velocity_max',
                      'effort_max', 'default_stiffness', 'default_damping'):
            setattr(description, field, nan)
        return description
    low, high = joint.canonical_position
    description.present = True
    description.native_name = joint.native_name
    description.native_index = joint.source if isinstance(joint.source, int) else -1
    description.sign, description.scale = float(joint.sign), float(joint.scale)
    description.offset = float(joint.offset)
    description.position_min, description.position_max = low, high
    description.velocity_max = float(joint.velocity * joint.scale)
    description.effort_max = float(joint.effort)
    description.default_stiffness = float(joint.stiffness)
    description.default_damping = float(joint.damping)
    return description
