"""Task-space state: the pose of the canonical task frames from the robot's own kinematics.

    task = task_space_for(profile, spec)        # None when the profile attaches no model
    pose, valid = task.poses(position, joint_valid)          # (frames, 7), (frames,)
    pose, valid = task.batch(positions, joint_valids)        # (n, frames, 7), (n, frames)

A pose is [x, y, z, qx, qy, qz, qw] of the frame in the pelvis frame (the profile's
kinematics.base), position in metres, the quaternion with w >= 0. Orientations are comparable
across robots: each frame's axes are those of the pelvis frame at the canonical reference pose
(the vendor link's own axes differ from robot to robot), so at R every orientation is the
identity and a pose's quaternion is how far that hand, foot or head has turned from R. The model
angle of a joint is `sign * (canonical - offset)`, the inverse of the profile's mapping. A frame
is valid only where every actuated joint on its chain from the pelvis is a canonical joint valid
in that sample; elsewhere its pose is NaN. Joints without a canonical equivalent (TALOS's
shoulder pan) have no canonical value, so frames beyond them are never valid: no pose is
guessed. The bridge (live) and the exporter (on the dataset grid) both call this, on their own
joint values.
"""

from __future__ import annotations

import numpy as np
import pinocchio as pin

from interop_bridge.canonical import CanonicalSpec
from interop_bridge.kinematics.model import KinematicModel, load_model
from interop_bridge.kinematics.profile_check import attach_frames
from interop_bridge.profile_model import Profile

POSE_WIDTH = 7


class TaskSpace:
    """Forward kinematics of one profile's model onto the canonical task frames."""

    def __init__(self, profile: Profile, spec: CanonicalSpec, model: KinematicModel) -> None:
        self.frames = spec.task_frames
        self.model = model
        if profile.kinematics.base:
            model.set_base(profile.kinematics.base)
        attached = attach_frames(model, profile.kinematics.frames)
        self._frame_ids = [model.frame_id(attached[name]) if name in attached else -1
                           for name in self.frames]
        index = {joint.name: joint.index for joint in spec.joints}
        mapped = [joint for joint in profile.joints if joint.native_name in model.joints]
        revolute = [joint for joint in mapped if not model.joints[joint.native_name].continuous]
        self._continuous = [joint for joint in mapped if joint not in revolute]
        self._q_index = np.array([model.joints[j.native_name].q_index for j in revolute], int)
        self._canonical = np.array([index[joint.canonical] for joint in revolute], int)
        self._sign = np.array([joint.sign for joint in revolute], float)
        self._offset = np.array([joint.offset for joint in revolute], float)
        self._required, self._reachable = self._chains(profile, spec, attached)
        self._q0 = np.array(pin.neutral(model.model), dtype=float)
        self._align = self._alignment(spec.joint_count)

    def _chains(self, profile: Profile, spec: CanonicalSpec,
                attached: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
        """(frames, joints) canonical joints each frame's pose needs, and whether each frame
        can be valid at all (declared, and every joint on its chain canonical)."""
        by_native = {joint.native_name: spec.joint_index(joint.canonical)
                     for joint in profile.joints}
        required = np.zeros((len(self.frames), spec.joint_count), dtype=bool)
        reachable = np.zeros(len(self.frames), dtype=bool)
        for row, name in enumerate(self.frames):
            if name not in attached:
                continue
            chain = self.model.path_joints(self.model.base_link, attached[name])
            if all(joint in by_native for joint in chain):
                reachable[row] = True
                required[row, [by_native[joint] for joint in chain]] = True
        return required, reachable

    def _alignment(self, joint_count: int) -> np.ndarray:
        """(frames, 3, 3): per frame, the rotation (in its link) that gives it the pelvis's
        axes at the reference pose R."""
        placements = self._placements(self._configuration(np.zeros(joint_count)))
        return np.transpose(placements[:, :3, :3], (0, 2, 1))

    def _configuration(self, position: np.ndarray) -> np.ndarray:
        q = self._q0.copy()
        angles = self._sign * (position[self._canonical] - self._offset)
        q[self._q_index] = np.where(np.isfinite(angles), angles, 0.0)
        for joint in self._continuous:
            value = position[joint.index]
            angle = joint.sign * (value - joint.offset) if np.isfinite(value) else 0.0
            at = self.model.joints[joint.native_name].q_index
            q[at:at + 2] = (np.cos(angle), np.sin(angle))
        return q

    def _placements(self, q: np.ndarray) -> np.ndarray:
        """(frames, 4, 4) homogeneous placements of the task frames in the base frame
        (identity for a frame the profile does not place)."""
        model, data = self.model.model, self.model.data
        pin.forwardKinematics(model, data, q)
        base_frame = self.model.base_frame_id
        base = (data.oMi[self.model.root_joint] if base_frame is None
                else pin.updateFramePlacement(model, data, base_frame))
        inverse = np.array(base.inverse().homogeneous)
        out = np.empty((len(self._frame_ids), 4, 4))
        out[:] = np.eye(4)
        for row, frame_id in enumerate(self._frame_ids):
            if frame_id >= 0:
                out[row] = inverse @ pin.updateFramePlacement(model, data, frame_id).homogeneous
        return out

    def poses(self, position: np.ndarray,
              joint_valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(frames, 7) poses and (frames,) validity of one sample."""
        position = np.asarray(position, dtype=float)
        usable = np.asarray(joint_valid, dtype=bool) & np.isfinite(position)
        valid = self._reachable & ~(self._required & ~usable).any(axis=1)
        out = np.full((len(self.frames), POSE_WIDTH), np.nan)
        if not valid.any():
            return out, valid
        placements = self._placements(self._configuration(position))
        rotations = placements[:, :3, :3] @ self._align
        out[valid, :3] = placements[valid, :3, 3]
        out[valid, 3:] = quaternions_xyzw(rotations[valid])
        return out, valid

    def batch(self, positions: np.ndarray,
              joint_valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(n, frames, 7) poses and (n, frames) validity of n samples."""
        rows = [self.poses(position, ok) for position, ok in zip(positions, joint_valid,
                                                                 strict=True)]
        if not rows:
            return (np.empty((0, len(self.frames), POSE_WIDTH)),
                    np.empty((0, len(self.frames)), dtype=bool))
        return np.stack([pose for pose, _ in rows]), np.stack([ok for _, ok in rows])


def quaternions_xyzw(rotations: np.ndarray) -> np.ndarray:
    """(n, 4) unit quaternions x, y, z, w (w >= 0) of (n, 3, 3) rotation matrices (Pinocchio's
    conversion, one C++ call per matrix: cheaper than numpy for the few frames of a sample)."""
    out = np.array([pin.Quaternion(rotation).coeffs() for rotation in rotations],
                   dtype=float).reshape(len(rotations), 4)
    return np.where(out[:, 3:4] < 0, -out, out)


def task_space_for(profile: Profile, spec: CanonicalSpec) -> TaskSpace | None:
    """The profile's task space, None when it attaches no kinematic model."""
    if not profile.kinematics.model:
        return None
    return TaskSpace(profile, spec, load_model(profile.kinematics.model))
