"""A profile that does not fit the recording is refused, with the reason, before any writing.

The recordings hold what the robot's own messages say: which Unitree motor slots carry data
(a G1-23 has no motors at slots 13, 14, 20, 21, 27, 28; an H1-2 none from 27 on; vendor
interfaces §1.5), how many serial motors a Booster reports, which names a JointState lists,
and the embodiment the project's recorder latched.
"""

from __future__ import annotations

from pathlib import Path

import bag_factory as bf
import embodied_bags
import numpy as np
import pytest
import vendor_messages as vm
from bag_writing import Entry, joint_entries, write_bag

from interop_bridge.canonical import load_canonical
from interop_bridge.cli import main
from interop_bridge.errors import ExportError
from interop_bridge.export.planning import ExportRequest, plan_bag

G1_23_ABSENT = (13, 14, 20, 21, 27, 28)  # vendor-interfaces.md §1.5, "INVALID for g1 23dof"
LAYOUTS = {'g1_29': range(29), 'g1_23': [s for s in range(29) if s not in G1_23_ABSENT],
           'h1_2': range(27)}  # motor slots that carry data on each robot; the rest read 0


def unitree_bag(path: Path, layout: str, messages: int = 120) -> Path:
    """A LowState recording (300 Hz) in which only the layout's slots carry data."""
    present = np.zeros(35, dtype=bool)
    present[list(LAYOUTS[layout])] = True
    entries = []
    for tick in range(messages):
        t = tick / bf.STATE_HZ
        q = np.asarray([bf.native_value(slot, t) if present[slot] else 0.0
                        for slot in range(35)], dtype=np.float32)
        entries.append(Entry('/lowstate', 'unitree_hg/msg/LowState',
                             bf.START_NS + tick * bf.NS // bf.STATE_HZ,
                             vm.unitree_lowstate('hg', q, tick=tick)))
    return write_bag(path, entries, typestore=vm.typestore())


def plan(bag: Path, profile: str | None, **options):
    request = ExportRequest(bags=(bag,), out=bag.parent / 'ds', task='wave', profile=profile,
                            **options)
    return plan_bag(bag, request, load_canonical())


@pytest.mark.parametrize('layout,profile', [('g1_29', 'unitree_g1_29dof'),
                                            ('g1_23', 'unitree_g1_23dof'),
                                            ('h1_2', 'unitree_h1_2')])
def test_a_unitree_recording_plans_with_the_profile_of_its_own_robot(layout, profile, tmp_path):
    assert plan(unitree_bag(tmp_path / 'bag', layout), profile).robot.profile.name == profile


def test_a_g1_23_recording_read_as_a_g1_29_names_the_slots_without_motors(tmp_path):
    with pytest.raises(ExportError) as refused:
        plan(unitree_bag(tmp_path / 'bag', 'g1_23'), 'unitree_g1_29dof')
    assert 'profile unitree_g1_29dof reads slots [13, 14, 20, 21, 27, 28]' in str(refused.value)
    assert 'waist_roll_joint' in str(refused.value)
    assert 'all 120 sampled messages, LowState mode_machine 5' in str(refused.value)


@pytest.mark.parametrize('profile,slots', [('unitree_h1_2', [27, 28]),
                                           ('unitree_g1_23dof', list(G1_23_ABSENT))])
def test_a_g1_29_recording_read_with_fewer_joints_names_the_slots_it_would_drop(
        profile, slots, tmp_path):
    with pytest.raises(ExportError) as refused:
        plan(unitree_bag(tmp_path / 'bag', 'g1_29'), profile)
    assert f'slots {slots} carry motor data that profile {profile} does not read' in \
        str(refused.value)
    assert '(29 of 35 slots carry data' in str(refused.value)


def test_a_t1_recording_exported_as_a_g1_is_one_error_line_and_writes_nothing(tmp_path, capsys):
    bag = embodied_bags.embodied_vendor_bag(tmp_path / 't1', 'booster_t1', duration_s=0.5)
    out = tmp_path / 'ds'
    code = main(['export', str(bag), '--profile', 'unitree_g1_29dof', '--task', 'wave',
                 '--out', str(out)])
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith('error')]
    assert code == 1 and not out.exists()
    assert len(errors) == 1
    assert 'the recorded embodiment names profile booster_t1' in errors[0]
    assert '--profile unitree_g1_29dof is unitree g1_29dof' in errors[0]


def test_the_recorded_profile_given_again_as_option_is_accepted(tmp_path):
    bag = embodied_bags.embodied_vendor_bag(tmp_path / 't1', 'booster_t1', duration_s=0.5)
    assert plan(bag, 'booster_t1').robot.profile.name == 'booster_t1'


def test_a_booster_with_29_serial_motors_does_not_fit_the_23_motor_t1(tmp_path):
    q = np.full(29, 0.1, dtype=np.float32)
    entries = [Entry('/low_state', 'booster_interface/msg/LowState',
                     bf.START_NS + k * bf.NS // bf.STATE_HZ, vm.booster_lowstate(q))
               for k in range(10)]
    bag = write_bag(tmp_path / 'bag', entries, typestore=vm.typestore())
    with pytest.raises(ExportError) as refused:
        plan(bag, 'booster_t1')
    assert 'motor_state_serial has 29 motors, the profile expects 23' in str(refused.value)


def test_a_joint_state_without_the_profile_names_is_refused(tmp_path):
    bag = write_bag(tmp_path / 'bag', joint_entries('/joint_states', 10, bf.START_NS,
                                                    bf.NS // 100, width=3))
    with pytest.raises(ExportError) as refused:
        plan(bag, 'pal_talos')
    assert 'of profile pal_talos are not in the recorded JointState names' in \
        str(refused.value)
    assert "['j0', 'j1', 'j2']" in str(refused.value)
