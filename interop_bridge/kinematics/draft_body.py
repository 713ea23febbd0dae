"""A profile's joint mapping guessed from the robot's kinematic model alone.

    draft = draft_mapping(load_model('robot.urdf'))
    for joint in draft.joints: print(joint.canonical, joint.native_name, joint.sign, joint.offset)

Limbs come from the tree's geometry at the model's zero pose: the two lowest tips are the feet
(left is +y), the pelvis is the body where their chains meet, the two upper tips with the
longest chains are the hands, the highest remaining tip is the head; the waist is what both
arms' paths from the pelvis share. The reference pose is then found by turning joints: the
shoulder joint that makes the upper arm hang down, the elbow that makes the forearm point
forward. At that pose each joint's measured axis names it inside its limb (pitch y, roll x,
yaw z; the first y-joint after the hips is the knee ...), its direction gives the sign and its
angle the offset. Everything the geometry cannot settle is a `review` note on the joint.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from interop_bridge.canonical import CanonicalSpec, load_canonical
from interop_bridge.kinematics.draft_tree import Limbs, find_limbs, tip_point
from interop_bridge.kinematics.geometry import angle_deg, rotate, turn_about
from interop_bridge.kinematics.model import KinematicModel

AXIS_NAMES = ('x', 'y', 'z')
AXIS_WARN_DEG = 35.0
ALIGN_TOLERANCE_DEG = 20.0
TIE_DEG = 5.0
SNAP_DEG = 6.0
LEG_ORDER = (('hip', 3), ('knee', 1), ('ankle', 2))
BY_AXIS = {'hip': {'y': 'hip_pitch', 'x': 'hip_roll', 'z': 'hip_yaw'},
           'knee': {'y': 'knee'}, 'ankle': {'y': 'ankle_pitch', 'x': 'ankle_roll'},
           'waist': {'z': 'waist_yaw', 'x': 'waist_roll', 'y': 'waist_pitch'},
           'head': {'z': 'head_yaw', 'y': 'head_pitch', 'x': 'head_roll'},
           'shoulder': {'y': 'shoulder_pitch', 'x': 'shoulder_roll', 'z': 'shoulder_yaw'},
           'elbow': {'y': 'elbow'},
           'wrist': {'x': 'wrist_roll', 'y': 'wrist_pitch', 'z': 'wrist_yaw'}}


@dataclass
class DraftJoint:
    """One model joint's proposed mapping (canonical None: an extra)."""

    native_name: str
    canonical: str | None
    sign: int = 1
    offset: float = 0.0
    axis_error_deg: float = 0.0
    review: list[str] = field(default_factory=list)


@dataclass
class DraftMapping:
    """The model's joints, mapped or extra, and the frames found on the way."""

    base: str
    joints: list[DraftJoint]
    frames: dict[str, str]      # canonical frame -> model frame (tips)
    notes: list[str]


def draft_mapping(model: KinematicModel, spec: CanonicalSpec | None = None) -> DraftMapping:
    """Propose a canonical joint for every actuated joint of `model` (see the module doc)."""
    spec = spec or load_canonical()
    limbs = find_limbs(model)
    model.set_base(limbs.base)
    angles = {name: 0.0 for name in model.joints}
    notes = list(limbs.notes)
    for side in ('left', 'right'):
        notes += _reach_reference_arm(model, limbs, side, angles)
    q = model.configuration(angles)
    drafted = {}
    for group, side, chain in _groups(limbs):
        for joint in _name_group(model, q, group, side, chain, angles, spec):
            drafted[joint.native_name] = joint
    _resolve_duplicates(drafted)
    joints = [drafted.get(name) or DraftJoint(name, None, review=['not in any limb'])
              for name in model.joints]
    return DraftMapping(limbs.base, joints, dict(limbs.frames), notes)


def _groups(limbs: Limbs) -> list[tuple[str, str, tuple[str, ...]]]:
    groups: list[tuple[str, str, tuple[str, ...]]] = [('waist', '', limbs.waist),
                                                      ('head', '', limbs.head)]
    for side in ('left', 'right'):
        leg = limbs.legs[side]
        start = 0
        for part, size in LEG_ORDER:
            groups.append((part, side, leg[start:start + size]))
            start += size
        if leg[start:]:
            groups.append(('extra', side, leg[start:]))
        arm = limbs.arms[side]
        groups += [('shoulder', side, arm[:3]), ('elbow', side, arm[3:4]),
                   ('wrist', side, arm[4:7])]
        if arm[7:]:
            groups.append(('extra', side, arm[7:]))
    return groups


def _dominant(axis: np.ndarray) -> tuple[str, int, float]:
    """(axis name, sign, angle to that axis in degrees) of a unit vector."""
    index = int(np.argmax(np.abs(axis)))
    sign = 1 if axis[index] > 0 else -1
    return AXIS_NAMES[index], sign, math.degrees(math.acos(min(1.0, abs(float(axis[index])))))


def _name_group(model: KinematicModel, q: np.ndarray, group: str, side: str,
                chain: tuple[str, ...], angles: dict[str, float],
                spec: CanonicalSpec) -> list[DraftJoint]:
    joints = []
    for name in chain:
        axis_name, sign, error = _dominant(model.rotation_axis(q, name))
        part = BY_AXIS.get(group, {}).get(axis_name)
        if group == 'extra':
            joints.append(DraftJoint(name, None, review=[
                'beyond the limb\'s canonical joints (a hand or gripper?); kept as an extra']))
            continue
        if part is None:
            joints.append(DraftJoint(name, None, review=[
                f'a {group} joint about {axis_name} at the reference pose: no canonical '
                f'{group} joint turns about {axis_name}; kept as an extra']))
            continue
        canonical = f'{side}_{part}' if side else part
        offset, note = _offset(sign, angles[name])
        joint = DraftJoint(name, canonical, sign, offset, error, [note] if note else [])
        if error > AXIS_WARN_DEG:
            joint.review.append(f'axis {error:.0f} deg from {axis_name}')
        if spec.joint_index(canonical) < 0:
            joint.canonical = None
            joint.review.append(f'{canonical} is not a canonical joint')
        joints.append(joint)
    return joints


def _offset(sign: int, reference_angle: float) -> tuple[float, str]:
    """The offset that makes canonical = sign * model angle + offset 0 at the reference pose,
    snapped to a multiple of pi/4 when within SNAP_DEG (limb links are seldom exactly
    straight), with a note giving the measured value."""
    measured = 0.0 if abs(reference_angle) < 1e-9 else -sign * reference_angle
    snapped = round(measured / (math.pi / 4)) * (math.pi / 4)
    if abs(math.degrees(measured - snapped)) <= SNAP_DEG:
        note = '' if abs(measured - snapped) < 1e-6 else (
            f'offset measured {measured:.4f}, rounded to {snapped:.7f}')
        return round(snapped, 7), note
    return round(measured, 7), f'offset {measured:.4f} measured at the reference pose'


def _resolve_duplicates(drafted: dict[str, DraftJoint]) -> None:
    """Two joints named alike: the better aligned one keeps the name (the distal one on a
    tie, e.g. TALOS's shoulder pan and upper-arm twist, both vertical with the arm down)."""
    by_canonical: dict[str, list[DraftJoint]] = {}
    for joint in drafted.values():
        if joint.canonical:
            by_canonical.setdefault(joint.canonical, []).append(joint)
    for canonical, rivals in by_canonical.items():
        if len(rivals) < 2:
            continue
        best = min(joint.axis_error_deg for joint in rivals)
        keep = [joint for joint in rivals if joint.axis_error_deg <= best + TIE_DEG][-1]
        for joint in rivals:
            if joint is not keep:
                joint.review.append(f'turns like {canonical} ({keep.native_name} is mapped to '
                                    'it); kept as an extra')
                joint.canonical = None


def _turn_to(model: KinematicModel, q: np.ndarray, joints: tuple[str, ...], start: str,
             end: str, target: np.ndarray) -> tuple[str, float] | None:
    """The joint of `joints` whose rotation best turns segment start->end onto `target`, with
    the turn [rad]; None when none gets within ALIGN_TOLERANCE_DEG."""
    begin, finish = model.joint_position(q, start), tip_point(model, q, end)
    vector = finish - begin
    if float(np.linalg.norm(vector)) < 0.02:
        return None
    vector = vector / np.linalg.norm(vector)
    best: tuple[float, str, float] | None = None
    for name in joints:
        axis = model.rotation_axis(q, name)
        turn = turn_about(axis, vector, target)
        residual = angle_deg(rotate(vector, axis, turn), target)
        if residual <= ALIGN_TOLERANCE_DEG and (best is None or residual < best[0] - 1.0):
            best = (residual, name, turn)
    return None if best is None else (best[1], best[2])


def _reach_reference_arm(model: KinematicModel, limbs: Limbs, side: str,
                         angles: dict[str, float]) -> list[str]:
    """Turn the shoulder and elbow so the upper arm hangs and the forearm points forward."""
    arm = limbs.arms[side]
    if len(arm) < 4:
        return [f'{side} arm: {len(arm)} joints, no elbow found; its offsets are not measured']
    notes = []
    forearm_end = arm[4] if len(arm) > 4 else limbs.frames.get(f'{side[0]}_wrist', '')
    for joints, start, end, target, what in (
            # the upper arm starts at the middle shoulder joint (the roll of y-x-z and z-x-z
            # shoulders), as the canonical segment does
            (arm[:3], arm[1], arm[3], np.array([0.0, 0.0, -1.0]), 'upper arm down'),
            (arm[2:4], arm[3], forearm_end, np.array([1.0, 0.0, 0.0]), 'forearm forward')):
        q = model.configuration(angles)
        if not end:
            notes.append(f'{side} arm: no forearm end (wrist joint or hand link); '
                         f'{what} not measured')
            continue
        if angle_deg(_direction(model, q, start, end), target) <= ALIGN_TOLERANCE_DEG:
            continue
        found = _turn_to(model, q, joints, start, end, target)
        if found is None:
            notes.append(f'{side} arm: no single joint puts the {what}; offsets not measured')
            continue
        angles[found[0]] += found[1]
    return notes


def _direction(model: KinematicModel, q: np.ndarray, start: str, end: str) -> np.ndarray:
    vector = tip_point(model, q, end) - model.joint_position(q, start)
    norm = float(np.linalg.norm(vector))
    return np.asarray(vector / norm if norm > 0 else vector, dtype=float)
