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

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pinocchio as pin

from interop_bridge.errors import KinematicsError

READERS = {'.urdf': 'urdf', '.xml': 'mjcf', '.mjcf': 'mjcf'}
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


class KinematicModel:
    """A loaded model and the joint/frame queries the checks and task space need."""

    def __init__(self, model: Any, source: Path) -> None:
        self.model, self.source = model, source
        self.data = model.createData()
        self.joints = {model.names[jid]: _model_joint(model, jid)
                       for jid in range(1, model.njoints) if model.joints[jid].nq in ONE_DOF_NQ
                       and model.joints[jid].nv == 1}
        self._base = 1 if model.njoints > 1 and model.joints[1].nq == 7 else 0

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

    def _in_base(self, placement: Any) -> Any:
        return self.data.oMi[self._base].actInv(placement)

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
        if not self.has_frame(name):
            msg = f'{self.source}: no link or frame {name!r}'
            raise KinematicsError(msg)
        self._placements(q)
        placement = self._in_base(self.data.oMf[self.model.getFrameId(name)])
        return np.array(placement.translation)

    def ancestors(self, name: str) -> tuple[str, ...]:
        """Actuated joints from the root to joint or frame `name`, nearest last."""
        jid = (self.joint(name).joint_id if name in self.joints
               else self.model.frames[self.model.getFrameId(name)].parentJoint)
        chain = []
        while jid > 0:
            if self.model.names[jid] in self.joints:
                chain.append(self.model.names[jid])
            jid = self.model.parents[jid]
        return tuple(reversed(chain))

    def rotation_axis(self, q: np.ndarray, name: str, step: float = 1e-4) -> np.ndarray:
        """Measured unit axis, in the base frame, of the rotation a positive step of joint
        `name` gives its body at `q` (by moving it, not by reading the file's axis)."""
        joint = self.joint(name)
        before, _ = self.joint_pose(q, name)
        moved = q.copy()
        if joint.continuous:
            angle = np.arctan2(q[joint.q_index + 1], q[joint.q_index]) + step
            moved[joint.q_index:joint.q_index + 2] = (np.cos(angle), np.sin(angle))
        else:
            moved[joint.q_index] += step
        after, _ = self.joint_pose(moved, name)
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
    return ModelJoint(model.names[jid], jid, index, continuous, lower, upper)


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
