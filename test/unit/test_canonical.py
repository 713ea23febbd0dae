"""The canonical specification loads into typed objects and rejects malformed files."""

from __future__ import annotations

import copy
import dataclasses
import sys
from pathlib import Path

import process_groups
import pytest
import yaml
from ros_process import REPO

from interop_bridge.canonical import hand_channel_name, load_canonical, parse_canonical
from interop_bridge.errors import SpecError, UnknownNameError

SHIPPED = REPO / 'config' / 'canonical.yaml'


@pytest.fixture(scope='module')
def raw_spec() -> dict:
    return yaml.safe_load(SHIPPED.read_text())


def test_the_shipped_spec_has_32_joints_in_g1_order_then_head():
    spec = load_canonical(SHIPPED)
    assert spec.joint_count == 32
    assert spec.joint_names[:3] == ('left_hip_pitch', 'left_hip_roll', 'left_hip_yaw')
    assert spec.joint_names[12:15] == ('waist_yaw', 'waist_roll', 'waist_pitch')
    assert spec.joint_names[28:] == ('right_wrist_yaw', 'head_yaw', 'head_pitch', 'head_roll')
    assert spec.joint_index('left_elbow') == 18


def test_groups_partition_the_joints_in_order():
    spec = load_canonical(SHIPPED)
    indices = [index for group in spec.groups for index in spec.group_indices(group)]
    assert indices == list(range(32))
    assert spec.group_indices('head') == (29, 30, 31)
    assert spec.group_indices('left_arm') == tuple(range(15, 22))


def test_hand_channels_are_named_per_side_with_the_gripper_last():
    spec = load_canonical(SHIPPED)
    assert spec.hand_channel_names('left')[0] == 'left_hand_thumb_rotation'
    assert spec.hand_channel_names('right')[-1] == 'right_gripper'
    assert hand_channel_name('left', 'index_flexion') == 'left_hand_index_flexion'
    assert len(spec.hand_channel_names('left')) == 7


def test_the_spec_is_immutable():
    spec = load_canonical(SHIPPED)
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.joints[0].name = 'renamed'
    with pytest.raises(TypeError):
        spec.units['position'] = 'deg'


def test_topics_carry_their_qos_and_the_embodiment_is_latched():
    spec = load_canonical(SHIPPED)
    embodiment = spec.topic('interop/embodiment')
    assert (embodiment.durability, embodiment.depth) == ('transient_local', 1)
    assert spec.topic('interop/state').type == 'interop_msgs/msg/WholeBodyState'
    assert spec.quaternion_order == ('x', 'y', 'z', 'w')


def test_unknown_joint_and_topic_names_are_errors():
    spec = load_canonical(SHIPPED)
    with pytest.raises(UnknownNameError, match="'left_elbow_pitch' is not a canonical joint"):
        spec.joint_index('left_elbow_pitch')
    with pytest.raises(UnknownNameError, match="'state' is not a declared topic"):
        spec.topic('state')


def _break(raw: dict, path: str, value) -> dict:
    """Return a copy of raw with the key at a dotted path (list items as [i]) replaced."""
    broken = copy.deepcopy(raw)
    *parents, last = path.replace('[', '.').replace(']', '').split('.')
    node = broken
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    if value is DELETE:
        del node[int(last) if last.isdigit() else last]
    else:
        node[int(last) if last.isdigit() else last] = value
    return broken


DELETE = object()

MALFORMED = [
    ('joints.3.axis', 'q', "joints[3].axis: got 'q', expected one of ['x', 'y', 'z']"),
    ('joints.5.index', 7, 'joints[5].index: got 7, expected 5 (indices run 0, 1, 2'),
    ('joints.0.range', [1.0, -1.0],
     'joints[0].range: got [1.0, -1.0], expected a list [low, high]'),
    ('joints.2.group', 'tail',
     "joints[2].group: got 'tail', expected one of the declared groups"),
    ('joints.1.name', 'left_hip_pitch',
     "joints[1].name: got 'left_hip_pitch', expected a name not used before"),
    ('joints.4.colour', 'red',
     "joints[4].colour: got 'red', expected no such key (allowed: axis, group"),
    ('joints.6.positive', DELETE,
     'joints[6].positive: got nothing (key missing), expected string'),
    ('interface_version', '1.0', "interface_version: got '1.0', expected a version"),
    ('quaternion_order', ['w', 'x', 'y', 'z'],
     "quaternion_order: got ['w', 'x', 'y', 'z'], expected ['x', 'y', 'z', 'w']"),
    ('units.position', DELETE,
     'units.position: got nothing (key missing), expected a unit string'),
    ('topics.0.reliability', 'sometimes',
     "topics[0].reliability: got 'sometimes', expected one of ['reliable', 'best_effort']"),
    ('topics.8.depth', 0, 'topics[8].depth: got 0, expected a number > 0'),
    ('topics.1.depth', True, 'topics[1].depth: got True, expected integer'),
    ('groups', ['right_leg', 'left_leg', 'waist', 'left_arm', 'right_arm', 'head'],
     'groups: got [\'right_leg\', \'left_leg\''),
    ('hand_channels.2.index', 9, 'hand_channels[2].index: got 9, expected 2'),
    ('segments.0.start', 'left_wing',
     "segments[0].start: got 'left_wing', expected a canonical joint name"),
    ('segments.5.end', ['left_hand'],
     "segments[5].end[0]: got 'left_hand', expected a canonical joint or frame name"),
    ('segments.1.direction', [0, 0, -2], 'segments[1].direction: got [0, 0, -2], expected a '
     'unit vector [x, y, z]'),
    ('extra_key', 1, "extra_key: got 1, expected no such key"),
]


@pytest.mark.parametrize('path,value,message', MALFORMED, ids=[case[0] for case in MALFORMED])
def test_a_malformed_spec_is_rejected_with_file_key_value_and_expectation(
        raw_spec, path, value, message):
    broken = _break(raw_spec, path, value) if path != 'extra_key' else {**raw_spec, 'extra_key': 1}
    with pytest.raises(SpecError) as caught:
        parse_canonical(broken, source='bad.yaml')
    assert f'bad.yaml: {message}' in str(caught.value)


def test_every_problem_is_reported_at_once(raw_spec):
    broken = _break(_break(_break(raw_spec, 'joints.3.axis', 'q'), 'topics.0.depth', -1),
                    'interface_version', 'one')
    with pytest.raises(SpecError) as caught:
        parse_canonical(broken, source='bad.yaml')
    assert len(caught.value.problems) == 3
    assert str(caught.value).startswith('3 problems found:')


def test_a_file_that_is_not_yaml_is_a_spec_error(tmp_path: Path):
    bad = tmp_path / 'canonical.yaml'
    bad.write_text('joints: [unclosed\n')
    with pytest.raises(SpecError, match='canonical.yaml: <file>: .*expected a readable YAML file'):
        load_canonical(bad)


def test_a_top_level_that_is_not_a_mapping_is_a_spec_error():
    with pytest.raises(SpecError,
                       match="bad.yaml: <top level>: got \\['x'\\], expected a mapping"):
        parse_canonical(['x'], source='bad.yaml')


def test_the_canonical_model_imports_without_rclpy():
    code = ('import sys; sys.modules["rclpy"] = None; '
            'import interop_bridge.canonical, interop_bridge.cli; print("ok")')
    result = process_groups.run([sys.executable, '-c', code], timeout=30, cwd=REPO)
    assert result.stdout.strip() == 'ok', result.stderr


def test_a_topic_the_code_uses_must_be_declared(raw_spec):
    raw_spec['topics'] = [topic for topic in raw_spec['topics']
                          if topic['name'] != 'interop/embodiment']
    with pytest.raises(SpecError) as caught:
        parse_canonical(raw_spec, source='bad.yaml')
    assert [str(problem) for problem in caught.value.problems] == [
        "bad.yaml: topics: got 'interop/embodiment', expected a declaration of every topic and "
        'service the code uses (interop_bridge/topics.py)']


def test_every_canonical_topic_is_implemented_now_that_hands_and_touch_are():
    spec = load_canonical()
    assert [topic.name for topic in spec.topics if topic.reserved] == []
    assert {'interop/hand/left/command', 'interop/tactile/right'} <= \
        {topic.name for topic in spec.topics}
