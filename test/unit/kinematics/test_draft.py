"""draft-profile on each shipped robot's kinematic fixture reproduces the shipped mapping.

The fixtures are the robots' public joint facts (test/fixtures/kinematics); the shipped
profiles were written by hand from the vendors' documentation and then proven by check-profile
--urdf. The draft sees only the model (and a sample bag): where it differs from the shipped
profile, the difference is listed below with its reason.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from bag_factory import STATE_HZ, write_vendor_bag
from bag_writing import EPISODE_EVENT, Entry, episode_event, write_bag
from kinematic_fixtures import SHIPPED, write_urdf

from interop_bridge.cli import main
from interop_bridge.errors import KinematicsError
from interop_bridge.kinematics.draft_bag import read_bag_facts
from interop_bridge.kinematics.draft_body import draft_mapping
from interop_bridge.kinematics.model import load_model
from interop_bridge.kinematics.profile_check import check_profile_kinematics
from interop_bridge.profile import load_profile

# Joints the shipped profile maps differently, and why (everything else must be equal).
EXPECTED_DIFFERENCES = {
    # TALOS's shoulder pan has no canonical joint: shipped as an extra too; the grippers are
    # read as grippers by the shipped profile (hands are not body joints).
    'pal_talos': {'gripper_left_joint': 'extra', 'gripper_right_joint': 'extra'},
}


def mapping_of(robot: str, tmp_path: Path) -> dict[str, tuple[str | None, int, float]]:
    draft = draft_mapping(load_model(write_urdf(robot, tmp_path / f'{robot}.urdf')))
    return {joint.native_name: (joint.canonical, joint.sign, joint.offset)
            for joint in draft.joints}


@pytest.mark.parametrize('robot', SHIPPED)
def test_the_draft_reproduces_the_shipped_joint_mapping(robot: str, tmp_path: Path):
    drafted = mapping_of(robot, tmp_path)
    shipped = {joint.native_name: (joint.canonical, joint.sign, joint.offset)
               for joint in load_profile(robot).joints}
    differences = {}
    for native, (canonical, sign, offset) in drafted.items():
        if native not in shipped:
            if canonical is not None:
                differences[native] = f'drafted {canonical}, not mapped when shipped'
            continue
        want = shipped[native]
        if (canonical, sign) != want[:2] or not math.isclose(offset, want[2], abs_tol=1e-6):
            differences[native] = f'drafted {(canonical, sign, offset)}, shipped {want}'
    assert differences == {}
    extras = {native for native, (canonical, _, _) in drafted.items() if canonical is None}
    shipped_extras = {extra.name.split('/', 1)[1] for extra in load_profile(robot).extra}
    expected = set(EXPECTED_DIFFERENCES.get(robot, {}))
    assert extras - shipped_extras == expected
    assert set(shipped) <= set(drafted)


@pytest.mark.parametrize('robot', ['booster_t1', 'pal_talos', 'unitree_h1'])
def test_a_written_draft_loads_and_passes_check_profile_urdf(robot: str, tmp_path: Path,
                                                             capsys):
    model = write_urdf(robot, tmp_path / f'{robot}.urdf')
    out = tmp_path / f'{robot}_draft.yaml'
    assert main(['draft-profile', '--urdf', str(model), '--out', str(out)]) == 0
    assert 'ok: the draft passes check-profile --urdf' in capsys.readouterr().out
    profile = load_profile(out)
    assert profile.kinematics.model == str(model)
    checked = load_model(model)
    checked.set_base(profile.kinematics.base)  # the T1's pelvis is not its root
    assert check_profile_kinematics(profile, checked).problems == []
    assert 'REVIEW' in out.read_text()


def test_a_sample_bag_gives_the_adapter_slots_topics_and_rate(tmp_path: Path):
    bag = write_vendor_bag(tmp_path / 'g1', 'unitree_g1_29dof', camera=False, commands=True)
    facts = read_bag_facts(bag)
    assert (facts.adapter.name, facts.slots, facts.state_topic, facts.command_topic) == (
        'unitree_hg', 35, '/lowstate', '/lowcmd')
    assert facts.rate_hz == pytest.approx(STATE_HZ, rel=0.01)
    out = tmp_path / 'g1.yaml'
    model = write_urdf('unitree_g1_29dof', tmp_path / 'g1.urdf')
    assert main(['draft-profile', '--urdf', str(model), '--bag', str(bag), '--out',
                 str(out)]) == 0
    profile = load_profile(out)
    shipped = load_profile('unitree_g1_29dof')
    # the G1's slot order is the URDF's joint order, so the guessed slots are right here
    assert [(j.canonical, j.source) for j in profile.joints] == [
        (j.canonical, j.source) for j in shipped.joints]
    assert profile.state_rate_hz == pytest.approx(STATE_HZ, rel=0.01)


def test_a_joint_state_bag_gives_names_and_the_imu_topic(tmp_path: Path):
    bag = write_vendor_bag(tmp_path / 'talos', 'pal_talos', camera=False)
    facts = read_bag_facts(bag)
    assert facts.adapter.name == 'ros2_control'
    assert set(facts.names) >= {joint.native_name for joint in load_profile('pal_talos').joints}


def test_bad_inputs_are_refused_with_the_reason(tmp_path: Path, capsys):
    arm = tmp_path / 'arm.urdf'
    arm.write_text('<robot name="a"><link name="base"/><link name="l"/>'
                   '<joint name="j" type="revolute"><parent link="base"/><child link="l"/>'
                   '<axis xyz="0 1 0"/><limit lower="-1" upper="1" effort="1" velocity="1"/>'
                   '</joint></robot>')
    with pytest.raises(KinematicsError, match='fewer than two branch tips'):
        draft_mapping(load_model(arm))
    out = tmp_path / 'exists.yaml'
    out.write_text('keep me')
    assert main(['draft-profile', '--urdf', str(arm), '--out', str(out)]) == 1
    assert 'exists; give --force' in capsys.readouterr().err
    assert out.read_text() == 'keep me'
    events_only = write_bag(tmp_path / 'events', [Entry(
        '/interop/episode', EPISODE_EVENT, 1, episode_event(1, 1, 'e', 'task'))])
    with pytest.raises(KinematicsError, match='no topic of a supported state type'):
        read_bag_facts(events_only)
