"""check-profile --urdf against each shipped robot's own kinematics.

The models are written from the kinematic fixtures (test/fixtures/kinematics: joint origins,
axes and limits read from each vendor's public URDF/MJCF), so the expectation comes from the
robot's description, not from the profile under test. Every shipped profile passes; an error
injected into a copy of a shipped profile (a flipped sign, a degree-scaled joint, a missing
offset, two swapped joints, a limit from another robot) is named with its cause, including the
two errors the shipped profiles had before this check existed (the T1 waist sign, the H1-2
shoulder limits that were the H1's).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from kinematic_fixtures import SHIPPED, write_urdf

from interop_bridge.kinematics.model import load_model
from interop_bridge.kinematics.profile_check import KinematicReport, check_profile_kinematics
from interop_bridge.profile import load_profile
from interop_bridge.profile_model import Profile

Edit = Callable[[list[dict[str, Any]]], None]
DEGREE = math.pi / 180


def check(profile: Profile, robot: str, tmp_path: Path) -> KinematicReport:
    model = load_model(write_urdf(robot, tmp_path / f'{robot}.urdf'))
    if profile.kinematics.base:
        model.set_base(profile.kinematics.base)
    return check_profile_kinematics(profile, model)


def mutated(robot: str, tmp_path: Path, edit: Edit) -> Profile:
    raw = yaml.safe_load(Path(load_profile(robot).source_file).read_text())
    edit(raw['joints'])
    path = tmp_path / 'copy' / f'{robot}.yaml'
    path.parent.mkdir()
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return load_profile(path)


def entry(joints: list[dict[str, Any]], canonical: str) -> dict[str, Any]:
    return next(joint for joint in joints if joint['canonical'] == canonical)


def setting(canonical: str, **changes: Any) -> Edit:
    return lambda joints: entry(joints, canonical).update(changes)


def swapping(first: str, second: str) -> Edit:
    """Two entries trade their canonical names (a mapping with two joints mixed up)."""
    def edit(joints: list[dict[str, Any]]) -> None:
        one, other = entry(joints, first), entry(joints, second)
        one['canonical'], other['canonical'] = second, first
    return edit


@pytest.mark.parametrize('robot', SHIPPED)
def test_every_shipped_profile_matches_its_robots_own_kinematics(robot: str, tmp_path: Path):
    profile = load_profile(robot)
    report = check(profile, robot, tmp_path)
    assert [str(problem) for problem in report.problems] == []
    assert set(report.axis_error_deg) == {joint.canonical for joint in profile.joints}
    assert len(report.segment_error_deg) == 8  # thighs, shanks, upper arms, forearms


INJECTED = [
    # a flipped sign on joints whose limits are symmetric (the loader's range check is blind)
    ('unitree_h1', setting('left_hip_yaw', sign=-1), {'left_hip_yaw': 'SIGN'}),
    ('unitree_g1_29dof', setting('waist_roll', sign=-1), {'waist_roll': 'SIGN'}),
    ('booster_t1', setting('waist_yaw', sign=1), {'waist_yaw': 'SIGN'}),  # as shipped before
    ('pal_talos', setting('head_yaw', sign=-1), {'head_yaw': 'SIGN'}),
    # native values said to be degrees while the limits stay in radians
    ('unitree_g1_23dof', setting('left_wrist_roll', scale=DEGREE), {'left_wrist_roll': 'SCALE'}),
    ('pal_talos', setting('right_wrist_pitch', scale=DEGREE), {'right_wrist_pitch': 'SCALE'}),
    # a missing offset (limits narrowed so that the loader's range check lets it through)
    ('booster_t1', setting('left_shoulder_roll', offset=0.0, position=[-1.6, 1.57]),
     {'left_shoulder_roll': 'OFFSET'}),
    ('pal_talos', setting('left_elbow', offset=0.0, position=[-1.9, -0.003491]),
     {'left_elbow': 'OFFSET'}),
    ('unitree_h1_2', setting('right_elbow', offset=-0.9), {'right_elbow': 'OFFSET'}),
    # two swapped joints
    ('unitree_g1_29dof', swapping('left_wrist_pitch', 'left_wrist_yaw'),
     {'left_wrist_pitch': 'AXIS', 'left_wrist_yaw': 'AXIS'}),
    ('unitree_h1', swapping('left_hip_yaw', 'right_hip_yaw'),
     {'left_hip_yaw': 'AXIS', 'right_hip_yaw': 'AXIS'}),
    # a limit from another robot
    ('unitree_h1_2', setting('left_shoulder_pitch', position=[-2.87, 2.87]),  # the H1's,
     {'left_shoulder_pitch': 'LIMITS'}),                                       # as shipped
    ('booster_t1', setting('left_knee', position=[-0.087267, 2.8798]),  # the G1's knee
     {'left_knee': 'LIMITS'}),
    ('pal_talos', setting('left_ankle_roll', velocity=5.8), {'left_ankle_roll': 'LIMITS'}),
]


@pytest.mark.parametrize('robot,edit,causes', INJECTED,
                         ids=[f'{robot}-{sorted(causes)[0]}-{next(iter(causes.values()))}'
                              for robot, _, causes in INJECTED])
def test_an_error_injected_into_a_shipped_profile_is_named_with_its_cause(
        robot: str, edit: Edit, causes: dict[str, str], tmp_path: Path):
    report = check(mutated(robot, tmp_path, edit), robot, tmp_path)
    assert report.causes() == causes


def test_a_problem_line_says_what_was_measured_and_the_fix(tmp_path: Path):
    report = check(mutated('booster_t1', tmp_path, setting('waist_yaw', sign=1)),
                   'booster_t1', tmp_path)
    assert str(report.problems[0]) == (
        'waist_yaw (Waist): SIGN: a positive value rotates about [ 0. -0. -1.], 180.0 deg '
        'from +z: it moves the opposite way (torso turns left); sign should be -1')


def test_the_offset_fix_is_stated(tmp_path: Path):
    report = check(mutated('pal_talos', tmp_path,
                           setting('left_elbow', offset=0.0, position=[-1.9, -0.003491])),
                   'pal_talos', tmp_path)
    (problem,) = report.problems
    stated = float(problem.message.split('offset should be about ')[1].split()[0])
    # a straight TALOS arm needs +pi/2 at the elbow; the forearm tilts 4.3 deg in the model
    assert stated == pytest.approx(math.pi / 2, abs=math.radians(5))
