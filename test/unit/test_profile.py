"""Robot profiles load into typed objects; every bad profile is refused with all its problems."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from profile_variants import set_key, variant
from ros_process import REPO

from interop_bridge.commands.profiles import profile_reference
from interop_bridge.errors import ProfileError
from interop_bridge.profile import load_profile, shipped_profiles

DATA = REPO / 'test' / 'data' / 'profiles'

BAD_PROFILES = [
    ('unknown_key', "colour: got 'red', expected no such key (allowed: adapter, booster"),
    ('wrong_type', "state_rate_hz: got 'fast', expected number: rate at which the vendor"),
    ('unknown_joint', "joints[0].canonical: got 'left_knees', expected a canonical joint name"),
    ('slot_out_of_range', 'joints[1].source: got 40, expected a slot index below 35'),
    ('duplicate_canonical', "joints[1].canonical: got 'left_knee', expected each canonical "
     'joint mapped once'),
    ('duplicate_source', 'joints[1].source: got 3, expected a source not already used by '
     'joints[0]'),
    ('wrong_sign', 'joints[0].sign: got 2, expected +1 or -1'),
    ('limits_outside_canonical_range', 'joints[0].position: got [-0.08, 2.8], expected limits '
     'that map (sign -1, offset 0) inside the canonical range [-0.3, 3] of left_knee; they map '
     'to [-2.8, 0.08]: wrong sign or offset?'),
    ('name_source_on_slot_adapter', "joints[1].source: got 'left_elbow_joint', expected a slot "
     'index (integer)'),
    ('missing_command_section', 'command: got nothing (key missing), expected mapping'),
    ('section_of_another_adapter', "booster: got {'motor_count': 23}, expected no booster "
     "section with adapter 'unitree_hg'"),
    ('bad_limits', 'joints[1].position: got [2.0, -1.0], expected a list [low, high]'),
    ('not_yaml', "<file>: got nothing (key missing), expected valid YAML (expected ',' or ']', "
     "but got '<stream end>' at line 2, column 1)"),
]


@pytest.mark.parametrize('name,message', BAD_PROFILES, ids=[case[0] for case in BAD_PROFILES])
def test_a_bad_profile_is_refused_naming_file_key_value_and_expectation(name, message):
    path = DATA / f'{name}.yaml'
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert f'{path}: {message}' in str(caught.value)
    assert len(caught.value.problems) == 1


def test_every_problem_of_a_profile_is_reported_at_once():
    with pytest.raises(ProfileError) as caught:
        load_profile(DATA / 'many_problems.yaml')
    assert [problem.key_path for problem in caught.value.problems] == [
        'state_rate_hz', 'joints[0].canonical', 'joints[0].source']


def test_the_minimal_profile_fills_documented_defaults():
    profile = load_profile(DATA / 'valid_minimal.yaml')
    knee = profile.joint('left_knee')
    assert (knee.index, knee.sign, knee.scale, knee.offset) == (3, 1, 1.0, 0.0)
    assert profile.command.limit_policy == 'clamp' and profile.command.timeout_s == 0.1
    assert profile.options['mode_pr'] == 0 and profile.stamp_source == 'receive'
    assert profile.joint('left_hip_pitch') is None


def test_a_profile_whose_name_differs_from_its_file_is_refused(tmp_path: Path):
    path = tmp_path / 'other.yaml'
    path.write_text((DATA / 'valid_minimal.yaml').read_text())
    with pytest.raises(ProfileError, match="name: got 'valid_minimal', expected 'other'"):
        load_profile(path)


def test_an_unknown_profile_name_lists_the_shipped_ones():
    with pytest.raises(ProfileError, match="got 'g2', expected a profile file or one of the "
                       r"shipped profiles \['booster_t1'"):
        load_profile('g2')


def test_the_six_robot_profiles_ship_and_load():
    assert shipped_profiles() == ['booster_t1', 'pal_talos', 'unitree_g1_23dof',
                                  'unitree_g1_29dof', 'unitree_h1', 'unitree_h1_2']
    for name in shipped_profiles():
        profile = load_profile(name)
        assert profile.sha256 and len(profile.sha256) == 64


def test_g1_29dof_is_the_identity_on_canonical_indices_0_to_28():
    profile = load_profile('unitree_g1_29dof')
    assert [(joint.index, joint.source, joint.gain, joint.offset) for joint in profile.joints] \
        == [(index, index, 1.0, 0.0) for index in range(29)]


def test_t1_shoulder_roll_carries_the_t_pose_offset():
    joint = load_profile('booster_t1').joint('left_shoulder_roll')
    assert joint.offset == pytest.approx(math.pi / 2, abs=1e-7)
    assert joint.native_name == 'Left_Shoulder_Roll' and joint.source == 3


def test_config_readme_holds_the_current_key_reference():
    readme = (REPO / 'config' / 'README.md').read_text()
    assert profile_reference() in readme, 'regenerate with: interop profile-keys'


@pytest.mark.parametrize('base, path, value, message', [
    ('unitree_g1_29dof', 'unitree.motor_slots', 1_000_000_000,
     'unitree.motor_slots: got 1000000000, expected 35: the motor slots of '
     'unitree_hg/msg/LowState'),
    ('unitree_h1', 'unitree.motor_slots', 35,
     'unitree.motor_slots: got 35, expected 20: the motor slots of unitree_go/msg/LowState'),
    ('unitree_g1_29dof', 'unitree.weight_slot', 3,
     'unitree.weight_slot: got 3, expected a slot no joint, extra or gripper uses (its q '
     'carries the blend weight)'),
    ('unitree_g1_29dof', 'unitree.weight_slot', 99,
     'unitree.weight_slot: got 99, expected -1 (no arm_sdk) or a slot index below 35'),
    ('unitree_g1_29dof', 'unitree.weight', 1.5,
     'unitree.weight: got 1.5, expected a number from 0 to 1'),
    ('pal_talos', 'grippers.0.closed', 0.0,
     'grippers[0].closed: got 0.0, expected a value other than open (0): no closure '
     'otherwise'),
    ('unitree_g1_29dof', 'stamp_source', 'vendor',
     "stamp_source: got 'vendor', expected 'receive': unitree_hg/msg/LowState carries no "
     'sample time of the vendor'),
])
def test_a_profile_the_bridge_cannot_run_safely_is_refused(tmp_path, base, path, value,
                                                           message):
    with pytest.raises(ProfileError) as caught:
        variant(tmp_path, base, set_key(path, value))
    assert [str(problem).split(': ', 1)[1] for problem in caught.value.problems] == [message]
