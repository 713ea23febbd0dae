"""The bridge (Fast DDS, the project's rmw) beside a vendor-side DDS stack (CycloneDDS) that
speaks the robots' wire types as they do: a G1 on `rt/lowstate` / `rt/lowcmd`, a Booster T1 on
`rt/low_state` / `rt/joint_ctrl`, with the documented deployment settings on loopback
(deployment.py). The robot process (vendor_robot.py) declares its IDL types itself and
imports nothing of the bridge; the LowCmd CRC is checked with the test's own reference
(test/unitree_reference.py).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import unitree_reference
from ros_process import spin_until, stop_all
from vendor_dds.deployment import bridge_env, robot_env
from vendor_dds.vendor_state import G1_MODE_MACHINE, slot_value

from interop_bridge import topics
from interop_bridge.canonical import load_canonical
from interop_bridge.nodes.qos import canonical_qos
from interop_bridge.profile import load_profile

HERE = Path(__file__).resolve().parent
SPEC = load_canonical()
NAMESPACE = '/beside_robot'
PROFILES = {'g1': 'unitree_g1_29dof', 't1': 'booster_t1'}
CLAMPED = 'left_knee'  # commanded past its upper limit, with 10 x its stiffness_max
COMMAND_S, COMMAND_HZ = 1.0, 50.0
AFTER_STOP_S = 0.6  # the watchdog's safe commands arrive meanwhile
F32 = 1e-5  # values travel as float32
pytestmark = pytest.mark.timeout(90)


def native_target(joint) -> float:
    """What each joint is commanded to, native; the clamped joint past its upper limit."""
    return joint.position[1] + 0.3 if joint.canonical == CLAMPED else \
        float(np.clip(0.05, *joint.position))


def canonical_command(profile):
    from interop_msgs.msg import WholeBodyCommand
    message = WholeBodyCommand()
    joints = {joint.index: joint for joint in profile.joints}
    message.commanded = [index in joints for index in range(SPEC.joint_count)]
    message.position = [joints[i].gain * native_target(joints[i]) + joints[i].offset
                        if i in joints else 0.0 for i in range(SPEC.joint_count)]
    message.stiffness = [(10 * joints[i].stiffness_max if joints[i].canonical == CLAMPED
                          else joints[i].stiffness) if i in joints else 0.0
                         for i in range(SPEC.joint_count)]
    return message


def drive(start_process, ros_node, tmp_path, robot: str):
    """Run the robot and its bridge, command for COMMAND_S, stop; (states, commands, stop
    time, bridge output)."""
    from interop_msgs.msg import WholeBodyCommand, WholeBodyState
    profile = load_profile(PROFILES[robot])
    received = tmp_path / 'commands.jsonl'
    vendor = start_process(sys.executable, str(HERE / 'vendor_robot.py'), '--robot', robot,
                           '--commands', str(received), env=robot_env(), name='vendor_robot')
    vendor.wait_for_output('vendor_robot: ready')
    bridge = start_process(sys.executable, '-m', 'interop_bridge.nodes.bridge', '--ros-args',
                           '-p', f'profile:={profile.name}', '-r', f'__ns:={NAMESPACE}',
                           env=bridge_env(tmp_path), name='bridge')
    bridge.wait_for_output('bridge ready')
    states: list[Any] = []
    ros_node.create_subscription(WholeBodyState, f'{NAMESPACE}/{topics.STATE}', states.append,
                                 canonical_qos(SPEC.topic(topics.STATE)))
    assert spin_until(ros_node, lambda: len(states) > 10, timeout=30), bridge.output()
    publisher = ros_node.create_publisher(WholeBodyCommand, f'{NAMESPACE}/{topics.COMMAND}',
                                          canonical_qos(SPEC.topic(topics.COMMAND)))
    message = canonical_command(profile)
    timer = ros_node.create_timer(1.0 / COMMAND_HZ, lambda: publisher.publish(message))
    spin_until(ros_node, lambda: False, timeout=COMMAND_S)
    ros_node.destroy_timer(timer)
    stopped_s = time.monotonic()
    spin_until(ros_node, lambda: False, timeout=AFTER_STOP_S)
    output = bridge.output()
    stop_all([bridge, vendor])
    commands = [json.loads(line) for line in received.read_text().splitlines()]
    return profile, states, commands, stopped_s, output


def as_message(value: Any) -> Any:
    """A JSON record as attribute access, as unitree_reference reads messages."""
    if isinstance(value, dict):
        return SimpleNamespace(**{key: as_message(item) for key, item in value.items()})
    if isinstance(value, list):
        return [as_message(item) for item in value]
    return value


def check_state(profile, state) -> None:
    for joint in profile.joints:
        q = slot_value(joint.source)
        assert state.valid[joint.index], joint.canonical
        assert state.position[joint.index] == pytest.approx(joint.gain * q + joint.offset,
                                                            abs=F32), joint.canonical
        assert state.velocity[joint.index] == pytest.approx(joint.gain * q / 2, abs=F32)
        assert state.effort[joint.index] == pytest.approx(-joint.sign * q, abs=F32)
    absent = set(range(SPEC.joint_count)) - {joint.index for joint in profile.joints}
    assert not any(state.valid[index] for index in absent)


def is_safe(profile, motors) -> bool:
    """The damp safe command: no stiffness, the timeout damping, the measured positions."""
    damping = profile.command.timeout_damping
    return all(motors[j.source]['kp'] == 0.0 and
               motors[j.source]['kd'] == pytest.approx(damping, abs=F32) and
               motors[j.source]['q'] == pytest.approx(
                   float(np.clip(slot_value(j.source), *j.position)), abs=F32)
               for j in profile.joints)


def check_forwarded(profile, motors) -> None:
    for joint in profile.joints:
        motor = motors[joint.source]
        expected = min(native_target(joint), joint.position[1])
        assert motor['q'] == pytest.approx(expected, abs=F32), joint.canonical
        kp = joint.stiffness_max if joint.canonical == CLAMPED else joint.stiffness
        assert motor['kp'] == pytest.approx(kp, abs=F32), joint.canonical
    clamped = profile.joint(CLAMPED)
    assert motors[clamped.source]['q'] == pytest.approx(clamped.position[1], abs=F32)


def check_commands(profile, commands, stopped_s, motors_of) -> None:
    safe = [is_safe(profile, motors_of(command)) for command in commands]
    assert safe[-1], commands[-1]  # commands stopped: the watchdog's safe command
    first_safe = safe.index(True)
    assert all(safe[first_safe:])  # and nothing else once it began
    assert commands[first_safe]['received_s'] > stopped_s
    forwarded = commands[:first_safe]
    assert len(forwarded) >= COMMAND_S * COMMAND_HZ / 2, len(forwarded)
    for command in forwarded:
        check_forwarded(profile, motors_of(command))


def test_a_g1_on_cyclonedds_is_mapped_commanded_with_its_crc_and_made_safe(
        start_process, ros_node, tmp_path):
    profile, states, commands, stopped_s, output = drive(start_process, ros_node, tmp_path,
                                                         'g1')
    assert 'state /lowstate -> interop/state' in output and 'XMLPARSER' not in output
    check_state(profile, states[-1])
    assert commands, output
    for command in commands:
        assert command['mode_machine'] == G1_MODE_MACHINE  # echoed from the state
        image = unitree_reference.hg_lowcmd_bytes(as_message(command))
        assert command['crc'] == unitree_reference.crc32_bitwise(image)
        assert all(command['motor_cmd'][j.source]['mode'] == 1 for j in profile.joints)
    check_commands(profile, commands, stopped_s, lambda command: command['motor_cmd'])


def test_a_booster_t1_on_cyclonedds_is_mapped_commanded_serial_and_made_safe(
        start_process, ros_node, tmp_path):
    profile, states, commands, stopped_s, output = drive(start_process, ros_node, tmp_path,
                                                         't1')
    assert 'state /low_state -> interop/state' in output and 'XMLPARSER' not in output
    check_state(profile, states[-1])
    assert commands, output
    for command in commands:
        assert command['cmd_type'] == 1  # SERIAL: joint space
        assert len(command['motor_cmd']) == profile.options['motor_count']
    check_commands(profile, commands, stopped_s, lambda command: command['motor_cmd'])
