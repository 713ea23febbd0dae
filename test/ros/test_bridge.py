"""The bridge node over real DDS: vendor bytes in, exact canonical values out, and back."""

from __future__ import annotations

import re
import signal
import sys

import numpy as np
import pytest
import vendor_messages as vm
from bridge_probe import (
    SPEC, N, Probe, diagnostic_status, g1_bridge_fed_with_state, publish_command, start_bridge,
    vendor_state)
from kinematic_fixtures import profile_with_model
from ros_process import spin_until
from unitree_reference import crc32_bitwise, hg_lowcmd_bytes

from interop_bridge.kinematics.task_space import task_space_for
from interop_bridge.profile import load_profile, shipped_profiles


@pytest.mark.parametrize('name', shipped_profiles())
def test_every_profile_maps_known_vendor_values_to_exact_canonical_values(
        name, ros_node, start_process):
    profile = load_profile(name)
    namespace = f'/map_{name}'
    bridge = start_bridge(start_process, name, namespace)
    typename, topic, raw, native_of = vendor_state(profile)
    probe = Probe(ros_node, namespace, typename, topic, raw)
    assert spin_until(ros_node, lambda: probe.received['state'] and probe.received['embodiment']
                      and probe.received['joint_states']), bridge.output()
    state = probe.received['state'][-1]
    position = np.asarray(state.position)
    for joint in profile.joints:
        expected = joint.sign * joint.scale * float(native_of(joint.source)) + joint.offset
        assert position[joint.index] == pytest.approx(expected, abs=1e-9), joint.canonical
    absent = [i for i in range(N) if profile.joint(SPEC.joint_names[i]) is None]
    assert not any(state.valid[i] for i in absent)
    assert all(np.isnan(position[i]) for i in absent)
    embodiment = probe.received['embodiment'][-1]
    assert (embodiment.profile_name, embodiment.profile_sha256) == (profile.name, profile.sha256)
    assert [joint.present for joint in embodiment.joints] == [bool(state.valid[i])
                                                              for i in range(N)]
    names = probe.received['joint_states'][-1].name
    assert names == [SPEC.joint_names[i] for i in range(N) if state.valid[i]]
    assert (list(state.task_frame), list(state.task_pose), list(state.task_valid)) == (
        [], [], [])  # no kinematic model attached: no task space, not zeros
    assert bridge.stop(signal.SIGTERM) == 0


def test_a_profile_with_a_kinematic_model_publishes_the_task_space_poses(
        ros_node, start_process, tmp_path):
    path = profile_with_model('unitree_g1_29dof', tmp_path / 'model')
    profile = load_profile(path)
    namespace = '/task_g1'
    bridge = start_bridge(start_process, str(path), namespace)
    typename, topic, raw, _ = vendor_state(profile)
    probe = Probe(ros_node, namespace, typename, topic, raw)
    assert spin_until(ros_node, lambda: probe.received['state']), bridge.output()
    state = probe.received['state'][-1]
    assert list(state.task_frame) == list(SPEC.task_frames)
    expected, valid = task_space_for(profile, SPEC).poses(np.asarray(state.position),
                                                          np.asarray(state.valid))
    assert list(state.task_valid) == valid.tolist() == [True] * 5
    np.testing.assert_allclose(np.asarray(state.task_pose).reshape(5, 7), expected, atol=1e-12)
    assert bridge.stop(signal.SIGTERM) == 0


def test_a_g1_command_leaves_as_a_lowcmd_with_crc_echo_and_clamped_limits(
        ros_node, start_process):
    namespace = '/cmd_g1'
    _, probe, commands = g1_bridge_fed_with_state(ros_node, start_process, namespace)
    position = np.zeros(N)
    position[3] = 9.0  # beyond the knee limit: clamped to 2.8798
    publish_command(ros_node, namespace, position, stiffness=[1000.0] * N)
    assert spin_until(ros_node, lambda: commands)
    command = commands[0]
    assert command.motor_cmd[3].q == pytest.approx(2.8798)
    assert command.motor_cmd[3].kp == 300.0
    assert command.mode_machine == 5
    assert command.crc == crc32_bitwise(hg_lowcmd_bytes(command))


def test_nan_commands_never_reach_the_robot_and_the_timeout_sends_damping(ros_node,
                                                                          start_process):
    namespace = '/safe_g1'
    bridge, probe, commands = g1_bridge_fed_with_state(ros_node, start_process, namespace)
    position = np.zeros(N)
    position[0] = float('nan')
    publish_command(ros_node, namespace, position)
    spin_until(ros_node, lambda: False, timeout=0.5)
    assert commands == []
    publish_command(ros_node, namespace, np.zeros(N))
    assert spin_until(ros_node, lambda: any(c.motor_cmd[0].kp == 0.0 for c in commands))
    damping = [c for c in commands if c.motor_cmd[0].kp == 0.0][0]
    assert all(motor.kd == 2.0 for motor in damping.motor_cmd[:29])
    assert all(motor.q == pytest.approx(probe_value, abs=1e-6) for motor, probe_value in
               zip(damping.motor_cmd[:29], vm.slot_values(35, 0.05)))
    bridge.wait_for_output('sending the safe command (damp)')
    bridge.wait_for_output('command rejected: non-finite position for a commanded joint')


def test_malformed_vendor_messages_are_counted_in_diagnostics_and_survived(ros_node,
                                                                           start_process):
    from diagnostic_msgs.msg import DiagnosticArray
    namespace = '/bad_g1'
    bridge = start_bridge(start_process, 'unitree_g1_29dof', namespace)
    profile = load_profile('unitree_g1_29dof')
    typename, topic, raw, _ = vendor_state(profile)
    probe = Probe(ros_node, namespace, typename, topic, b'\x00\x01\x00\x00' + bytes(64))
    diagnostics = []
    ros_node.create_subscription(DiagnosticArray, '/diagnostics', diagnostics.append, 10)

    def malformed_count() -> int:
        for array in reversed(diagnostics):
            for status in array.status:
                if status.name == f'{namespace}/bridge: vendor state':
                    return int(dict((v.key, v.value) for v in status.values)['malformed'])
        return 0
    assert spin_until(ros_node, lambda: malformed_count() >= 3), bridge.output()
    probe.raw = raw
    assert spin_until(ros_node, lambda: probe.received['state'])
    assert bridge.stop(signal.SIGINT) == 0


def test_a_bad_profile_stops_the_bridge_at_start_with_the_reason(start_process, tmp_path):
    bad = tmp_path / 'broken.yaml'
    bad.write_text(open(load_profile('unitree_g1_29dof').source_file).read()
                   .replace('name: unitree_g1_29dof', 'name: broken')
                   .replace('canonical: left_knee', 'canonical: left_knees'))
    bridge = start_process(sys.executable, '-m', 'interop_bridge.nodes.bridge', '--ros-args',
                           '-p', f'profile:={bad}', name='bridge')
    assert bridge.popen.wait(20) == 1
    assert "joints[3].canonical: got 'left_knees', expected a canonical joint name" in \
        bridge.output()


def test_a_ros2_control_robot_gets_its_imu_and_foot_wrenches_in_the_canonical_state(
        ros_node, start_process):
    from geometry_msgs.msg import WrenchStamped
    from sensor_msgs.msg import Imu
    namespace = '/sensors_talos'
    start_bridge(start_process, 'pal_talos', namespace)
    profile = load_profile('pal_talos')
    typename, topic, raw, _ = vendor_state(profile)
    imu = Imu()
    imu.orientation.x, imu.orientation.w = 0.6, 0.8
    imu.linear_acceleration.z = 9.81
    wrench = WrenchStamped()
    wrench.header.frame_id = 'leg_left_6_link'
    wrench.wrench.force.y, wrench.wrench.force.z, wrench.wrench.torque.x = 1.5, 300.0, 2.0
    imu_pub = ros_node.create_publisher(Imu, '/imu_sensor_broadcaster/imu', 10)
    wrench_pub = ros_node.create_publisher(WrenchStamped, '/left_ankle_ft/wrench', 10)
    ros_node.create_timer(0.01, lambda: (imu_pub.publish(imu), wrench_pub.publish(wrench)))
    probe = Probe(ros_node, namespace, typename, topic, raw)
    assert spin_until(ros_node, lambda: any(state.imu_valid and state.wrenches and
                                            state.imu.orientation.x == 0.6
                                            for state in probe.received['state']))
    state = [s for s in probe.received['state'] if s.wrenches and s.imu.orientation.x == 0.6][-1]
    assert (state.imu.orientation.w, state.imu.linear_acceleration.z) == (0.8, 9.81)
    assert state.imu.header.frame_id == 'imu_link'
    sole = state.wrenches[0]
    assert sole.header.frame_id == 'l_sole'
    # TALOS raw ankle axes -> sole frame: force and torque [x, -y, -z]
    assert (sole.wrench.force.y, sole.wrench.force.z, sole.wrench.torque.x) == (-1.5, -300.0, 2.0)


def test_when_vendor_state_stops_commands_are_refused_and_the_safe_command_is_sent(
        ros_node, start_process):
    from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus
    namespace = '/stale_g1'
    bridge, probe, commands = g1_bridge_fed_with_state(ros_node, start_process, namespace)
    diagnostics: list = []
    ros_node.create_subscription(DiagnosticArray, '/diagnostics', diagnostics.append, 10)
    publisher, message = publish_command(ros_node, namespace, np.zeros(N),
                                         stiffness=[60.0] * N)
    ros_node.create_timer(0.02, lambda: publisher.publish(message))  # commands keep coming
    assert spin_until(ros_node, lambda: any(c.motor_cmd[0].kp == 60.0 for c in commands))
    probe.timer.cancel()  # the robot's state stream goes silent
    assert spin_until(ros_node, lambda: any(all(motor.kp == 0.0 for motor in c.motor_cmd[:29])
                                            for c in commands)), bridge.output()
    damped = [c for c in commands if all(motor.kp == 0.0 for motor in c.motor_cmd[:29])]
    assert all(motor.kd == 2.0 for motor in damped[-1].motor_cmd[:29])
    state_status = f'{namespace}/bridge: vendor state'
    assert spin_until(ros_node, lambda: (status := diagnostic_status(diagnostics, state_status))
                      is not None and status.level == DiagnosticStatus.WARN and
                      status.message.startswith('no vendor state for'))
    bridge.wait_for_output('older than 0.1 s: canonical commands are refused')
    refused = 'command rejected: vendor state older than 0.1 s: nothing is forwarded'
    assert spin_until(ros_node, lambda: refused in bridge.output()), bridge.output()
    count = len(commands)
    spin_until(ros_node, lambda: False, timeout=0.3)
    assert all(all(motor.kp == 0.0 for motor in c.motor_cmd[:29]) for c in commands[count:])
    probe.timer = ros_node.create_timer(0.01, probe.publish_state)  # the state resumes
    count = len(commands)
    assert spin_until(ros_node, lambda: any(c.motor_cmd[0].kp == 60.0 for c in
                                            commands[count:])), bridge.output()
    assert spin_until(ros_node, lambda: diagnostic_status(diagnostics, state_status).level ==
                      DiagnosticStatus.OK), bridge.output()  # the stale status clears
    assert diagnostic_status(diagnostics, state_status).message == 'ok'
    assert bridge.stop(signal.SIGINT) == 0
    # At least the silence made on purpose; a loaded machine can pause this test's own state
    # timer past the timeout once more, so the count is not asserted exactly.
    timeouts = re.search(r'watchdog timeouts: (\d+) command, (\d+) vendor state', bridge.output())
    assert timeouts and int(timeouts.group(2)) >= 1, bridge.output()


@pytest.mark.parametrize(('slot', 'value'), [(3, 1e9), (0, 3.5)])  # knee; hip pitch, limit 2.88
def test_an_impossible_vendor_state_is_never_the_reference_of_a_hold_target(
        ros_node, start_process, slot, value):
    namespace = f'/glitch_g1_{slot}'
    bridge, probe, commands = g1_bridge_fed_with_state(ros_node, start_process, namespace)
    good = vm.slot_values(35, 0.05)
    glitched = good.copy()
    glitched[slot] = value
    raws = [vm.unitree_lowstate('hg', good), vm.unitree_lowstate('hg', glitched)]
    probe.timer.cancel()
    sent = 0

    def alternate() -> None:
        nonlocal sent
        probe.state_pub.publish(raws[sent % 2])
        sent += 1
    ros_node.create_timer(0.005, alternate)
    spin_until(ros_node, lambda: sent > 20, timeout=5)
    commanded = [False] * N
    commanded[5] = True
    publisher, message = publish_command(ros_node, namespace, np.zeros(N), commanded=commanded)
    ros_node.create_timer(0.02, lambda: publisher.publish(message))
    assert spin_until(ros_node, lambda: len(commands) >= 5), bridge.output()
    assert all(c.motor_cmd[slot].q == pytest.approx(good[slot], abs=1e-6) for c in commands)
    index = next(joint.index for joint in load_profile('unitree_g1_29dof').joints
                 if joint.source == slot)
    assert all(state.position[index] == pytest.approx(good[slot], abs=1e-6)
               for state in probe.received['state'])  # never published either
    assert bridge.stop(signal.SIGINT) == 0
    counted = re.search(r'(\d+) malformed, 0 CRC errors', bridge.output())
    assert counted and int(counted.group(1)) >= 10, bridge.output()


def test_a_joint_measured_past_its_limit_is_held_at_the_limit(ros_node, start_process):
    namespace = '/limit_g1'
    bridge, probe, commands = g1_bridge_fed_with_state(ros_node, start_process, namespace)
    q = vm.slot_values(35, 0.05)
    q[3] = -0.2  # the knee, 0.113 rad past its lower limit -0.087267
    probe.raw = vm.unitree_lowstate('hg', q)
    spin_until(ros_node, lambda: False, timeout=0.3)
    commanded = [False] * N
    commanded[0] = True
    publish_command(ros_node, namespace, np.zeros(N), commanded=commanded)
    assert spin_until(ros_node, lambda: commands), bridge.output()
    assert commands[-1].motor_cmd[3].q == pytest.approx(-0.087267, abs=1e-6)
    assert bridge.stop(signal.SIGINT) == 0
