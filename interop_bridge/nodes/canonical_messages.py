"""Canonical and standard ROS messages built from mapped values (used by the bridge node)."""

from __future__ import annotations

import array

import numpy as np
from builtin_interfaces.msg import Time
from geometry_msgs.msg import WrenchStamped
from sensor_msgs.msg import Imu, JointState

from interop_bridge.canonical import CanonicalSpec
from interop_bridge.profile import Profile
from interop_bridge.state_mapping import CanonicalState
from interop_bridge.vendors.native import ImuSample
from interop_msgs.msg import Embodiment, HandState, JointDescription, WholeBodyState


def to_time(stamp_ns: int) -> Time:
    """Nanoseconds -> builtin_interfaces/Time."""
    return Time(sec=int(stamp_ns // 1_000_000_000), nanosec=int(stamp_ns % 1_000_000_000))


def _doubles(values: np.ndarray) -> array.array[float]:
    # Assigning array.array is a memcpy in rclpy; ndarray would be converted element-wise.
    return array.array('d', np.ascontiguousarray(values, dtype=np.float64).tobytes())


def imu_message(imu: ImuSample | None, frame: str, stamp: Time) -> Imu:
    """sensor_msgs/Imu; covariance[0] = -1 marks what the vendor does not provide."""
    message = Imu()
    message.header.stamp = stamp
    message.header.frame_id = frame
    if imu is None:
        message.orientation_covariance[0] = -1.0
        message.angular_velocity_covariance[0] = -1.0
        message.linear_acceleration_covariance[0] = -1.0
        return message
    x, y, z, w = (float(value) for value in imu.orientation)
    message.orientation.x, message.orientation.y = x, y
    message.orientation.z, message.orientation.w = z, w
    vx, vy, vz = (float(value) for value in imu.angular_velocity)
    message.angular_velocity.x, message.angular_velocity.y, message.angular_velocity.z = vx, vy, vz
    ax, ay, az = (float(value) for value in imu.linear_acceleration)
    message.linear_acceleration.x = ax
    message.linear_acceleration.y = ay
    message.linear_acceleration.z = az
    return message


def wrench_message(frame: str, wrench: np.ndarray, stamp: Time) -> WrenchStamped:
    """geometry_msgs/WrenchStamped from [fx, fy, fz, tx, ty, tz]."""
    message = WrenchStamped()
    message.header.stamp = stamp
    message.header.frame_id = frame
    force, torque = message.wrench.force, message.wrench.torque
    force.x, force.y, force.z, torque.x, torque.y, torque.z = (float(v) for v in wrench)
    return message


def whole_body_state(state: CanonicalState, *, stamp: Time, receive: Time, stamp_source: int,
                     imu_frame: str, wrenches: dict[str, np.ndarray],
                     task_frames: tuple[str, ...] = ()) -> WholeBodyState:
    """interop_msgs/WholeBodyState of one mapped sample."""
    message = WholeBodyState()
    message.header.stamp = stamp
    message.header.frame_id = 'base_link'
    message.receive_stamp = receive
    message.stamp_source = stamp_source
    message.sequence = int(state.sequence) if state.sequence is not None else 0
    message.position = _doubles(state.position)
    message.velocity = _doubles(state.velocity)
    message.effort = _doubles(state.effort)
    message.valid = state.valid.tolist()
    if state.temperature is not None:
        message.temperature = array.array(
            'f', np.ascontiguousarray(state.temperature, dtype=np.float32).tobytes())
    if state.status is not None:
        message.motor_status = array.array('I', state.status.astype(np.uint32).tobytes())
    if state.extra_names:
        message.extra_name = list(state.extra_names)
        message.extra_position = _doubles(state.extra_position)
        message.extra_velocity = _doubles(np.full(len(state.extra_names), np.nan))
        message.extra_effort = _doubles(np.full(len(state.extra_names), np.nan))
    message.imu = imu_message(state.imu, imu_frame, stamp)
    message.imu_valid = state.imu is not None
    message.wrenches = [wrench_message(frame, values, stamp)
                        for frame, values in wrenches.items()]
    if state.task_pose is not None and state.task_valid is not None:
        message.task_frame = list(task_frames)
        message.task_pose = _doubles(state.task_pose.reshape(-1))
        message.task_valid = state.task_valid.tolist()
    return message


def joint_state(names: tuple[str, ...], state: CanonicalState, stamp: Time) -> JointState:
    """Standard JointState with canonical names, present joints only."""
    valid = state.valid
    message = JointState()
    message.header.stamp = stamp
    message.name = [name for name, ok in zip(names, valid) if ok]
    message.position = _doubles(state.position[valid])
    message.velocity = _doubles(state.velocity[valid])
    message.effort = _doubles(state.effort[valid])
    return message


def native_joint_state(native_names: tuple[str, ...], position: np.ndarray,
                       velocity: np.ndarray | None, effort: np.ndarray | None,
                       stamp: Time) -> JointState:
    """Standard JointState with the vendor's URDF names and native values."""
    message = JointState()
    message.header.stamp = stamp
    message.name = list(native_names)
    message.position = _doubles(position)
    if velocity is not None:
        message.velocity = _doubles(velocity)
    if effort is not None:
        message.effort = _doubles(effort)
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
