"""Vendor-native samples and commands, the records between vendor codecs and the mapping core.

Arrays have any leading dimensions (one sample in the bridge, a batch in the exporter); the
last dimension is the vendor's slot order (or the JointState name order for name-addressed
robots, listed in `names`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ImuSample:
    """Base IMU in ROS conventions: quaternion x, y, z, w; rad/s; m/s^2 (gravity included)."""

    orientation: np.ndarray  # (..., 4)
    angular_velocity: np.ndarray  # (..., 3)
    linear_acceleration: np.ndarray  # (..., 3)


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


@dataclass(frozen=True)
class NativeCommand:
    """A checked command in vendor units for the mapped joints (one entry per profile joint).

    `enabled` marks the joints that receive a motor command at all; disabled slots are sent
    with mode 0 (Unitree) or zero gains, as the vendor codec defines.
    """

    position: np.ndarray  # (k,)
    velocity: np.ndarray  # (k,)
    effort: np.ndarray  # (k,)
    stiffness: np.ndarray  # (k,)
    damping: np.ndarray  # (k,)
    enabled: np.ndarray  # (k,) bool
