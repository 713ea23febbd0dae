"""A profile's joint mapping checked against the robot's own kinematic model.

    report = check_profile_kinematics(load_profile('booster_t1'), load_model('t1.urdf'))
    for problem in report.problems: print(problem)

The profile maps a vendor joint to a canonical one by `q = sign * scale * q_native + offset`;
the model's angle is `scale * q_native` (the native unit converted to radians, about the
model's own axis). The check poses the model at the canonical reference pose R (every mapped
joint at the angle that makes its canonical value 0, the rest at zero) and measures, for each
mapped joint (one problem per line, with its likely cause):

- NAME: the joint's native_name is not a joint of the model.
- AXIS: a positive canonical step rotates the joint's body about an axis more than
  `AXIS_TOLERANCE_DEG` away from the canonical axis (either way), or a left_/right_ joint sits on
  the other side of the body (two joints swapped).
- SIGN: that axis points the opposite way (a positive value moves the wrong way).
- SCALE: the profile's limits in radians span about 57.3 times more or less than the model's:
  a degree/radian mix-up.
- LIMITS: the profile's position limits in radians reach outside the model's (tolerance
  `LIMIT_TOLERANCE_RAD`), or its velocity/effort limit is above the model's declared one
  (relative tolerance `RATE_TOLERANCE`): commands the robot's own description forbids.
- OFFSET: a body segment of the spec (config/canonical.yaml `segments`) points more than
  `SEGMENT_TOLERANCE_DEG` away from its direction at R; the joint blamed is the nearest mapped
  ancestor whose own rotation puts the segment right, and the fix is stated as its offset.
  After a blame the pose is corrected, so one wrong offset is not blamed again downstream;
  the axis checks run after the segments, on the corrected pose.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from interop_bridge.canonical import CanonicalSpec, load_canonical
from interop_bridge.canonical_segments import SegmentSpec
from interop_bridge.kinematics.geometry import angle_deg, rotate, turn_about
from interop_bridge.kinematics.model import KinematicModel, ModelJoint
from interop_bridge.profile_model import FrameLink, JointProfile, Profile

AXIS_TOLERANCE_DEG = 35.0     # shoulder axes of some Unitree models are tilted by up to ~25 deg
SEGMENT_TOLERANCE_DEG = 30.0  # a missing offset is 90 deg; joint origins tilt limbs < 20 deg
# the blamed joint's rotation must leave at most this much (H1-2 forearms point 16 deg off
# +x at R by construction)
BLAME_RESIDUAL_DEG = 20.0
LIMIT_TOLERANCE_RAD = 0.01
RATE_TOLERANCE = 0.01         # relative, on velocity and effort limits
DEGREE_RATIO = 180.0 / math.pi
SCALE_RATIO_TOLERANCE = 0.15  # relative
SIDE_TOLERANCE_M = 0.01
MIN_SEGMENT_M = 0.02
UNIT_AXES = {'x': np.array([1.0, 0.0, 0.0]), 'y': np.array([0.0, 1.0, 0.0]),
             'z': np.array([0.0, 0.0, 1.0])}
CAUSES = ('NAME', 'AXIS', 'SIGN', 'SCALE', 'LIMITS', 'OFFSET')


@dataclass(frozen=True)
class KinematicProblem:
    """One way the profile disagrees with the model."""

    joint: str     # canonical name
    native: str
    cause: str     # one of CAUSES
    message: str   # the measurement and the likely fix

    def __str__(self) -> str:
        return f'{self.joint} ({self.native}): {self.cause}: {self.message}'


@dataclass
class KinematicReport:
    """Every problem found, and the figures measured on the joints that passed."""

    profile: str
    model: str
    problems: list[KinematicProblem] = field(default_factory=list)
    axis_error_deg: dict[str, float] = field(default_factory=dict)
    segment_error_deg: dict[str, float] = field(default_factory=dict)

    def causes(self) -> dict[str, str]:
        """Canonical joint -> the cause of its first problem."""
        found: dict[str, str] = {}
        for problem in self.problems:
            found.setdefault(problem.joint, problem.cause)
        return found


def model_angle(joint: JointProfile, canonical: float) -> float:
    """The model's angle [rad] at canonical value `canonical` (scale converts native units)."""
    return joint.sign * (canonical - joint.offset)


def check_profile_kinematics(profile: Profile, model: KinematicModel,
                             frames: Sequence[FrameLink] | None = None,
                             spec: CanonicalSpec | None = None) -> KinematicReport:
    """Check every mapped joint of `profile` against `model` (see the module docstring).

    `frames` (default: the profile's kinematics.frames) places canonical frames (l_wrist,
    l_sole ...) on the model; segment ends use them where the robot lacks the end joint.
    """
    spec = spec or load_canonical()
    frame_names = attach_frames(model, profile.kinematics.frames if frames is None else frames)
    report = KinematicReport(profile.name, str(model.source))
    mapped = {}
    for joint in profile.joints:
        if joint.native_name in model.joints:
            mapped[joint.canonical] = joint
        else:
            report.problems.append(KinematicProblem(
                joint.canonical, joint.native_name, 'NAME',
                f'no joint {joint.native_name!r} in {model.source.name}'))
    angles = {joint.native_name: model_angle(joint, 0.0) for joint in mapped.values()}
    for joint in mapped.values():
        _check_units_and_limits(joint, model, report)
    # offsets first: their corrections pose the model at the true R for the axis checks
    _check_segments(spec.segments, mapped, frame_names, model, angles, report)
    q = model.configuration(angles)
    offset_blamed = {problem.joint for problem in report.problems if problem.cause == 'OFFSET'}
    for joint in mapped.values():
        if joint.canonical not in offset_blamed:
            _check_axis(joint, spec, model, q, report)
    return report


def attach_frames(model: KinematicModel, frames: Sequence[FrameLink]) -> dict[str, str]:
    """Canonical frame -> the model frame that stands for it (added to the model when the
    entry has an offset or names a link under another name)."""
    names = {}
    for frame in frames:
        attached = f'{frame.name}@{frame.link}' + ('' if not any(frame.xyz) else str(frame.xyz))
        if not model.has_frame(attached):
            model.add_frame(attached, frame.link, frame.xyz)
        names[frame.name] = attached
    return names


def _check_units_and_limits(joint: JointProfile, model: KinematicModel,
                            report: KinematicReport) -> None:
    urdf = model.joint(joint.native_name)
    low, high = sorted(joint.scale * limit for limit in joint.position)
    if not (math.isfinite(urdf.lower) and math.isfinite(urdf.upper)):
        return
    span, urdf_span = high - low, urdf.upper - urdf.lower
    if span > 0 and urdf_span > 0:
        ratio = span / urdf_span
        for factor, unit in ((DEGREE_RATIO, 'degrees'), (1 / DEGREE_RATIO, 'radians')):
            if abs(ratio / factor - 1.0) < SCALE_RATIO_TOLERANCE:
                report.problems.append(KinematicProblem(
                    joint.canonical, joint.native_name, 'SCALE',
                    f'scale {joint.scale:g} gives limits [{low:.4g}, {high:.4g}] rad, '
                    f'{ratio:.3g} times the model\'s [{urdf.lower:.4g}, {urdf.upper:.4g}]: '
                    f'the native values look like {unit} read as the other unit'))
                return
    if low < urdf.lower - LIMIT_TOLERANCE_RAD or high > urdf.upper + LIMIT_TOLERANCE_RAD:
        report.problems.append(KinematicProblem(
            joint.canonical, joint.native_name, 'LIMITS',
            f'limits [{low:.4g}, {high:.4g}] rad reach outside the model\'s '
            f'[{urdf.lower:.4g}, {urdf.upper:.4g}]'))
        return
    _check_rate_limits(joint, urdf, report)


def _check_rate_limits(joint: JointProfile, urdf: ModelJoint, report: KinematicReport) -> None:
    for what, mine, theirs, unit in (('velocity', joint.velocity * joint.scale, urdf.velocity,
                                      'rad/s'),
                                     ('effort', joint.effort, urdf.effort, 'N m')):
        if theirs > 0 and mine > theirs * (1 + RATE_TOLERANCE):
            report.problems.append(KinematicProblem(
                joint.canonical, joint.native_name, 'LIMITS',
                f'{what} limit {mine:.4g} {unit} is above the model\'s {theirs:.4g} {unit}'))
            return


def _check_axis(joint: JointProfile, spec: CanonicalSpec, model: KinematicModel,
                q: np.ndarray, report: KinematicReport) -> None:
    canonical = spec.joints[spec.joint_index(joint.canonical)]
    expected = UNIT_AXES[canonical.axis]
    measured = model.rotation_axis(q, joint.native_name) * joint.sign
    angle = angle_deg(measured, expected)
    shown = np.array2string(measured, precision=3, suppress_small=True)
    if angle >= 180.0 - AXIS_TOLERANCE_DEG:
        report.problems.append(KinematicProblem(
            joint.canonical, joint.native_name, 'SIGN',
            f'a positive value rotates about {shown}, {angle:.1f} deg from +{canonical.axis}: '
            f'it moves the opposite way ({canonical.positive}); sign should be {-joint.sign}'))
        return
    if angle > AXIS_TOLERANCE_DEG:
        report.problems.append(KinematicProblem(
            joint.canonical, joint.native_name, 'AXIS',
            f'a positive value rotates about {shown}, {angle:.1f} deg from +{canonical.axis}: '
            f'not this canonical joint'))
        return
    side = _side_problem(joint, model.joint_position(q, joint.native_name))
    if side:
        report.problems.append(KinematicProblem(joint.canonical, joint.native_name, 'AXIS',
                                                side))
        return
    report.axis_error_deg[joint.canonical] = angle


def _side_problem(joint: JointProfile, position: np.ndarray) -> str:
    y = float(position[1])
    if joint.canonical.startswith('left_') and y < -SIDE_TOLERANCE_M:
        return f'the joint sits at y = {y:.3f} m, on the right side of the body'
    if joint.canonical.startswith('right_') and y > SIDE_TOLERANCE_M:
        return f'the joint sits at y = {y:.3f} m, on the left side of the body'
    return ''


def _end_point(segment: SegmentSpec, mapped: Mapping[str, JointProfile],
               frames: Mapping[str, str], model: KinematicModel) -> str | None:
    """The model joint or link where the segment ends, None when the robot has none."""
    for end in segment.end:
        if end in mapped:
            return mapped[end].native_name
        if end in frames and model.has_frame(frames[end]):
            return frames[end]
    return None


def _check_segments(segments: tuple[SegmentSpec, ...], mapped: Mapping[str, JointProfile],
                    frames: Mapping[str, str], model: KinematicModel,
                    angles: dict[str, float], report: KinematicReport) -> None:
    by_native = {joint.native_name: joint for joint in mapped.values()}
    for segment in segments:
        end = _end_point(segment, mapped, frames, model)
        if segment.start not in mapped or end is None:
            continue
        q = model.configuration(angles)
        direction = _segment_direction(model, q, mapped[segment.start].native_name, end)
        if direction is None:
            continue
        expected = np.array(segment.direction)
        error = angle_deg(direction, expected)
        report.segment_error_deg[segment.name] = error
        if error <= SEGMENT_TOLERANCE_DEG:
            continue
        culprit = _blame(model, q, end, direction, expected, by_native)
        if culprit is None:
            joint = mapped[segment.start]
            report.problems.append(KinematicProblem(
                joint.canonical, joint.native_name, 'OFFSET',
                f'segment {segment.name} points {_shown(direction)} at the reference pose, '
                f'{error:.1f} deg from {_shown(expected)}; no single mapped joint explains it'))
            continue
        joint, turn = culprit
        angles[joint.native_name] += turn
        report.problems.append(KinematicProblem(
            joint.canonical, joint.native_name, 'OFFSET',
            f'segment {segment.name} points {_shown(direction)} at the reference pose, '
            f'{error:.1f} deg from {_shown(expected)}; turning this joint by '
            f'{math.degrees(turn):+.1f} deg puts it right: offset should be about '
            f'{joint.offset - joint.sign * turn:.4g} (is {joint.offset:g})'))


def _shown(vector: np.ndarray) -> str:
    return np.array2string(np.asarray(vector, dtype=float), precision=2, suppress_small=True)


def _segment_direction(model: KinematicModel, q: np.ndarray, start: str,
                       end: str) -> np.ndarray | None:
    begin = model.joint_position(q, start)
    finish = (model.joint_position(q, end) if end in model.joints
              else model.frame_position(q, end))
    length = float(np.linalg.norm(finish - begin))
    return None if length < MIN_SEGMENT_M else (finish - begin) / length


def _blame(model: KinematicModel, q: np.ndarray, end: str, direction: np.ndarray,
           expected: np.ndarray, by_native: Mapping[str, JointProfile]
           ) -> tuple[JointProfile, float] | None:
    """The nearest mapped ancestor of `end` whose rotation turns `direction` into `expected`,
    with that rotation [rad, about the model's own axis]."""
    for name in reversed(model.ancestors(end)):
        if name not in by_native or name == end:
            continue
        axis = model.rotation_axis(q, name)
        turn = turn_about(axis, direction, expected)
        if angle_deg(rotate(direction, axis, turn), expected) <= BLAME_RESIDUAL_DEG:
            return by_native[name], turn
    return None
