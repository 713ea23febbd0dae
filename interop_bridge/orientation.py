"""Vendor orientation conventions -> ROS quaternions (x, y, z, w), vectorized."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from interop_bridge.errors import MappingError

AXIS_ANGLE = {'x': 0, 'y': 1, 'z': 2}  # rpy columns: roll about x, pitch about y, yaw about z


def quaternion_wxyz_to_xyzw(quaternion: np.ndarray) -> np.ndarray:
    """Reorder w, x, y, z (Unitree, MuJoCo) to x, y, z, w (ROS)."""
    quaternion = np.asarray(quaternion, dtype=np.float64)
    return quaternion[..., [1, 2, 3, 0]]


def rpy_to_quaternion(rpy: np.ndarray, euler_order: str) -> np.ndarray:
    """Roll, pitch, yaw (about x, y, z) composed in `euler_order` -> quaternion x, y, z, w.

    `euler_order` follows scipy: upper case is intrinsic ('ZYX': yaw, then pitch about the new
    y, then roll about the newest x: the usual aerospace yaw-pitch-roll), lower case extrinsic.
    """
    rpy = np.asarray(rpy, dtype=np.float64)
    if rpy.shape[-1] != 3:
        msg = f'roll/pitch/yaw needs 3 values per sample, got shape {rpy.shape}'
        raise MappingError(msg)
    columns = [AXIS_ANGLE[axis] for axis in euler_order.lower()]
    angles = rpy[..., columns]
    from scipy.spatial.transform import Rotation  # here: only the rpy convention needs scipy

    # scipy has no type information here: as_quat() is an (n, 4) float64 array.
    flat: NDArray[np.float64] = Rotation.from_euler(euler_order, angles.reshape(-1, 3)).as_quat()
    return flat.reshape(*rpy.shape[:-1], 4)


def orientation_to_xyzw(values: np.ndarray, convention: str, euler_order: str) -> np.ndarray:
    """Any supported vendor orientation convention -> quaternion x, y, z, w."""
    if convention == 'quaternion_wxyz':
        return quaternion_wxyz_to_xyzw(values)
    if convention == 'quaternion_xyzw':
        return np.asarray(values, dtype=np.float64)
    if convention == 'rpy':
        return rpy_to_quaternion(values, euler_order)
    msg = f'orientation convention {convention!r} has no quaternion'
    raise MappingError(msg)
