"""Robot profiles load into typed objects; every bad profile is refused with all its problems."""

from __future__ import annotations

import math
import time
from pathlib import Path

import pytest
from profile_variants import set_key, variant
from ros_process import REPO

from interop_bridge import cli
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
    ('not_yaml', "<file>: got nothing (key missing), expected a readable YAML file (did not "
     "find expected ',' or ']' at line 2, column 1)"),
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
        'state_rate_hz', 'joints[0].canonical', 'joints[1].source']


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
                       r"shipped profiles \['booster_k1'"):
        load_profile('g2')


def test_the_nine_robot_profiles_ship_and_load():
    assert shipped_profiles() == ['booster_k1', 'booster_t1', 'pal_talos', 'unitree_g1_23dof',
                                  'unitree_g1_29dof', 'unitree_h1', 'unitree_h1_2',
                                  'unitree_h2', 'unitree_r1']
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
    # issue 13: each of these was accepted, and crashed or misled the bridge
    ('unitree_g1_29dof', 'command.timeout_damping', math.inf,
     'command.timeout_damping: got inf, expected a finite number'),
    ('unitree_g1_29dof', 'unitree.motor_mode', 1000,
     'unitree.motor_mode: got 1000, expected a number from 0 to 255'),  # a uint8 on the wire
    ('pal_talos', 'ros2_control.controller_joints.29', 'leg_left_1_joint',
     "ros2_control.controller_joints[29]: got 'leg_left_1_joint', expected a name not given "
     'before (it is controller_joints[0])'),
    ('unitree_g1_29dof', 'joints.3.stiffness', math.inf,
     'joints[3].stiffness: got inf, expected a finite number'),
    ('unitree_g1_29dof', 'joints.3.scale', math.nan,
     'joints[3].scale: got nan, expected a finite number'),
    ('unitree_g1_29dof', 'joints.3.offset', math.nan,
     'joints[3].offset: got nan, expected a finite number'),
    ('unitree_g1_29dof', 'joints.3.velocity', math.inf,
     'joints[3].velocity: got inf, expected a finite number'),
    ('unitree_g1_29dof', 'joints.3.effort', -math.inf,
     'joints[3].effort: got -inf, expected a finite number'),
    ('unitree_g1_29dof', 'joints.3.stiffness_max', math.inf,
     'joints[3].stiffness_max: got inf, expected a finite number'),
    ('unitree_g1_29dof', 'joints.3.velocity', 10**400,
     'joints[3].velocity: got ' + repr(10**400)[:200] + '... (401 characters), expected a '
     'finite number'),
    ('unitree_g1_29dof', 'joints.3.stiffness', 400.0,
     'joints[3].stiffness: got 400.0, expected a default at most stiffness_max (300): '
     'defaults are sent unclamped to joints a command does not drive'),
    ('unitree_g1_29dof', 'joints.3.damping', 12.0,
     'joints[3].damping: got 12.0, expected a default at most damping_max (10): defaults '
     'are sent unclamped to joints a command does not drive'),
    ('unitree_g1_29dof', 'command.timeout_damping', 20.0,
     'command.timeout_damping: got 20.0, expected at most the smallest damping_max (10, '
     'joints[0] left_hip_pitch): the damping safe command goes to every joint'),
    ('unitree_g1_29dof', 'joints.3.native_name', 'left_hip_pitch_joint',
     "joints[3].native_name: got 'left_hip_pitch_joint', expected a native name not already "
     'used by joints[0]'),
    ('booster_t1', 'booster.motor_count', 1_000_000_000,
     'booster.motor_count: got 1000000000, expected a slot count from 1 to 1024'),
    ('unitree_g1_29dof', 'unitree.motor_mode', 10**30,
     'unitree.motor_mode: got 1000000000000000000000000000000, expected an integer from '
     '-2147483647 to 2147483647'),
    ('unitree_g1_29dof', 'command.state_timeout_s', 0.001,
     'command.state_timeout_s: got 0.001, expected at least two state periods (0.004 s at '
     'state_rate_hz 500): commands between two states would be refused'),
    ('unitree_g1_29dof', 'topics.state', 'low state',
     "topics.state: got 'low state', expected a ROS topic name ('/'-separated tokens of "
     "letters, digits and '_', none starting with a digit)"),
    ('unitree_g1_29dof', 'command.timeout_s', 3600.0,
     'command.timeout_s: got 3600.0, expected a number > 0 and <= 5'),
    ('unitree_g1_29dof', 'joints.3.position', [-1e9, 1e9],
     'joints[3].position: got [-1000000000.0, 1000000000.0], expected a list [low, high] of '
     'two numbers with low <= high, from -1e+06 to 1e+06'),
    ('unitree_g1_29dof', 'joints.3.scale', 1e-12,
     'joints[3].scale: got 1e-12, expected a number with 1e-06 <= |scale| <= 1e+06'),
    ('pal_talos', 'grippers.0.open', math.nan, 'grippers[0].open: got nan, expected a finite '
     'number'),
    ('unitree_g1_29dof', 'extra', [{'name': 'unitree/x', 'source': 30},
                                   {'name': 'unitree/x', 'source': 31}],
     "extra[1].name: got 'unitree/x', expected an extra name not already used by extra[0]"),
])
def test_a_profile_the_bridge_cannot_run_safely_is_refused(tmp_path, base, path, value,
                                                           message):
    with pytest.raises(ProfileError) as caught:
        variant(tmp_path, base, set_key(path, value))
    assert [str(problem).split(': ', 1)[1] for problem in caught.value.problems] == [message]


def bomb(levels: int = 9, width: int = 9) -> str:
    """'billion laughs': `width` ** `levels` strings from a few hundred bytes."""
    lines = ['a0: &a0 [' + ', '.join(['lol'] * width) + ']']
    lines += [f'a{level}: &a{level} [' + ', '.join([f'*a{level - 1}'] * width) + ']'
              for level in range(1, levels + 1)]
    return '\n'.join(lines) + '\n'


@pytest.mark.parametrize('text, expected', [
    (bomb(), 'at most 4194304 values and characters once aliases are expanded at line 7'),
    ('[' * 20_000 + ']' * 20_000, 'at most 32 levels of nesting at line 1, column 33'),
    ('a: ' + '{a: ' * 20_000 + '1' + '}' * 20_000, 'at most 32 levels of nesting'),
    ('a: [' + ', '.join(['&x 1'] + ['*x'] * 1001) + ']', 'at most 1000 aliases'),
    ('a: &x [*x]', 'an alias to a complete node (this one refers to a node that contains it)'),
    ('name: a\nname: b\n', "each key once in a mapping ('name' is given twice) at line 2"),
    ('a: 2024-13-45', 'valid values (month must be in 1..12)'),
    ('a: ' + '7' * 5000, 'valid values (Exceeds the limit (4300 digits)'),
])
def test_hostile_yaml_fails_fast_with_one_problem(tmp_path, text, expected):
    path = tmp_path / 'hostile.yaml'
    path.write_text(text)
    started = time.monotonic()
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert time.monotonic() - started < 2.0
    [problem] = caught.value.problems
    assert str(problem).startswith(f'{path}: <file>: got nothing (key missing), expected a '
                                   'readable YAML file')
    assert expected in str(problem)


def test_a_file_above_the_size_limit_is_not_parsed(tmp_path):
    path = tmp_path / 'huge.yaml'
    path.write_bytes(b'description: "' + b'x' * (2 << 20) + b'"\n')
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert str(caught.value.problems[0]).endswith(
        'expected a file of at most 1048576 bytes (it is larger): nothing was parsed')


def test_check_profile_prints_one_error_for_a_yaml_bomb(tmp_path, capsys):
    path = tmp_path / 'bomb.yaml'
    path.write_text(bomb())
    assert cli.main(['check-profile', str(path)]) == 1
    err = capsys.readouterr().err
    assert 'Traceback' not in err and len(err.splitlines()) == 1
    assert err.startswith(f'error: {path}: <file>: got nothing (key missing), expected a '
                          'readable YAML file')


def test_every_problem_of_a_broken_profile_comes_at_once(tmp_path):
    def edit(raw):
        raw['command']['timeout_damping'] = math.inf
        raw['joints'][5]['scale'] = math.nan
        raw['joints'][4]['native_name'] = raw['joints'][0]['native_name']
        raw['unitree']['weight_slot'] = 3
    with pytest.raises(ProfileError) as caught:
        variant(tmp_path, 'unitree_g1_29dof', edit)
    assert [problem.key_path for problem in caught.value.problems] == [
        'command.timeout_damping', 'joints[5].scale', 'joints[4].native_name',
        'unitree.weight_slot']
