"""Do poses transfer across bodies? The spec's reference poses on every shipped robot.

    python bench/pose_transfer.py [--robots unitree_g1_29dof pal_talos ...] [--out FILE]

Joint space: each profile maps the canonical pose onto its kinematic fixture (clipped to the
model's limits). Task space: the ideal canonical body's segment directions and task-frame
orientations in that pose are the targets of an IK on each robot. Both are measured in the
pelvis frame, turned from R like task-space state (see docs/canonical-interface.md).
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
import tempfile
from dataclasses import dataclass, field
from functools import reduce
from pathlib import Path

import numpy as np
import pinocchio as pin

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / 'test'), str(REPO)]

from kinematic_fixtures import SHIPPED, write_urdf  # noqa: E402  (test/ on the path first)

from interop_bridge.canonical import CanonicalSpec, load_canonical  # noqa: E402
from interop_bridge.kinematics.geometry import angle_deg  # noqa: E402
from interop_bridge.kinematics.model import KinematicModel, load_model  # noqa: E402
from interop_bridge.kinematics.profile_check import attach_frames, model_angle  # noqa: E402
from interop_bridge.profile import load_profile  # noqa: E402
from interop_bridge.profile_model import Profile  # noqa: E402

HALF_PI = math.pi / 2
POSES: dict[str, tuple[str, dict[str, float]]] = {
    'reference': ('every joint 0: the reference pose R', {}),
    'arms_forward': ('both arms raised forward to horizontal, elbows straight', {
        'left_shoulder_pitch': -HALF_PI, 'right_shoulder_pitch': -HALF_PI,
        'left_elbow': HALF_PI, 'right_elbow': HALF_PI}),
    'arms_sideways': ('both arms raised sideways to horizontal (T-pose), elbows straight', {
        'left_shoulder_roll': HALF_PI, 'right_shoulder_roll': -HALF_PI,
        'left_elbow': HALF_PI, 'right_elbow': HALF_PI}),
    'squat': ('hips flexed 1 rad, knees 2 rad, ankles 1 rad: thighs forward, feet flat', {
        'left_hip_pitch': -1.0, 'left_knee': 2.0, 'left_ankle_pitch': -1.0,
        'right_hip_pitch': -1.0, 'right_knee': 2.0, 'right_ankle_pitch': -1.0}),
    'twist': ('torso turned 0.6 rad (34 deg) to the left', {'waist_yaw': 0.6}),
    'wave': ('left upper arm out sideways, forearm up, palm forward, hand tipped outward', {
        'left_shoulder_roll': HALF_PI, 'left_shoulder_yaw': HALF_PI, 'left_wrist_pitch': 0.4}),
}
LABELS = {'unitree_g1_29dof': 'G1-29', 'unitree_g1_23dof': 'G1-23', 'unitree_h1': 'H1',
          'unitree_h1_2': 'H1-2', 'booster_t1': 'T1', 'pal_talos': 'TALOS',
          'unitree_h2': 'H2', 'unitree_r1': 'R1', 'booster_k1': 'K1'}
# canonical groups whose joints (in index order) turn each task frame (and its limb's segments)
FRAME_CHAINS = {'l_wrist': ('waist', 'left_arm'), 'r_wrist': ('waist', 'right_arm'),
                'l_sole': ('left_leg',), 'r_sole': ('right_leg',), 'gaze': ('waist', 'head')}
REPORTED_DEG = 1.0   # a clip, an IK target missed, a non-canonical joint moved: by more than this
IK_ITERATIONS, IK_DAMPING, FD_STEP = 200, 1e-2, 1e-6
LAST_COLUMNS = {'joint': ['clipped to the model\'s limits [deg]'],
                'task': ['hand position spread [cm]', 'per robot (deg from the target)']}
Measure = dict[str, np.ndarray]   # segment -> unit direction; task frame -> rotation since R


@dataclass
class Body:
    """One robot: its profile, its fixture model based at the pelvis, where it is measured."""
    label: str
    profile: Profile
    model: KinematicModel
    carriers: dict[str, int]            # segment or task frame -> model frame id
    reference: dict[str, float]         # model angles of R
    # segment: its spec direction, task frame: the identity, both in the carrier's frame at R
    align: dict[str, np.ndarray] = field(default_factory=dict)


def _carrier(model: KinematicModel, end: str) -> int:
    """The body frame a segment's end joint or frame sits on."""
    joint = (model.model.parents[model.joints[end].joint_id] if end in model.joints
             else model.model.frames[model.frame_id(end)].parentJoint)
    return next(fid for fid, frame in enumerate(model.model.frames)
                if frame.type == pin.FrameType.BODY and frame.parentJoint == joint)


def load_body(name: str, directory: Path, spec: CanonicalSpec) -> Body:
    """The shipped profile `name` on its fixture model (URDF written to `directory`)."""
    profile = load_profile(name)
    model = load_model(write_urdf(name, directory / f'{name}.urdf'))
    model.set_base(profile.kinematics.base)
    attached = attach_frames(model, profile.kinematics.frames)
    mapped = {j.canonical: j.native_name for j in profile.joints if j.native_name in model.joints}
    carriers, directions = {}, {}
    for segment in spec.segments:
        end = next((mapped.get(e, attached.get(e)) for e in segment.end
                    if mapped.get(e, attached.get(e))), None)
        if segment.start in mapped and end:
            carriers[segment.name] = _carrier(model, end)
            directions[segment.name] = np.array(segment.direction)
    carriers.update({f: model.frame_id(attached[f]) for f in spec.task_frames if f in attached})
    reference = {j.native_name: model_angle(j, 0.0) for j in profile.joints
                 if j.native_name in model.joints}
    body = Body(LABELS.get(name, name), profile, model, carriers, reference)
    body.align = {key: pose[0].T @ directions.get(key, np.eye(3))
                  for key, pose in placements(body, reference).items()}
    return body


def placements(body: Body, angles: dict[str, float]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """(rotation, position [m]) of every carrier in the pelvis frame, one FK pass."""
    model, data = body.model.model, body.model.data
    pin.forwardKinematics(model, data, body.model.configuration(angles))
    pin.updateFramePlacements(model, data)
    base = body.model.base_placement()
    moved = {key: base.actInv(data.oMf[fid]) for key, fid in body.carriers.items()}
    return {key: (np.array(m.rotation), np.array(m.translation)) for key, m in moved.items()}


def measure(body: Body, angles: dict[str, float]) -> Measure:
    """Each segment's direction and each task frame's rotation since R, at model angles."""
    return {key: pose[0] @ body.align[key] for key, pose in placements(body, angles).items()}


def difference_deg(first: np.ndarray, second: np.ndarray) -> float:
    """Angle between two directions, or the turn between two rotations [deg]."""
    return angle_deg(first, second) if first.ndim == 1 else \
        math.degrees(float(np.linalg.norm(pin.log3(first.T @ second))))


def joint_space(body: Body, pose: dict[str, float]) -> tuple[dict[str, float], dict[str, float]]:
    """Model angles of a canonical pose clipped to the model's limits, and the clips [deg]."""
    angles, clips = dict(body.reference), {}
    for joint in body.profile.joints:
        if joint.canonical in pose and joint.native_name in body.model.joints:
            wanted = model_angle(joint, pose[joint.canonical])
            limits = body.model.joints[joint.native_name]
            angles[joint.native_name] = min(max(wanted, limits.lower), limits.upper)
            clips[joint.canonical] = math.degrees(abs(angles[joint.native_name] - wanted))
    return angles, {name: clip for name, clip in clips.items() if clip > REPORTED_DEG}


def ideal(pose: dict[str, float], spec: CanonicalSpec) -> Measure:
    """The pose on an ideal body: each joint about its spec axis, chained in spec order."""
    def turn(groups: tuple[str, ...], stop: str | None = None) -> np.ndarray:
        chain = [spec.joints[i] for group in groups for i in spec.group_indices(group)]
        chain = chain[:[joint.name for joint in chain].index(stop)] if stop else chain
        turns = [pin.exp3(np.eye(3)['xyz'.index(j.axis)] * pose.get(j.name, 0.0)) for j in chain]
        return np.array(reduce(np.matmul, turns, np.eye(3)))
    limb = {joint.name: next(c for c in FRAME_CHAINS.values() if joint.group in c)
            for joint in spec.joints if joint.group not in ('waist', 'head')}
    targets = {s.name: turn(limb[s.start], s.end[0]) @ np.array(s.direction)
               for s in spec.segments}
    return {**targets, **{name: turn(chain) for name, chain in FRAME_CHAINS.items()}}


def solve_ik(body: Body, targets: Measure, names: list[str]) -> dict[str, float]:
    """Damped least squares from R on joints `names` toward `targets` (limits by projection)."""
    angles = dict(body.reference)
    lower, upper = np.array([(body.model.joints[n].lower, body.model.joints[n].upper)
                             for n in names]).T
    x = np.clip([angles.get(n, 0.0) for n in names], lower, upper)

    def error(values: np.ndarray) -> np.ndarray:
        measured = measure(body, {**angles, **dict(zip(names, values, strict=True))})
        return np.concatenate([value - targets[k] if value.ndim == 1
                               else np.array(pin.log3(targets[k].T @ value))
                               for k, value in measured.items()])
    for _ in range(IK_ITERATIONS):
        now = error(x)
        jacobian = np.column_stack([(error(x + FD_STEP * unit) - now) / FD_STEP
                                    for unit in np.eye(x.size)])
        step = np.linalg.solve(jacobian.T @ jacobian + IK_DAMPING * np.eye(x.size),
                               -jacobian.T @ now)
        x, before = np.clip(x + step, lower, upper), x
        if float(np.max(np.abs(x - before))) < 1e-7:
            break
    return {**angles, **dict(zip(names, (float(v) for v in x), strict=True))}


def missed(measured: Measure, targets: Measure) -> dict[str, float]:
    """Targets not reached, and by how much [deg]."""
    gaps = {key: difference_deg(value, targets[key]) for key, value in measured.items()}
    return {key: gap for key, gap in gaps.items() if gap > REPORTED_DEG}


def _shown(gaps: dict[str, float]) -> str:
    return ', '.join(f'{k} {v:.0f}' for k, v in gaps.items()) + ' deg' if gaps else 'all reached'


def task_space(body: Body, targets: Measure) -> tuple[dict[str, float], str]:
    """IK on the canonical joints, then, if short, on all; the angles and a note ('': reached)."""
    canonical = [j.native_name for j in body.profile.joints if j.native_name in body.model.joints]
    solved = solve_ik(body, targets, canonical)
    gaps = missed(measure(body, solved), targets)
    others = [name for name in body.model.joints if name not in canonical]
    if not gaps or not others:
        return solved, f'{body.label}: {_shown(gaps)}' if gaps else ''
    widened = solve_ik(body, targets, canonical + others)
    used = [name for name in others if math.degrees(abs(widened[name])) > REPORTED_DEG]
    return widened, (f'{body.label}: canonical joints only: {_shown(gaps)}; also moving '
                     f'{", ".join(used)}: {_shown(missed(measure(body, widened), targets))}')


def pair_angles(measures: dict[str, Measure]) -> dict[tuple[str, str], dict[str, float]]:
    """Per pair of robots, per segment or frame: the angle between them [deg]."""
    return {(a, b): {key: difference_deg(value, measures[b][key])
                     for key, value in measures[a].items() if key in measures[b]}
            for a, b in itertools.combinations(measures, 2)}


@dataclass
class PoseResult:
    """One pose on every robot (measures by robot label)."""
    joint: dict[str, Measure]
    task: dict[str, Measure]
    target: Measure
    clips: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    hand_spread_cm: float = 0.0   # largest distance of one wrist on two robots after IK


def run_pose(bodies: list[Body], pose: dict[str, float], spec: CanonicalSpec) -> PoseResult:
    """Joint-space and task-space measures of one pose on every body."""
    result, hands = PoseResult({}, {}, ideal(pose, spec)), {}
    for body in bodies:
        angles, clips = joint_space(body, pose)
        result.joint[body.label] = measure(body, angles)
        result.clips += [f'{body.label}: {_shown(clips)}'] if clips else []
        solved, note = task_space(body, result.target)
        result.task[body.label] = measure(body, solved)
        result.notes += [note] if note else []
        hands[body.label] = {w: placed[1] for w, placed in placements(body, solved).items()
                             if w in ('l_wrist', 'r_wrist')}
    result.hand_spread_cm = max([100 * float(np.linalg.norm(hands[a][w] - hands[b][w]))
                                 for a, b in itertools.combinations(hands, 2) for w in hands[a]
                                 if w in hands[b]], default=0.0)
    return result


def _worst(angles: dict[tuple[str, str], dict[str, float]], key: str | None = None
           ) -> tuple[float, str, str]:
    """(largest angle rounded (ties: the first), pair, key) over pairs (and keys unless `key`)."""
    best = max(((round(angle, 1), f'{a}/{b}', name) for (a, b), row in angles.items()
                for name, angle in row.items() if key in (None, name)), key=lambda item: item[0])
    return best if best[0] >= 0.05 else (0.0, '-', '-')


def _named(key: str) -> str:
    return f'{key} orientation' if key in FRAME_CHAINS else key


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)] + \
        ['| ' + ' | '.join(row) + ' |' for row in rows] + ['']


def _tables(results: dict[str, PoseResult], space: str) -> list[str]:
    """Per segment or frame and per pair; then per pose: the worst, and what else to know."""
    angles = {pose: pair_angles(getattr(r, space)) for pose, r in results.items()}
    keys, pairs = list(next(iter(results.values())).target), next(iter(angles.values()))
    by_key = [[_named(key)] + ['{0:.1f} {1}'.format(*_worst(angles[p], key)).replace(' -', '')
                               for p in results] for key in keys]
    by_pair = [[f'{a}/{b}'] + [f'{max(angles[p][a, b].values()):.1f}' for p in results]
               for a, b in pairs]
    summary = []
    for pose, result in results.items():
        angle, pair, key = _worst(angles[pose])
        extra = ['; '.join(result.clips) or 'none'] if space == 'joint' else \
            [f'{result.hand_spread_cm:.0f}', '; '.join(result.notes) or 'all reached']
        summary.append([pose, f'{angle:.1f}', pair, _named(key)] + extra)
    last = LAST_COLUMNS[space]
    return (_table(['segment or frame', *results], by_key) + _table(['pair', *results], by_pair)
            + _table(['pose', 'max [deg]', 'pair', 'segment or frame', *last], summary))


def report(results: dict[str, PoseResult]) -> str:
    """The markdown tables."""
    poses = [[pose, meaning, ', '.join(f'`{k}` {v:+.2f}' for k, v in values.items()) or 'all 0']
             for pose, (meaning, values) in POSES.items() if pose in results]
    lines = _table(['pose', 'meaning', 'canonical values (every other joint 0)'], poses)
    lines += ['Joint space: the largest angle [deg] between two robots, per segment or frame '
              '(with the pair), per pair (over all segments and frames), per pose:', '']
    lines += _tables(results, 'joint')
    lines += ['Task space (after IK toward the ideal canonical body), the same tables; the '
              'last with the hands\' spread in position and what IK could not reach:', '']
    return '\n'.join(lines + _tables(results, 'task'))


def run(robots: tuple[str, ...] = SHIPPED, poses: tuple[str, ...] = tuple(POSES)
        ) -> dict[str, PoseResult]:
    """Every pose on every robot."""
    spec = load_canonical()
    with tempfile.TemporaryDirectory() as directory:
        bodies = [load_body(name, Path(directory), spec) for name in robots]
    return {pose: run_pose(bodies, POSES[pose][1], spec) for pose in poses}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--robots', nargs='+', default=list(SHIPPED), choices=SHIPPED)
    parser.add_argument('--out', type=Path, help='also write the tables to this file')
    args = parser.parse_args(argv)
    text = report(run(tuple(args.robots)))
    print(text, end='')
    if args.out:
        args.out.write_text(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
