"""Over real DDS: nothing unsafe leaves the bridge, whatever comes in (issue 13, item 2).

Every LowCmd the bridge sends, from commands, holds of joints not commanded, the safe command
after a command timeout and after the vendor state went stale, is finite and inside the
profile's limits; a LowState with a bad CRC is counted and never used; an explicit NaN gain is
refused. Assertions are on values and counts, never on tight timing.
"""

from __future__ import annotations

import re
import signal

import numpy as np
import pytest
import vendor_messages as vm
from bridge_probe import (
    N, diagnostic_status, diagnostics_probe, g1_bridge_fed_with_state, holding_g1_profile,
    publish_command, status_values, unsafe_targets)
from ros_process import spin_until
from unitree_reference import lowstate_crc

from interop_bridge.profile import load_profile

PROFILE = load_profile('unitree_g1_29dof')


def assert_inside_limits(command) -> None:
    """Every enabled motor of a LowCmd: finite, and inside its joint's limits."""
    assert unsafe_targets(command, PROFILE) == []


@pytest.mark.parametrize('variant', ['damp', 'hold'])
def test_every_target_from_any_source_is_finite_and_inside_the_limits(
        ros_node, start_process, tmp_path, variant):
    namespace = f'/limits_g1_{variant}'
    profile = 'unitree_g1_29dof' if variant == 'damp' else holding_g1_profile(tmp_path)
    bridge, probe, commands = g1_bridge_fed_with_state(ros_node, start_process, namespace,
                                                       profile)
    good = vm.slot_values(35, 0.05)
    states = [good.copy() for _ in range(4)]
    states[1][3] = 1e9  # the knee: impossible, never a hold reference
    states[2][0] = 3.5  # the hip pitch, 0.62 rad past its limit 2.88: the same
    states[3][3] = -0.2  # the knee 0.11 rad past its lower limit: held at the limit
    raws = [vm.unitree_lowstate('hg', q) for q in states]
    raws.append(vm.unitree_lowstate('hg', good - 5.0, crc=1))  # a bad CRC: never used
    probe.timer.cancel()
    sent = 0

    def cycle() -> None:
        nonlocal sent
        probe.state_pub.publish(raws[sent % len(raws)])
        sent += 1
    state_timer = ros_node.create_timer(0.005, cycle)
    wild = np.linspace(-9.0, 9.0, N)  # far beyond every limit, both ways
    partial = [index % 3 == 0 for index in range(N)]  # the others are held
    sources = [dict(position=wild, velocity=[1e4] * N, effort=[-1e4] * N,
                    stiffness=[1e5] * N, damping=[1e3] * N),
               dict(position=-wild, commanded=partial, stiffness=[-5.0] * N),
               dict(position=np.zeros(N), commanded=[False] * N)]
    for fields in sources:
        count = len(commands)
        publisher, message = publish_command(ros_node, namespace, **fields)
        timer = ros_node.create_timer(0.02, lambda p=publisher, m=message: p.publish(m))
        assert spin_until(ros_node, lambda c=count: len(commands) > c + 5), bridge.output()
        timer.cancel()
    count = len(commands)  # commands stop: the safe command at the state rate
    assert spin_until(ros_node, lambda: len(commands) > count + 5), bridge.output()
    safe = commands[-1]  # damp: no stiffness; hold: the default gains
    assert all((motor.kp > 0.0) == (variant == 'hold') for motor in safe.motor_cmd[:29])
    state_timer.cancel()  # the state goes stale: the safe command from the watchdog
    count = len(commands)
    assert spin_until(ros_node, lambda: len(commands) > count + 3), bridge.output()
    assert commands, bridge.output()
    for command in commands:
        assert_inside_limits(command)
    assert any(c.motor_cmd[3].q == pytest.approx(-0.087267, abs=1e-6) for c in commands)
    assert all(c.motor_cmd[3].q < 2.8799 and c.motor_cmd[0].q < 2.8799 for c in commands)
    assert bridge.stop(signal.SIGINT) == 0
    crc_errors = re.search(r'malformed, (\d+) CRC errors', bridge.output())
    assert crc_errors and int(crc_errors.group(1)) > 0, bridge.output()


def test_a_lowstate_with_a_bad_crc_is_counted_never_published_nor_held(
        ros_node, start_process):
    namespace = '/crc_g1'
    bridge, probe, commands = g1_bridge_fed_with_state(ros_node, start_process, namespace)
    diagnostics = diagnostics_probe(ros_node)
    good = vm.slot_values(35, 0.05)
    message = vm.deserialize(vm.unitree_lowstate('hg', good), 'unitree_hg/msg/LowState')
    moved = good + np.float32(0.5)  # in range: only the CRC tells it is corrupt
    probe.raw = vm.unitree_lowstate('hg', moved, crc=lowstate_crc(message, 'hg'))
    name = f'{namespace}/bridge: vendor state'
    assert spin_until(ros_node, lambda: (status := diagnostic_status(diagnostics, name))
                      is not None and int(status_values(status)['crc_errors']) >= 5), \
        bridge.output()
    status = diagnostic_status(diagnostics, name)
    assert status.level == status.WARN
    assert 'unitree_hg/msg/LowState CRC does not match its contents' in status.message
    seen = len(probe.received['state'])
    commanded = [False] * N
    commanded[5] = True
    publisher, command = publish_command(ros_node, namespace, np.zeros(N), commanded=commanded)
    ros_node.create_timer(0.02, lambda: publisher.publish(command))
    spin_until(ros_node, lambda: False, timeout=0.5)
    assert all(state.position[0] == pytest.approx(good[0], abs=1e-6)
               for state in probe.received['state'])  # the corrupt values never went out
    assert len(probe.received['state']) <= seen + 1
    assert all(c.motor_cmd[0].q == pytest.approx(good[0], abs=1e-6) for c in commands)
    assert bridge.stop(signal.SIGINT) == 0


def test_an_explicit_nan_stiffness_is_refused_not_replaced_by_the_default(
        ros_node, start_process):
    namespace = '/nan_gain_g1'
    bridge, probe, commands = g1_bridge_fed_with_state(ros_node, start_process, namespace)
    stiffness = [60.0] * N
    stiffness[3] = float('nan')
    publish_command(ros_node, namespace, np.zeros(N), stiffness=stiffness)
    bridge.wait_for_output('command rejected: non-finite stiffness for a commanded joint')
    assert commands == []
    publish_command(ros_node, namespace, np.zeros(N))  # empty gains: the profile defaults
    assert spin_until(ros_node, lambda: commands), bridge.output()
    assert (commands[0].motor_cmd[3].kp, commands[0].motor_cmd[3].kd) == (150.0, 4.0)
    assert bridge.stop(signal.SIGINT) == 0
