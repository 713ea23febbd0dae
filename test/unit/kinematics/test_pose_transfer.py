"""bench/pose_transfer.py: the spec's reference poses on the shipped robots' kinematic fixtures.

The expected values come from the fixtures' joint facts (URDF origins and limits) and from plain
geometry, not from the script: a raise about a shoulder pitch axis tilted by t about x puts the
upper arm t away from a raise about an untilted one; an ankle clipped at its limit leaves the
foot turned by the clip; a wrist pitch the robot lacks leaves the hand turned by all of it.
The doc's table (docs/canonical-interface.md, "Do poses transfer across bodies? (measured)") is
the script's output, so the two cannot drift.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from kinematic_fixtures import load_fixture

REPO = Path(__file__).resolve().parents[3]
DOC = REPO / 'docs' / 'canonical-interface.md'
HEADING = '### Do poses transfer across bodies? (measured)'
Results = dict[str, Any]   # pose -> pose_transfer.PoseResult


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location('pose_transfer', REPO / 'bench' /
                                                  'pose_transfer.py')
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules['pose_transfer'] = module
    spec.loader.exec_module(module)
    return module


pt = _script()


@pytest.fixture(scope='module')
def results() -> Results:
    """Every pose on every shipped robot (one run, about 4 s)."""
    found: Results = pt.run()
    return found


def fact(robot: str, joint: str) -> dict[str, Any]:
    """One joint's facts in a robot's kinematic fixture."""
    return next(j for j in load_fixture(robot)['joints'] if j['name'] == joint)


def gap(result: Any, space: str, robot: str, key: str) -> float:
    """Degrees between a robot's segment or frame and the ideal body's, in one space."""
    return float(pt.difference_deg(getattr(result, space)[robot][key], result.target[key]))


def test_the_ideal_body_points_each_segment_where_the_pose_says() -> None:
    spec = pt.load_canonical()
    forward = pt.ideal(pt.POSES['arms_forward'][1], spec)
    np.testing.assert_allclose(forward['left_upper_arm'], [1, 0, 0], atol=1e-12)
    np.testing.assert_allclose(forward['right_forearm'], [1, 0, 0], atol=1e-12)
    wave = pt.ideal(pt.POSES['wave'][1], spec)
    np.testing.assert_allclose(wave['left_upper_arm'], [0, 1, 0], atol=1e-12)
    np.testing.assert_allclose(wave['left_forearm'], [0, 0, 1], atol=1e-12)  # forearm up
    squat = pt.ideal(pt.POSES['squat'][1], spec)
    np.testing.assert_allclose(squat['left_thigh'], [math.sin(1), 0, -math.cos(1)], atol=1e-12)
    np.testing.assert_allclose(squat['l_sole'], np.eye(3), atol=1e-12)          # feet flat


def test_at_the_reference_pose_every_pair_of_robots_agrees(results: Results) -> None:
    for space in ('joint', 'task'):
        angles = pt.pair_angles(getattr(results['reference'], space))
        # TALOS's shoulder roll stops 0.5 deg short of hanging (URDF lower limit 0.0087 rad)
        assert max(max(row.values()) for row in angles.values()) < 0.6, space


def test_a_forward_raise_differs_by_the_unitree_shoulder_axis_tilt(results: Results) -> None:
    angles = pt.pair_angles(results['arms_forward'].joint)
    t1_tilt = fact('booster_t1', 'Left_Shoulder_Pitch')['rpy'][0]
    for robot, label in (('unitree_g1_29dof', 'G1-29'), ('unitree_h1', 'H1'),
                         ('unitree_h1_2', 'H1-2')):
        tilt = fact(robot, 'left_shoulder_pitch_joint')['rpy'][0]        # about x, 15-25 deg
        assert angles[label, 'T1']['left_upper_arm'] == pytest.approx(
            math.degrees(tilt - t1_tilt), abs=0.2), robot


def test_talos_has_no_canonical_shoulder_pitch_but_reaches_in_task_space(results: Results) -> None:
    arms_forward = results['arms_forward']
    assert gap(arms_forward, 'joint', 'TALOS', 'left_upper_arm') == pytest.approx(90, abs=1)
    # in task space its IK reaches forward with the shoulder pan, which has no canonical slot
    assert gap(arms_forward, 'task', 'TALOS', 'left_upper_arm') < 1
    assert any('TALOS' in note and 'arm_left_1_joint' in note for note in arms_forward.notes)


def test_after_ik_the_arms_agree_on_robots_with_the_joints(results: Results) -> None:
    for pose in ('arms_forward', 'arms_sideways', 'twist'):
        for pair, row in pt.pair_angles(results[pose].task).items():
            for key in ('left_upper_arm', 'right_upper_arm', 'left_forearm', 'right_forearm'):
                assert row[key] < 1.0, (pose, pair, key)


def test_an_ankle_clipped_at_its_limit_leaves_the_foot_turned(results: Results) -> None:
    squat, wanted = results['squat'], pt.POSES['squat'][1]['left_ankle_pitch']
    lower = fact('unitree_g1_29dof', 'left_ankle_pitch_joint')['limits'][0]
    clip = math.degrees(lower - wanted)
    assert gap(squat, 'joint', 'G1-29', 'l_sole') == pytest.approx(clip, abs=0.1)
    # no other joint turns the foot back flat with the thigh and shank on target
    assert gap(squat, 'task', 'G1-29', 'l_sole') == pytest.approx(clip, abs=0.5)
    assert fact('pal_talos', 'leg_left_5_joint')['limits'][0] <= wanted
    assert gap(squat, 'task', 'TALOS', 'l_sole') < 0.1


def test_a_missing_wrist_pitch_leaves_the_hand_turned(results: Results) -> None:
    wave, pitch = results['wave'], pt.POSES['wave'][1]['left_wrist_pitch']
    for label in ('G1-23', 'H1', 'T1'):    # no left_wrist_pitch in their profiles
        assert gap(wave, 'joint', label, 'l_wrist') == pytest.approx(math.degrees(pitch),
                                                                     abs=0.2), label
        assert gap(wave, 'task', label, 'l_wrist') > 5, label   # IK can only split it
    for label in ('G1-29', 'H1-2', 'TALOS'):
        assert gap(wave, 'task', label, 'l_wrist') < 1, label


def test_the_doc_section_is_the_scripts_output(results: Results) -> None:
    doc = DOC.read_text()
    assert HEADING in doc
    section = doc.split(HEADING, 1)[1].split('\n## ', 1)[0]
    assert pt.report(results) in section
    assert 'python bench/pose_transfer.py' in section
