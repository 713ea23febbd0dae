"""Running a bridge core of a mutated profile: state and commands inside its limits, and
what in a sent vendor command is unsafe (non-finite, or outside the limits the profile gives).

Shared by test/reliability/test_mutated_profiles.py and test/ros/test_profile_fuzz_bridge.py.
The limits are computed here from the profile's own numbers (sign, scale, offset, native
limits), not taken from the bridge's safety code.
"""

from __future__ import annotations

import numpy as np
import vendor_messages as vm

from interop_bridge.bridge_core import BridgeCore
from interop_bridge.canonical import load_canonical
from interop_bridge.mapping import MISSING_SLOT
from interop_bridge.profile import JointProfile, Profile

SPEC = load_canonical()
N = SPEC.joint_count
FIELDS = ('position', 'velocity', 'effort', 'stiffness', 'damping')


def native_state(profile: Profile) -> bytes:
    """Vendor state with every joint at the middle of its native limits."""
    values = {joint.source: sum(joint.position) / 2 for joint in profile.joints}
    values.update({gripper.source: (gripper.open + gripper.closed) / 2
                   for gripper in profile.grippers})
    if profile.adapter == 'ros2_control':
        names = [str(entry.source) for entry in (*profile.joints, *profile.extra,
                                                 *profile.grippers)]
        return vm.joint_state(names, np.array([values.get(name, 0.0) for name in names]))
    slots = int(profile.options['motor_slots' if profile.adapter != 'booster' else
                                'motor_count'])
    q = np.zeros(slots, dtype=np.float32)
    for source, value in values.items():
        q[int(source)] = value
    if profile.adapter == 'booster':
        return vm.booster_lowstate(q)
    return vm.unitree_lowstate(profile.adapter[-2:], q)


def canonical_limits(joint: JointProfile) -> tuple[float, float]:
    """The joint's native limits mapped to canonical values (computed here, not by the code)."""
    low, high = (joint.sign * joint.scale * limit + joint.offset for limit in joint.position)
    return min(low, high), max(low, high)


def inside_targets(profile: Profile) -> tuple[np.ndarray, np.ndarray]:
    """Every joint of the robot commanded to the middle of its canonical limits."""
    commanded, position = np.zeros(N, dtype=bool), np.zeros(N)
    for joint in profile.joints:
        commanded[joint.index] = True
        position[joint.index] = sum(canonical_limits(joint)) / 2
    return commanded, position


def unsafe_values(core: BridgeCore, payload: bytes) -> list[str]:
    """What in a sent vendor command is non-finite or outside the profile's limits."""
    native = core.codec.vendor.decode_commands([payload])
    wire = {name: np.asarray(getattr(native, name), dtype=np.float64)[0] for name in FIELDS}
    fixed_wire = core.profile.adapter != 'ros2_control'  # ros2_control: NaN = not carried
    found = [f'{name}: non-finite on the wire' for name, values in wire.items()
             if fixed_wire and not np.isfinite(values).all()]
    joint_slots, _, _ = core.mapper.slots(native.names)
    for joint, slot in zip(core.profile.joints, joint_slots):
        if slot == MISSING_SLOT:
            continue
        scale = abs(joint.scale)
        bounds = {'position': (min(joint.position), max(joint.position)),
                  'velocity': (-joint.velocity, joint.velocity),
                  'effort': (-joint.effort, joint.effort),
                  'stiffness': (0.0, joint.stiffness_max * scale),
                  'damping': (0.0, joint.damping_max * scale)}
        for name, (low, high) in bounds.items():
            value = wire[name][slot]
            tolerance = 1e-6 * (1.0 + max(abs(low), abs(high)))
            if np.isnan(value) and not fixed_wire:
                continue
            if not low - tolerance <= value <= high + tolerance:
                found.append(f'{joint.canonical}.{name} = {value!r} outside [{low}, {high}]')
    return found
