"""Every declared key of a profile's extras, wrenches, grippers, command section and adapter
options changes what the bridge does (the rest: test_profile_key_effects.py).

Each effect test changes one key of a shipped profile and checks the outcome against values
computed by hand, never against the profile's own mapping.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import vendor_messages as vm
from key_effects import (
    G1_HIP_PITCH, G1_KNEE, HIP_YAW, KNEE, N, SPEC, core_of, effects_of, g1_core,
    knee_command, lowcmd, run_effect, uncovered_keys)
from profile_variants import set_key, variant

from interop_bridge.bridge_core import BridgeCore, command_from_arrays
from interop_bridge.errors import ProfileError
from interop_bridge.profile import load_profile
from interop_bridge.vendors.registry import sections

SECTIONS = {'extra', 'wrenches', 'grippers', 'command', *sections()}


# ----- extras, wrenches, grippers -------------------------------------------------------------

def effect_extra_name(tmp_path):
    state = g1_core(tmp_path, set_key('extra', [{'name': 'unitree/weight_slot', 'source': 29}]))
    assert state.canonical.extra_names == ('unitree/weight_slot',)


def effect_extra_source(tmp_path):
    state = g1_core(tmp_path, set_key('extra', [{'name': 'unitree/slot_30', 'source': 30}]))
    assert state.canonical.extra_position.tolist() == [pytest.approx(0.2)]  # slot 30


def talos_wrench(tmp_path: Path, edit: Callable[[dict[str, Any]], None]) -> BridgeCore:
    core = core_of(variant(tmp_path, 'pal_talos', edit))
    for sensor in core.profile.wrenches:
        core.on_wrench(sensor.frame, vm.wrench_stamped(force=(1.0, 2.0, 3.0),
                                                       torque=(4.0, 5.0, 6.0)))
    return core


def effect_wrenches_frame(tmp_path):
    core = talos_wrench(tmp_path, set_key('wrenches.0.frame', 'l_wrist'))
    assert sorted(core.wrenches) == ['l_wrist', 'r_sole']


def effect_wrenches_topic(tmp_path):
    core = core_of(variant(tmp_path, 'pal_talos', set_key('wrenches.0.topic', '/ft/left')))
    assert ('l_sole', '/ft/left', 'geometry_msgs/msg/WrenchStamped') in [
        (topic.role, topic.topic, topic.typename) for topic in core.vendor_topics()]


def effect_wrenches_force_axes(tmp_path):
    core = talos_wrench(tmp_path, set_key('wrenches.0.force_axes', [-1, 1, -1]))
    assert core.wrenches['l_sole'].tolist() == [-1.0, 2.0, -3.0, 4.0, -5.0, -6.0]


def effect_wrenches_torque_axes(tmp_path):
    core = talos_wrench(tmp_path, set_key('wrenches.0.torque_axes', [1, 1, 1]))
    assert core.wrenches['l_sole'].tolist() == [1.0, -2.0, -3.0, 4.0, 5.0, 6.0]


def talos_closure(tmp_path: Path, edit: Callable[[dict[str, Any]], None],
                  side: str = 'left') -> float:
    core = core_of(variant(tmp_path, 'pal_talos', edit))
    names = [str(entry.source) for entry in (*core.profile.joints, *core.profile.extra,
                                             *core.profile.grippers)]
    q = np.zeros(len(names))
    q[names.index('gripper_left_joint')] = -0.24
    state = core.on_state(vm.joint_state(names, q), 0.0)
    return float(state.hand_closure[SPEC.hand_channel_names(side).index(f'{side}_gripper')
                                    + (len(SPEC.hand_channels) if side == 'right' else 0)])


def effect_grippers_side(tmp_path):
    def edit(raw):
        raw['grippers'] = [{**raw['grippers'][0], 'side': 'right'}]
    assert talos_closure(tmp_path, edit, side='right') == pytest.approx(0.24 / 0.959931)


def effect_grippers_source(tmp_path):
    def edit(raw):
        raw['grippers'][0]['source'] = 'gripper_right_joint'
        raw['grippers'][1]['source'] = 'gripper_left_joint'
    assert talos_closure(tmp_path, edit) == pytest.approx(0.0)  # right joint reads 0


def effect_grippers_open(tmp_path):
    assert talos_closure(tmp_path, set_key('grippers.0.open', 0.2)) == pytest.approx(
        (-0.24 - 0.2) / (-0.959931 - 0.2))


def effect_grippers_closed(tmp_path):
    assert talos_closure(tmp_path, set_key('grippers.0.closed', -0.48)) == pytest.approx(0.5)


# ----- command --------------------------------------------------------------------------------

def effect_command_limit_policy(tmp_path):
    core = g1_core(tmp_path, set_key('command.limit_policy', 'reject'))
    assert knee_command(core, 9.0).outcome.rejected == '1 values outside the profile limits'


def effect_command_timeout_s(tmp_path):
    core = g1_core(tmp_path, set_key('command.timeout_s', 0.5))
    knee_command(core, 0.5)
    for now in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6):  # the vendor state stays fresh
        core.on_state(vm.unitree_lowstate('hg', vm.slot_values(35)), now)
    assert core.safe_command_due(0.3) is None  # 0.29 s after the command
    assert core.safe_command_due(0.6) is not None


def effect_command_state_timeout_s(tmp_path):
    core = g1_core(tmp_path, set_key('command.state_timeout_s', 0.5))  # state at 0.0
    assert knee_command(core, 0.5).payload is not None
    late = core.on_command(command_from_arrays(N, np.zeros(N, dtype=bool), np.zeros(N), [],
                                               [], [], []), 0.6)
    assert late.outcome.rejected == 'vendor state older than 0.5 s: nothing is forwarded'
    assert core.health['state'].timeouts == 0
    core.safe_command_due(0.6)
    assert core.health['state'].timeouts == 1


def effect_command_on_timeout(tmp_path):
    core = g1_core(tmp_path, set_key('command.on_timeout', 'hold'))
    knee_command(core, 0.5)
    message = vm.deserialize(core.safe_command_due(1.0), 'unitree_hg/msg/LowCmd')
    assert message.motor_cmd[KNEE].kp == G1_KNEE['stiffness']  # its default: hold
    assert message.motor_cmd[KNEE].q == pytest.approx(-0.07)  # measured


def effect_command_timeout_damping(tmp_path):
    core = g1_core(tmp_path, set_key('command.timeout_damping', 4.5))
    knee_command(core, 0.5)
    message = vm.deserialize(core.safe_command_due(1.0), 'unitree_hg/msg/LowCmd')
    assert (message.motor_cmd[KNEE].kp, message.motor_cmd[KNEE].kd) == (0.0, 4.5)


def effect_command_uncommanded(tmp_path):
    core = g1_core(tmp_path, set_key('command.uncommanded', 'damp'))
    message = lowcmd(knee_command(core, 0.5))
    assert message.motor_cmd[0].kp == 0.0  # damped
    assert message.motor_cmd[0].kd == G1_HIP_PITCH['damping']
    assert message.motor_cmd[KNEE].kp == G1_KNEE['stiffness']


# ----- adapter options ------------------------------------------------------------------------

def effect_unitree_motor_slots(tmp_path):
    with pytest.raises(ProfileError, match=r'joints\[28\].source: got 28, expected a slot '
                                           'index below 20'):
        variant(tmp_path, 'unitree_g1_29dof', set_key('unitree.motor_slots', 20))


def effect_unitree_mode_pr(tmp_path):
    core = g1_core(tmp_path, set_key('unitree.mode_pr', 1))
    assert lowcmd(knee_command(core, 0.5)).mode_pr == 1


def effect_unitree_motor_mode(tmp_path):
    core = g1_core(tmp_path, set_key('unitree.motor_mode', 10))
    message = lowcmd(knee_command(core, 0.5))
    assert message.motor_cmd[KNEE].mode == 10 and message.motor_cmd[30].mode == 0


def effect_unitree_weight_slot(tmp_path):
    core = g1_core(tmp_path, set_key('unitree.weight_slot', 29))
    assert lowcmd(knee_command(core, 0.5)).motor_cmd[29].q == 1.0  # the default weight


def effect_unitree_weight(tmp_path):
    def edit(raw):
        raw['unitree'].update(weight_slot=29, weight=0.25)
    assert lowcmd(knee_command(g1_core(tmp_path, edit), 0.5)).motor_cmd[29].q == 0.25


def effect_booster_motor_count(tmp_path):
    core = core_of(variant(tmp_path, 'booster_t1', set_key('booster.motor_count', 24)))
    result = core.on_state(vm.booster_lowstate(vm.slot_values(23)), 0.0)
    assert result is None
    assert core.health['state'].reasons == {
        'booster_interface/msg/LowState: motor_state_serial has 23 motors, the profile '
        'expects 24': 1}


def talos_command(tmp_path: Path, edit: Callable[[dict[str, Any]], None]) -> list[float]:
    """TALOS (leg joints: sign 1, offset 0) commanded knee 0.3 rad, 0.5 rad/s; hip yaw 0.1."""
    core = core_of(variant(tmp_path, 'pal_talos', edit))
    raw, _, _ = vm.profile_state(core.profile)
    core.on_state(raw, 0.0)
    position, velocity = np.zeros(N), np.zeros(N)
    position[KNEE], velocity[KNEE], position[HIP_YAW] = 0.3, 0.5, 0.1
    result = core.on_command(command_from_arrays(N, core.limits.present, position, velocity,
                                                 [], [], []), 0.01)
    return list(vm.deserialize(result.payload, 'std_msgs/msg/Float64MultiArray').data)


def effect_ros2_control_command_interface(tmp_path):
    order = list(load_profile('pal_talos').options['controller_joints'])
    data = talos_command(tmp_path, set_key('ros2_control.command_interface', 'velocity'))
    assert data[order.index('leg_left_4_joint')] == pytest.approx(0.5)  # the knee velocity
    assert data[order.index('arm_left_1_joint')] == 0.0  # an extra: no velocity
    positions = talos_command(tmp_path, lambda raw: None)
    assert positions[order.index('leg_left_4_joint')] == pytest.approx(0.3)


def effect_ros2_control_controller_joints(tmp_path):
    def edit(raw):
        raw['ros2_control']['controller_joints'] = ['leg_left_4_joint', 'leg_left_1_joint']
    assert talos_command(tmp_path, edit) == [pytest.approx(0.3), pytest.approx(0.1)]


EFFECTS = effects_of(dict(globals()))


def test_every_key_of_these_sections_has_an_effect_test():
    assert uncovered_keys(EFFECTS, SECTIONS) == set()


@pytest.mark.parametrize('key', sorted(EFFECTS))
def test_changing_the_key_changes_the_outcome(key, tmp_path, capsys):
    run_effect(EFFECTS[key], tmp_path, capsys)
