"""Vendor commands -> canonical commands: what a recorded vendor command asked of each joint.

The inverse of the conversion in interop_bridge.command_safety, used by the exporter on
recorded vendor commands (decoded by the same codec the bridge encodes with) and by the tests
that send a canonical command through the bridge and back. A canonical joint counts as
commanded when its vendor slot is enabled, its position target is finite, and (where the wire
carries gains) its stiffness is above zero: a joint sent with kp = 0 is damped, not driven to
the target.
"""

from __future__ import annotations

import numpy as np

from interop_bridge.command_safety import CanonicalCommand
from interop_bridge.mapping import (
    JointMap, efforts_to_canonical, gains_to_canonical, positions_to_canonical,
    scatter_joints, take_slots, velocities_to_canonical)
from interop_bridge.vendors.native import NativeCommand


def command_to_canonical(joint_map: JointMap, native: NativeCommand,
                         joint_slots: np.ndarray) -> CanonicalCommand:
    """A decoded vendor command (..., wire slots) -> CanonicalCommand (..., joints).

    Args:
        joint_map: the profile's joint map.
        native: commands over the wire's slots (a codec's decode_commands).
        joint_slots: the wire slot of each mapped joint (MISSING_SLOT where the wire lacks it).
    """
    def pick(values: np.ndarray) -> np.ndarray:
        return take_slots(values, joint_slots)
    enabled = pick(native.enabled.astype(np.float64)) == 1.0
    position = positions_to_canonical(joint_map, pick(native.position))
    stiffness, damping = gains_to_canonical(joint_map, pick(native.stiffness),
                                            pick(native.damping))
    driven = enabled & np.isfinite(position) & ~(stiffness <= 0.0)
    return CanonicalCommand(
        commanded=scatter_joints(joint_map, driven, fill=False),
        position=scatter_joints(joint_map, np.where(driven, position, np.nan)),
        velocity=scatter_joints(joint_map, np.where(
            enabled, velocities_to_canonical(joint_map, pick(native.velocity)), np.nan)),
        effort=scatter_joints(joint_map, np.where(
            enabled, efforts_to_canonical(joint_map, pick(native.effort)), np.nan)),
        stiffness=scatter_joints(joint_map, np.where(enabled, stiffness, np.nan)),
        damping=scatter_joints(joint_map, np.where(enabled, damping, np.nan)))
