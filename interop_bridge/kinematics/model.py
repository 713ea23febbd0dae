"""A robot's kinematic tree, read by Pinocchio from a URDF or an MJCF file (meshes never read).

    model = load_model('g1_29dof.urdf')
    q = model.configuration({'left_elbow_joint': 0.3})
    model.joint_position(q, 'left_elbow_joint')      # metres, in the base frame

Why Pinocchio: it is the rigid-body library of the humanoid field (TALOS, HPP, crocoddyl,
many whole-body controllers), maintained, on PyPI for every platform we run, it reads URDF
and MJCF into one model, ignores geometry unless asked (a description without its meshes
loads), and its forward kinematics is C++ (microseconds per call), which the bridge needs
for task-space state.

Everything is expressed in the base frame: the frame of the model's root body (the URDF root
link; for an MJCF with a free joint, the body that joint moves), which is the pelvis frame of
the canonical interface when the description's root is the pelvis.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pinocchio as pin

from interop_bridge.errors import KinematicsError

READERS = {'.urdf': 'urdf', '.xml': 'mjcf', '.mjcf': 'mjcf'}
FRAME_KINDS = (pin.FrameType.BODY, pin.FrameType.OP_FRAME, pin.FrameType.FIXED_JOINT,
               pin.FrameType.JOINT, pin.FrameType.SENSOR)
ONE_DOF_NQ = {1, 2}  # revolute/prismatic: 1; continuous (unbounded revolute): cos, sin


@dataclass(frozen=True)
class ModelJoint:
    """One actuated joint of the model."""

    name: str
    joint_id: int
    q_index: int
    continuous: bool
    lower: float
    upper: float
    effort: float     # N m (0: not declared)
    velocity: float   # rad/s (0: not declared)


class KinematicModel:
    """A loaded model and the joint/frame queries the checks and task space need."""

    def __init__(self, model: Any, source: Path) -> None:
        self.model, self.source = model, source
        self.data = model.createData()
        self.joints = {model.names[jid]: _model_joint(model, jid)
                       for jid in range(1, model.njoints) if model.joints[jid].nq in ONE_DOF_NQ
                       and model.joints[jid].nv == 1}
        self._base = 1 if model.njoints > 1 and model.joints[1].nq == 7 else 0
        self._base_frame: int | None = None

    @property
    def root_joint(self) -> int:
        """The joint id the root body hangs from (0: fixed base; 1: a free joint)."""
        return self._base

    def set_base(self, link: str) -> None:
        """Express everything in the frame of `link` (the canonical pelvis) instead of the
        model's root body."""
        if not self.has_frame(link):
            msg = f'{self.source}: no link {link!r} for the base frame'
            raise KinematicsError(msg)
        self._base_frame = self.frame_id(link)

    def add_frame(self, name: str, link: str, xyz: tuple[float, float, float]) -> None:
        """A frame `name` fixed to `link`, at `xyz` [m] in the link's frame, same orientation."""
        if not self.has_frame(link):
            msg = f'{self.source}: no link or frame {link!r} for frame {name!r}'
            raise KinematicsError(msg)
        if self.has_frame(name):
            msg = f'{self.source}: a frame named {name!r} exists already'
            raise KinematicsError(msg)
        parent_id = self.frame_id(link)
        parent = self.model.frames[parent_id]
        offset = pin.SE3(np.eye(3), np.asarray(xyz, dtype=float))
        self.model.addFrame(pin.Frame(name, parent.parentJoint, parent_id,
                                      parent.placement * offset, pin.FrameType.OP_FRAME))
        self.data = self.model.createData()

    def joint(self, name: str) -> ModelJoint:
        """The actuated joint `name`; KinematicsError naming the model when it has none."""
        try:
            return self.joints[name]
        except KeyError:
            msg = f'{self.source}: no joint {name!r}'
            raise KinematicsError(msg) from None

    def has_frame(self, name: str) -> bool:
        """Whether the model has a link or frame of this name."""
        return bool(self.model.existFrame(name))

    def configuration(self, angles: Mapping[str, float]) -> np.ndarray:
        """The model's configuration vector: the named joints at `angles`, the rest at zero."""
        q = np.array(pin.neutral(self.model), dtype=float)
        for name, angle in angles.items():
            joint = self.joint(name)
            if joint.continuous:
                q[joint.q_index:joint.q_index + 2] = (np.cos(angle), np.sin(angle))
            else:
                q[joint.q_index] = angle
        return q

    def _placements(self, q: np.ndarray) -> None:
        pin.forwardKinematics(self.model, self.data, q)
        pin.updateFramePlacements(self.model, self.data)

    @property
    def base_frame_id(self) -> int | None:
        """The frame of the base link set by set_base (None: the root body)."""
        return self._base_frame

    @property
    def base_link(self) -> str:
        """Name of the link everything is expressed in."""
        if self._base_frame is not None:
            return str(self.model.frames[self._base_frame].name)
        for frame in self.model.frames:
            if frame.type == pin.FrameType.BODY and int(frame.parentJoint) == self._base:
                return str(frame.name)
        return str(self.model.frames[0].name)

    def base_placement(self) -> Any:
        """The base frame's placement after the last forward-kinematics pass."""
        return (self.data.oMi[self._base] if self._base_frame is None
                else self.data.oMf[self._base_frame])

    def _in_base(self, placement: Any) -> Any:
        base = (self.data.oMi[self._base] if self._base_frame is None
                else self.data.oMf[self._base_frame])
        return base.actInv(placement)

    def frame_poses(self, q: np.ndarray, names: tuple[str, ...]
                    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """(rotation 3x3, position) of each link or frame in the base frame at `q`, from one
        forward-kinematics pass."""
        ids = [self.frame_id(name) for name in names]
        self._placements(q)
        poses = []
        for frame_id in ids:
            placement = self._in_base(self.data.oMf[frame_id])
            poses.append((np.array(placement.rotation), np.array(placement.translation)))
        return poses

    def frame_id(self, name: str) -> int:
        """The frame of link `name` (a body first: an MJCF body and its joint share a name)."""
        for kind in FRAME_KINDS:
            frame_id = int(self.model.getFrameId(name, kind))
            if frame_id < self.model.nframes:
                return frame_id
        msg = f'{self.source}: no link or frame {name!r}'
        raise KinematicsError(msg)

    def joint_pose(self, q: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(rotation 3x3, position) of joint `name`'s frame in the base frame at `q`."""
        joint = self.joint(name)
        self._placements(q)
        placement = self._in_base(self.data.oMi[joint.joint_id])
        return np.array(placement.rotation), np.array(placement.translation)

    def joint_position(self, q: np.ndarray, name: str) -> np.ndarray:
        """Position of joint `name` in the base frame at `q` [m]."""
        return self.joint_pose(q, name)[1]

    def frame_position(self, q: np.ndarray, name: str) -> np.ndarray:
        """Position of link or frame `name` in the base frame at `q` [m]."""
        return self.frame_poses(q, (name,))[0][1]

    def ancestors(self, name: str) -> tuple[str, ...]:
        """Actuated joints from the root to joint or frame `name`, nearest last."""
        jid = (self.joint(name).joint_id if name in self.joints
               else self.model.frames[self.frame_id(name)].parentJoint)
        chain = []
        while jid > 0:
            if self.model.names[jid] in self.joints:
                chain.append(self.model.names[jid])
            jid = self.model.parents[jid]
        return tuple(reversed(chain))

    def path_joints(self, start: str, end: str) -> tuple[str, ...]:
        """Actuated joints on the tree path from link/joint `start` to `end`, in that order
        (up from `start` toward the root first, then down to `end`)."""
        to_start, to_end = self.ancestors(start), self.ancestors(end)
        up = [name for name in reversed(to_start) if name not in to_end]
        down = [name for name in to_end if name not in to_start]
        return tuple(up + down)

    def _below_base(self, joint: ModelJoint) -> bool:
        """Whether `joint` lies between the model's root and the base link, so that moving
        it turns the root side of the tree as seen from the base (T1: the waist joint under
        a trunk root turns the trunk about the pelvis)."""
        if self._base_frame is None:
            return False
        jid = int(self.model.frames[self._base_frame].parentJoint)
        while jid > 0:
            if jid == joint.joint_id:
                return True
            jid = int(self.model.parents[jid])
        return False

    def _moving_rotation(self, q: np.ndarray, joint: ModelJoint) -> np.ndarray:
        """Rotation, in the base frame, of the body that `joint` moves relative to the base."""
        self._placements(q)
        body = self._base if self._below_base(joint) else joint.joint_id
        return np.array(self._in_base(self.data.oMi[body]).rotation)

    def rotation_axis(self, q: np.ndarray, name: str, step: float = 1e-4) -> np.ndarray:
        """Measured unit axis, in the base frame, of the rotation a positive step of joint
        `name` gives the body it moves relative to the base at `q` (by moving it, not by
        reading the file's axis)."""
        joint = self.joint(name)
        before = self._moving_rotation(q, joint)
        moved = q.copy()
        if joint.continuous:
            angle = np.arctan2(q[joint.q_index + 1], q[joint.q_index]) + step
            moved[joint.q_index:joint.q_index + 2] = (np.cos(angle), np.sin(angle))
        else:
            moved[joint.q_index] += step
        after = self._moving_rotation(moved, joint)
        rotation = np.array(pin.log3(after @ before.T)) / step
        norm = float(np.linalg.norm(rotation))
        if norm < 0.5:
            msg = f'{self.source}: joint {name!r} does not rotate its body (prismatic?)'
            raise KinematicsError(msg)
        return rotation / norm


def _model_joint(model: Any, jid: int) -> ModelJoint:
    index = int(model.joints[jid].idx_q)
    continuous = model.joints[jid].nq == 2
    lower = -np.inf if continuous else float(model.lowerPositionLimit[index])
    upper = np.inf if continuous else float(model.upperPositionLimit[index])
    v_index = int(model.joints[jid].idx_v)
    return ModelJoint(model.names[jid], jid, index, continuous, lower, upper,
                      _declared(model.effortLimit[v_index]),
                      _declared(model.velocityLimit[v_index]))


def _declared(limit: float) -> float:
    """A URDF effort/velocity limit, 0 when the file left it out (Pinocchio reads infinity or
    its numeric maximum)."""
    value = float(limit)
    return value if math.isfinite(value) and value < 1e30 else 0.0


def load_model(path: str | Path) -> KinematicModel:
    """The kinematic model in `path` (.urdf, or .xml/.mjcf for MJCF); KinematicsError if the
    file is missing, of an unknown kind, or not a model Pinocchio can read."""
    path = Path(path)
    kind = READERS.get(path.suffix.lower())
    if kind is None:
        msg = f'{path}: unknown model file kind {path.suffix!r}, expected one of {sorted(READERS)}'
        raise KinematicsError(msg)
    if not path.is_file():
        msg = f'{path}: no such model file'
        raise KinematicsError(msg)
    try:
        model = (pin.buildModelFromUrdf(str(path)) if kind == 'urdf'
                 else pin.buildModelFromMJCF(str(path)))
    except (RuntimeError, ValueError) as err:
        msg = f'{path}: not a readable {kind.upper()} model ({err})'
        raise KinematicsError(msg) from err
    if not any(model.joints[jid].nq in ONE_DOF_NQ for jid in range(1, model.njoints)):
        msg = f'{path}: the model has no actuated joint'
        raise KinematicsError(msg)
    return KinematicModel(model, path)
