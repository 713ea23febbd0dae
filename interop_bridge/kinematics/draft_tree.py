"""The limbs of a kinematic tree, found from its geometry at the model's zero pose.

Used by `draft_body`: feet are the two lowest tips (left at +y), the pelvis is the body where
their chains meet, hands are the upper tips with the longest chains from the pelvis on each
side, the head is the highest tip left over; the waist is what both arms' paths share.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pinocchio as pin

from interop_bridge.errors import KinematicsError
from interop_bridge.kinematics.model import KinematicModel

TIP_KINDS = (pin.FrameType.BODY, pin.FrameType.OP_FRAME)
MIN_TIP_M = 0.001
SIDE_M = 0.02
HEAD_SIDE_M = 0.06


@dataclass
class Tip:
    """The far end of one branch: the frame farthest from its last actuated joint."""

    joint: str
    frame: str      # '' when no frame lies beyond the joint
    position: np.ndarray


@dataclass
class Limbs:
    """Actuated joints per limb, ordered from the pelvis outward."""

    base: str
    legs: dict[str, tuple[str, ...]]
    arms: dict[str, tuple[str, ...]]
    waist: tuple[str, ...]
    head: tuple[str, ...]
    frames: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def tip_point(model: KinematicModel, q: np.ndarray, name: str) -> np.ndarray:
    """Position of a joint or frame in the base frame."""
    return model.joint_position(q, name) if name in model.joints else \
        model.frame_position(q, name)


def _tips(model: KinematicModel) -> list[Tip]:
    raw = model.model
    q = model.configuration({})
    parents = {int(raw.parents[jid]) for jid in range(1, raw.njoints)}
    leaves = [name for name, joint in model.joints.items() if joint.joint_id not in parents]
    tips = []
    for name in leaves:
        origin = model.joint_position(q, name)
        best, where = '', origin
        for frame in raw.frames:
            if int(frame.parentJoint) != model.joints[name].joint_id or \
                    frame.type not in TIP_KINDS:
                continue
            position = model.frame_position(q, frame.name)
            reach = float(np.linalg.norm(position - origin))
            if reach > max(MIN_TIP_M, float(np.linalg.norm(where - origin))):
                best, where = frame.name, position
        tips.append(Tip(name, best, where))
    return tips


def _root_body(model: KinematicModel, below: int) -> str:
    for frame in model.model.frames:
        if frame.type == pin.FrameType.BODY and int(frame.parentJoint) == below:
            return str(frame.name)
    msg = f'{model.source}: no body below joint {below}'
    raise KinematicsError(msg)


def _end(tip: Tip) -> str:
    return tip.frame or tip.joint


def find_limbs(model: KinematicModel) -> Limbs:
    """The limbs of `model` (KinematicsError when it has no two feet)."""
    tips = _tips(model)
    if len(tips) < 2:
        msg = f'{model.source}: fewer than two branch tips; not a humanoid with two legs'
        raise KinematicsError(msg)
    feet = sorted(tips, key=lambda tip: float(tip.position[2]))[:2]
    feet.sort(key=lambda tip: -float(tip.position[1]))
    shared = [name for name in model.ancestors(feet[0].joint)
              if name in model.ancestors(feet[1].joint)]
    base = (_root_body(model, model.joints[shared[-1]].joint_id) if shared
            else _root_body(model, model.root_joint))
    model.set_base(base)
    q = model.configuration({})
    for tip in tips:
        tip.position = tip_point(model, q, _end(tip))
    limbs = Limbs(base, {side: model.path_joints(base, _end(tip))
                         for side, tip in zip(('left', 'right'), feet, strict=True)},
                  {}, (), ())
    limbs.frames.update({'l_sole': _end(feet[0]), 'r_sole': _end(feet[1])})
    upper = [tip for tip in tips if tip not in feet]  # TALOS's hands hang below the pelvis
    for side, sign in (('left', 1.0), ('right', -1.0)):
        candidates = [tip for tip in upper if sign * float(tip.position[1]) > SIDE_M]
        if not candidates:
            limbs.arms[side] = ()
            limbs.notes.append(f'no {side} arm found')
            continue
        hand = max(candidates, key=lambda tip: (
            len(model.path_joints(base, _end(tip))), abs(float(tip.position[1]))))
        limbs.arms[side] = model.path_joints(base, _end(hand))
        limbs.frames[f'{side[0]}_wrist'] = _end(hand)
        upper.remove(hand)
    left, right = limbs.arms['left'], limbs.arms['right']
    limbs.waist = tuple(name for name in left if name in right)
    limbs.arms = {side: tuple(name for name in arm if name not in limbs.waist)
                  for side, arm in limbs.arms.items()}
    _find_head(model, limbs, upper)
    return limbs


def _find_head(model: KinematicModel, limbs: Limbs, upper: list[Tip]) -> None:
    central = [tip for tip in upper if abs(float(tip.position[1])) < HEAD_SIDE_M]
    if not central:
        return
    head = max(central, key=lambda tip: float(tip.position[2]))
    limbs.head = tuple(name for name in model.path_joints(limbs.base, _end(head))
                       if name not in limbs.waist)
    limbs.frames['gaze'] = _end(head)
