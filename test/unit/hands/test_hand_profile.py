"""Hand profiles load into typed objects with each side's joints where the vendor's facts put
them; a bad hand profile is refused with every problem at once."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from interop_bridge.canonical import load_canonical
from interop_bridge.errors import ProfileError
from interop_bridge.hands.hand_profile import (
    load_hand_profile, parse_hand_profile, resolve_hand_profile, shipped_hand_profiles)

# Canonical channel indices (interop_msgs/msg/HandState.msg), written out: not read from code.
THUMB_ROTATION, THUMB_FLEXION, INDEX, MIDDLE, RING, PINKY, GRIPPER = range(7)


def raw(name: str) -> dict:
    return yaml.safe_load(resolve_hand_profile(name).read_text())


def parse(document: dict):
    return parse_hand_profile(document, source='hand.yaml', spec=load_canonical())


def problems(document: dict) -> list[str]:
    with pytest.raises(ProfileError) as caught:
        parse(document)
    return [str(problem) for problem in caught.value.problems]


def test_three_hands_are_shipped():
    assert shipped_hand_profiles() == ['brainco_revo2', 'inspire_rh56_dfx', 'unitree_dex3_1']


@pytest.mark.parametrize('name', ['brainco_revo2', 'inspire_rh56_dfx', 'unitree_dex3_1'])
def test_every_shipped_hand_loads_with_both_sides_alike(name):
    hand = load_hand_profile(name)
    left, right = hand.side('left'), hand.side('right')
    assert [joint.native_name for joint in left.joints] == \
        [joint.native_name for joint in right.joints]
    assert hand.sha256 and Path(hand.source_file).name == f'{name}.yaml'
    assert GRIPPER not in hand.channels


def test_dex3_slots_follow_the_api_order_on_both_hands():
    # xr_teleoperate hand_retargeting.py (vendor-interfaces-2.md §1.1): the same on both sides.
    order = ['thumb_0', 'thumb_1', 'thumb_2', 'middle_0', 'middle_1', 'index_0', 'index_1']
    hand = load_hand_profile('unitree_dex3_1')
    for side in ('left', 'right'):
        assert [(joint.slot, joint.native_name) for joint in hand.side(side).joints] == \
            list(enumerate(order))
    assert hand.channels == (THUMB_ROTATION, THUMB_FLEXION, INDEX, MIDDLE)
    assert hand.state_type == 'unitree_hg/msg/HandState' and hand.stamp_source == 'receive'


def test_dex3_limits_are_the_urdf_ones_per_side():
    # dex3_1_l.urdf / dex3_1_r.urdf (unitree_ros, 2025-05-30), vendor-interfaces-2.md §1.1.
    urdf = {'left': {'thumb_1': (-0.611, 1.047), 'thumb_2': (0.0, 1.745),
                     'middle_0': (-1.571, 0.0), 'index_1': (-1.745, 0.0)},
            'right': {'thumb_1': (-1.047, 0.611), 'thumb_2': (-1.745, 0.0),
                      'middle_0': (0.0, 1.571), 'index_1': (0.0, 1.745)}}
    hand = load_hand_profile('unitree_dex3_1')
    for side, limits in urdf.items():
        joints = {joint.native_name: joint for joint in hand.side(side).joints}
        for name, (low, high) in limits.items():
            assert (joints[name].low, joints[name].high) == (low, high), (side, name)


def test_dex3_declares_nine_pressure_pads_with_the_vendor_no_reading_value():
    hand = load_hand_profile('unitree_dex3_1')
    assert [patch.source for patch in hand.tactile] == list(range(9))
    assert {(patch.rows, patch.cols, patch.unit) for patch in hand.tactile} == {(3, 4, 'raw')}
    assert all(patch.no_reading == (30000.0,) for patch in hand.tactile)


def test_inspire_puts_the_right_hand_first_in_its_twelve_slots():
    # vendor-interfaces.md §1.9: entries 0-5 right hand, 6-11 left; 1 = open.
    hand = load_hand_profile('inspire_rh56_dfx')
    assert [joint.slot for joint in hand.side('right').joints] == [0, 1, 2, 3, 4, 5]
    assert [joint.slot for joint in hand.side('left').joints] == [6, 7, 8, 9, 10, 11]
    assert [joint.channel for joint in hand.side('left').joints] == \
        [PINKY, RING, MIDDLE, INDEX, THUMB_FLEXION, THUMB_ROTATION]
    assert all((joint.open, joint.closed) == (1.0, 0.0) for joint in hand.side('left').joints)


def test_a_bad_hand_profile_reports_every_problem_at_once():
    document = copy.deepcopy(raw('unitree_dex3_1'))
    document['colour'] = 'red'
    document['joints'][0]['channel'] = 'thumb_twist'
    document['joints'][1]['left']['open'] = 2.0            # outside [-0.611, 1.047]
    document['joints'][2]['right']['closed'] = 0.0         # equals open
    document['joints'][4]['left']['slot'] = 5              # index_0's slot
    document['tactile'][0]['patch'] = 'fingertip'
    del document['topics']['right']
    found = problems(document)
    expected = [
        "hand.yaml: colour: got 'red', expected no such key",
        "hand.yaml: joints[0].channel: got 'thumb_twist', expected a canonical hand channel",
        'hand.yaml: joints[1].left.open: got 2.0, expected a value inside position '
        '[-0.611, 1.047]',
        'hand.yaml: joints[2].right.closed: got 0.0, expected a value other than open',
        'hand.yaml: joints[5].left.slot: got 5, expected a left slot not already used by '
        'joints[4].left',
        "hand.yaml: tactile[0].patch: got 'fingertip', expected '<finger>_<part>'",
        'hand.yaml: topics.right: got nothing (key missing), expected mapping: topics of the '
        'right hand',
    ]
    for start in expected:
        assert any(line.startswith(start) for line in found), (start, found)
    assert len(found) == len(expected), found


def test_an_unknown_hand_profile_name_lists_the_shipped_ones():
    with pytest.raises(ProfileError, match="one of \\['brainco_revo2', 'inspire_rh56_dfx'"):
        load_hand_profile('shadow_hand')


def test_a_file_named_differently_from_its_profile_is_refused(tmp_path):
    path = tmp_path / 'my_hand.yaml'
    path.write_text(yaml.safe_dump(raw('brainco_revo2')))
    with pytest.raises(ProfileError, match="name: got 'brainco_revo2', expected 'my_hand'"):
        load_hand_profile(path)


def test_check_profile_checks_the_shipped_hands_too(capsys):
    from interop_bridge import cli
    assert cli.main(['check-profile']) == 0
    out = capsys.readouterr().out
    assert 'ok: hand unitree_dex3_1 (unitree dex3_1, unitree_dex3 firmware 2025-02, 7 joints ' \
        'per side, 9 tactile pads)' in out
    assert 'ok: hand inspire_rh56_dfx (inspire rh56dfx, unitree_go_motors' in out
    assert cli.main(['check-profile', 'brainco_revo2']) == 0
    assert capsys.readouterr().out.startswith('ok: hand brainco_revo2 ')
