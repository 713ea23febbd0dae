"""The bridge core's checks on what comes in, and its health counters: a LowState with a bad
CRC is counted and never used, every stream reports its rate and age (vendor commands
included), a stale status clears when the stream resumes, an explicit NaN gain is refused."""

from __future__ import annotations

import numpy as np
import pytest
import vendor_messages as vm
from unitree_reference import lowstate_crc

from interop_bridge.bridge_core import BridgeCore, command_from_arrays
from interop_bridge.canonical import load_canonical
from interop_bridge.profile import load_profile
from interop_bridge.stream_health import AwaitedStream, SilenceWatch, stream_status

SPEC = load_canonical()
N = SPEC.joint_count
G1_STATE = vm.unitree_lowstate('hg', vm.slot_values(35))


def make_core(name: str) -> BridgeCore:
    return BridgeCore(load_profile(name), SPEC, vm.typestore().fielddefs)


def full_command(position, **fields):
    return command_from_arrays(N, np.ones(N, dtype=bool), position, [], [],
                               fields.get('stiffness', []), fields.get('damping', []))


def g1_core_with_state() -> BridgeCore:
    core = make_core('unitree_g1_29dof')
    core.on_state(G1_STATE, 0.0)
    return core


@pytest.mark.parametrize('name', ['unitree_g1_29dof', 'unitree_h1'])
def test_a_lowstate_with_a_bad_crc_is_counted_and_never_used(name):
    core = make_core(name)
    family = load_profile(name).adapter[-2:]
    q = vm.slot_values(load_profile(name).options['motor_slots'])
    good = vm.unitree_lowstate(family, q)
    assert core.on_state(good, 0.0) is not None
    held = core.canonical.position.copy()
    good_crc = lowstate_crc(vm.deserialize(good, f'unitree_{family}/msg/LowState'), family)
    wrong = vm.unitree_lowstate(family, q + np.float32(0.3), crc=good_crc)  # contents changed
    assert core.on_state(wrong, 0.01) is None
    health = core.health['state']
    assert (health.crc_errors, health.malformed) == (1, 1)
    assert list(health.reasons) == [f'unitree_{family}/msg/LowState CRC does not match its '
                                    'contents: vendor state not used']
    np.testing.assert_array_equal(core.canonical.position, held)  # the hold reference
    snapshot = health.snapshot(0.02)
    assert dict(snapshot.as_pairs())['crc_errors'] == '1'


def test_the_vendor_command_stream_reports_its_rate_and_age():
    core = g1_core_with_state()
    for step in range(10):
        core.on_state(G1_STATE, 0.02 * step)
        assert core.on_command(full_command(np.zeros(N)), 0.02 * step + 0.001).payload
    snapshot = core.health['vendor_command'].snapshot(0.2)
    assert snapshot.count == 10
    assert snapshot.age_s == pytest.approx(0.019)
    assert snapshot.rate_hz == pytest.approx(10 / 0.199)
    core.on_state(G1_STATE, 0.25)
    assert core.safe_command_due(0.35) is not None  # the safe command counts too
    assert core.health['vendor_command'].snapshot(0.4).count == 11


def test_a_stale_command_status_clears_when_commands_resume():
    core = g1_core_with_state()
    core.on_command(full_command(np.zeros(N)), 0.01)
    core.on_state(G1_STATE, 0.2)
    assert core.safe_command_due(0.2) is not None  # commands stopped 0.19 s ago: timeout
    warn, message = stream_status(core.health['command'].snapshot(0.3),
                                  core.ongoing_problem('command', 0.3))
    assert warn and message == 'no canonical command for 0.29 s: safe command (damp) sent'
    core.on_state(G1_STATE, 0.4)
    assert core.on_command(full_command(np.zeros(N)), 0.4).payload is not None
    warn, message = stream_status(core.health['command'].snapshot(0.5),
                                  core.ongoing_problem('command', 0.5))
    assert (warn, message) == (False, 'ok')
    core.on_state(G1_STATE, 0.7)  # a timeout and back, one period
    assert core.safe_command_due(0.7) is not None
    core.on_state(G1_STATE, 0.75)
    core.on_command(full_command(np.zeros(N)), 0.75)
    warn, message = stream_status(core.health['command'].snapshot(0.8),
                                  core.ongoing_problem('command', 0.8))
    assert warn and message == '1 timeout(s) since the last report, resumed'
    warn, message = stream_status(core.health['command'].snapshot(1.8),
                                  core.ongoing_problem('command', 1.8))
    assert (warn, message) == (False, "ok")  # no timeout in this period
    assert core.health['command'].timeouts == 2  # the totals stay


def test_a_stale_state_status_clears_when_the_state_resumes():
    core = g1_core_with_state()
    core.on_command(full_command(np.zeros(N)), 0.01)
    status = stream_status(core.health['state'].snapshot(0.5), core.ongoing_problem('state', 0.5))
    assert status == (True, 'no vendor state for 0.50 s: commands refused, safe command sent')
    core.on_state(G1_STATE, 0.6)
    status = stream_status(core.health['state'].snapshot(0.6), core.ongoing_problem('state', 0.6))
    assert status == (False, 'ok')


def test_an_explicit_nan_stiffness_of_a_commanded_joint_is_rejected_not_defaulted():
    core = g1_core_with_state()
    stiffness = np.full(N, 60.0)
    stiffness[3] = np.nan
    result = core.on_command(full_command(np.zeros(N), stiffness=stiffness), 0.01)
    assert result.payload is None
    assert result.outcome.rejected == 'non-finite stiffness for a commanded joint'
    damping = np.full(N, 1.0)
    damping[0] = np.nan
    assert core.on_command(full_command(np.zeros(N), damping=damping), 0.01).payload is None
    empty = core.on_command(full_command(np.zeros(N)), 0.01)  # empty: the defaults
    message = vm.deserialize(empty.payload, 'unitree_hg/msg/LowCmd')
    assert (message.motor_cmd[3].kp, message.motor_cmd[3].kd) == (150.0, 4.0)


def test_a_silent_stream_is_announced_once_after_its_limit_and_its_arrival_once():
    watch = SilenceWatch(after_s=3.0, start_s=10.0)
    assert watch.silent_for(12.9, 0) is None and not watch.announce(12.9, 0)
    assert watch.silent_for(13.5, 0) == pytest.approx(3.5)
    assert watch.announce(13.5, 0) and not watch.announce(14.0, 0)
    assert not watch.arrived(0) and watch.arrived(1) and not watch.arrived(2)
    assert watch.silent_for(20.0, 1) is None  # something arrived: not silent
    never = SilenceWatch(after_s=0.0, start_s=0.0)  # 0 disables the warning
    assert never.silent_for(100.0, 0) is None and not never.announce(100.0, 0)
    assert not SilenceWatch(3.0, 0.0).arrived(5)  # heard in time: nothing to say


def test_the_awaited_stream_is_named_as_the_vendor_dds_names_it():
    awaited = AwaitedStream('/lowstate', 'unitree_hg/msg/LowState', 0)
    text = awaited.silence_message(3.04)
    assert text.startswith('no vendor state for 3.0 s since start: waiting for DDS topic '
                           'rt/lowstate (ROS /lowstate) of type unitree_hg::msg::dds_::LowState_ '
                           'on domain 0; check ROS_DOMAIN_ID')
    assert text.endswith('(docs/deploy.md)')
    assert dict(awaited.as_pairs())['awaited_dds_topic'] == 'rt/lowstate'
