"""Vendor-native samples and commands, the records between vendor codecs and the mapping core.

Arrays have any leading dimensions (one sample in the bridge, a batch in the exporter); the
last dimension is the vendor's slot order (or the JointState / controller name order for
name-addressed robots, listed in `names`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ImuSample:
    """Base IMU in ROS conventions: quaternion x, y, z, w; rad/s; m/s^2 (gravity included).

    The orientation is NaN where the vendor gives none (profile key `imu.orientation: none`).
    """

    orientation: np.ndarray  # (..., 4)
    angular_velocity: np.ndarray  # (..., 3)
    linear_acceleration: np.ndarray  # (..., 3)
    stamp_ns: np.ndarray | None = None  # (...,) header stamp where the message has one


@dataclass(frozen=True)
class WrenchSample:
    """One force/torque sensor's raw reading: [fx, fy, fz, tx, ty, tz] in the sensor's axes."""

    force_torque: np.ndarray  # (..., 6) N, N*m
    stamp_ns: np.ndarray | None = None  # (...,)


@dataclass(frozen=True)
class NativeState:
    """Joint and IMU values as the vendor reports them, before mapping."""

    position: np.ndarray  # (..., slots) native units
    velocity: np.ndarray | None = None
    effort: np.ndarray | None = None
    temperature: np.ndarray | None = None  # degC
    status: np.ndarray | None = None  # vendor status/error bits (uint32)
    imu: ImuSample | None = None
    sequence: np.ndarray | None = None  # vendor counter (...,)
    stamp_ns: np.ndarray | None = None  # vendor sample time, where the message has one
    names: tuple[str, ...] | None = None  # name order for name-addressed robots
    mode_machine: int | None = None  # Unitree: robot type id to echo in commands
    # (...,) bool: the message's own checksum matched (Unitree LowState CRC); None where the
    # vendor's state carries none. A state that fails it is never mapped or used.
    checksum_ok: np.ndarray | None = None


@dataclass(frozen=True)
class NativeCommand:
    """A command in vendor units, one entry per joint along the last dimension.

    Going to a codec's `encode_command`, entries follow the profile's joints (a checked
    command, interop_bridge.command_safety) and the codec places them at their slots. Coming
    out of `decode_commands`, entries follow the wire: every vendor slot, or the controller's
    joint order listed in `names`. `enabled` marks the joints that receive a motor command at
    all (Unitree mode != 0; a value in a ros2_control command); a value the wire does not carry
    (gains of a ros2_control command, positions of a velocity command) is NaN.
    """

    position: np.ndarray  # (..., k)
    velocity: np.ndarray  # (..., k)
    effort: np.ndarray  # (..., k)
    stiffness: np.ndarray  # (..., k)
    damping: np.ndarray  # (..., k)
    enabled: np.ndarray  # (..., k) bool
    names: tuple[str, ...] | None = None  # decoded commands of name-addressed robots
