"""fake_robot as a real process over DDS: vendor rates, vendor command checks, clean stops."""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Iterator

import numpy as np
import pytest
import rclpy
from booster_interface.msg import LowCmd as BoosterLowCmd
from booster_interface.msg import LowState as BoosterLowState
from booster_interface.msg import MotorCmd as BoosterMotorCmd
from rclpy.node import Node
from rclpy.qos import QoSProfile
from rclpy.serialization import deserialize_message
from ros_process import Process, spin_until, stop_all
from sensor_msgs.msg import Image, JointState
from std_msgs.msg import Float64MultiArray
from unitree_hg.msg import LowCmd, LowState

from interop_bridge.sim.styles import STYLES, TALOS_CONTROLLER_JOINTS
from interop_bridge.vendors.unitree_crc import hg_lowcmd_crc

MODULE = 'interop_bridge.nodes.fake_robot'
ROBOTS = {'g1': 'unitree_g1_29dof', 't1': 'booster_t1', 'talos': 'ros2_control_talos'}
QOS = QoSProfile(depth=50)


def fake_robot(style: str, namespace: str, *parameters: str) -> list[str]:
    """argv of a fake_robot process of `style` in `namespace`."""
    args = [f'style:={style}', *parameters]
    return [sys.executable, '-m', MODULE, '--ros-args', '-r', f'__ns:=/{namespace}',
            *[item for parameter in args for item in ('-p', parameter)]]


@pytest.fixture(scope='module')
def robots(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Process]]:
    """One G1, one T1 and one TALOS, started together (their start-ups overlap)."""
    started = {namespace: Process(fake_robot(style, namespace),
                                  tmp_path_factory.mktemp(namespace) / 'fake_robot.log')
               for namespace, style in ROBOTS.items()}
    try:
        for process in started.values():
            process.wait_for_output('fake_robot ready')
        yield started
    finally:
        stop_all(list(started.values()))


@pytest.fixture(scope='module')
def probe() -> Iterator[Node]:
    context = rclpy.Context()
    rclpy.init(context=context)
    node = rclpy.create_node('fake_robot_probe', context=context)
    yield node
    node.destroy_node()
    rclpy.shutdown(context=context)


class Latest:
    """The last message of a topic (kept serialized) and the arrival time of every message."""

    def __init__(self, node: Node, msg_type: type, topic: str) -> None:
        self.node, self.msg_type = node, msg_type
        self.raw: bytes | None = None
        self.arrivals: list[float] = []
        self.subscription = node.create_subscription(msg_type, topic, self._on, QOS, raw=True)

    def _on(self, raw: bytes) -> None:
        self.raw = raw
        self.arrivals.append(time.monotonic())

    def message(self):
        return deserialize_message(self.raw, self.msg_type) if self.raw else None

    def close(self) -> None:
        self.node.destroy_subscription(self.subscription)


def publish_while(node: Node, publisher, message, done, seconds: float) -> bool:
    """Publish `message` every 20 ms until `done()` or `seconds` pass; return done()."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        publisher.publish(message)
        if spin_until(node, done, timeout=0.02):
            return True
    return bool(done())


def hg_command(slot: int, q: float, *, mode_machine: int = 5, good_crc: bool = True) -> LowCmd:
    command = LowCmd()
    command.mode_machine = mode_machine
    motor = command.motor_cmd[slot]
    motor.mode, motor.q, motor.kp, motor.kd = 1, q, 40.0, 1.0
    command.crc = hg_lowcmd_crc(command) ^ (0 if good_crc else 0x1)
    return command


def test_g1_publishes_lowstate_at_500_hz_with_a_millisecond_tick(robots, probe):
    state = Latest(probe, LowState, '/lowstate')
    try:
        assert spin_until(probe, lambda: state.raw is not None)
        first = state.message()
        state.arrivals.clear()
        spin_until(probe, lambda: False, timeout=3.0)
        last = state.message()
    finally:
        state.close()
    rate = (len(state.arrivals) - 1) / (state.arrivals[-1] - state.arrivals[0])
    assert rate == pytest.approx(500.0, rel=0.10)
    assert last.tick - first.tick == pytest.approx(3000, abs=300)
    assert last.mode_machine == 5


def test_g1_follows_a_lowcmd_with_the_right_crc(robots, probe):
    state = Latest(probe, LowState, '/lowstate')
    publisher = probe.create_publisher(LowCmd, '/lowcmd', 10)
    try:
        assert spin_until(probe, lambda: state.raw is not None)
        before = state.message().motor_state[25].q
        reached = publish_while(probe, publisher, hg_command(25, 1.0),
                                lambda: abs(state.message().motor_state[25].q - 1.0) < 0.02, 10.0)
    finally:
        state.close()
        probe.destroy_publisher(publisher)
    assert abs(before - 1.0) > 0.5
    assert reached, f'right elbow at {state.message().motor_state[25].q}, commanded 1.0'


@pytest.mark.parametrize('slot,command,logged', [
    (18, hg_command(18, 1.5, good_crc=False), 'ignored command on /lowcmd: wrong crc'),
    (17, hg_command(17, 1.5, mode_machine=4), 'mode_machine 4 does not match the robot (5)')])
def test_g1_ignores_a_lowcmd_a_real_robot_would_drop(robots, probe, slot, command, logged):
    state = Latest(probe, LowState, '/lowstate')
    publisher = probe.create_publisher(LowCmd, '/lowcmd', 10)
    positions = []

    def record() -> bool:
        positions.append(state.message().motor_state[slot].q)
        return False

    try:
        assert spin_until(probe, lambda: state.raw is not None)
        publish_while(probe, publisher, command, record, 1.5)
    finally:
        state.close()
        probe.destroy_publisher(publisher)
    assert min(abs(q - 1.5) for q in positions) > 1.0  # it kept swaying near its start
    assert np.ptp(positions) < 0.15
    robots['g1'].wait_for_output(logged, timeout=5.0)


def test_g1_camera_publishes_moving_rgb8_images(robots, probe):
    images = []
    subscription = probe.create_subscription(Image, '/g1/camera/image_raw', images.append, QOS)
    try:
        assert spin_until(probe, lambda: len(images) >= 4)
    finally:
        probe.destroy_subscription(subscription)
    first, last = images[0], images[-1]
    assert (first.height, first.width, first.encoding) == (96, 128, 'rgb8')
    assert bytes(first.data) != bytes(last.data)
    stamps = [image.header.stamp.sec + image.header.stamp.nanosec * 1e-9 for image in images]
    assert all(later > earlier for earlier, later in zip(stamps, stamps[1:]))


def test_t1_ignores_parallel_commands_and_follows_serial_ones(robots, probe):
    state = Latest(probe, BoosterLowState, '/low_state')
    publisher = probe.create_publisher(BoosterLowCmd, '/joint_ctrl', 10)

    def command(cmd_type: int, q: float) -> BoosterLowCmd:
        return BoosterLowCmd(cmd_type=cmd_type, motor_cmd=[
            BoosterMotorCmd(q=q, kp=50.0, kd=1.0, weight=1.0) for _ in range(23)])

    def waist() -> float:
        return state.message().motor_state_serial[10].q

    try:
        assert spin_until(probe, lambda: state.raw is not None)
        moved = publish_while(probe, publisher, command(BoosterLowCmd.CMD_TYPE_PARALLEL, 0.8),
                              lambda: abs(waist() - 0.8) < 0.3, 1.0)
        assert not moved, f'waist moved to {waist()} on a PARALLEL command'
        robots['t1'].wait_for_output('cmd_type PARALLEL (0) ignored', timeout=5.0)
        assert publish_while(probe, publisher, command(BoosterLowCmd.CMD_TYPE_SERIAL, 0.3),
                             lambda: abs(waist() - 0.3) < 0.02, 10.0), waist()
        assert len(state.message().motor_state_parallel) == 23
    finally:
        state.close()
        probe.destroy_publisher(publisher)


def test_talos_follows_forward_position_commands_by_controller_joint_order(robots, probe):
    state = Latest(probe, JointState, '/talos/joint_states')
    publisher = probe.create_publisher(Float64MultiArray,
                                       '/talos/forward_position_controller/commands', 10)
    positions = [0.0] * len(TALOS_CONTROLLER_JOINTS)
    positions[TALOS_CONTROLLER_JOINTS.index('torso_2_joint')] = 0.5

    def torso_pitch() -> float:
        message = state.message()
        return message.position[list(message.name).index('torso_2_joint')]

    try:
        assert spin_until(probe, lambda: state.raw is not None)
        assert publish_while(probe, publisher, Float64MultiArray(data=positions),
                             lambda: abs(torso_pitch() - 0.5) < 0.02, 10.0), torso_pitch()
        assert len(state.message().name) == 32
    finally:
        state.close()
        probe.destroy_publisher(publisher)


@pytest.mark.parametrize('sig', [signal.SIGINT, signal.SIGTERM], ids=['SIGINT', 'SIGTERM'])
def test_every_style_stops_cleanly_on_a_signal(tmp_path, sig):
    processes = {style: Process(fake_robot(style, f'{style}_{sig.name.lower()}'),
                                tmp_path / f'{style}.log') for style in STYLES}
    try:
        for process in processes.values():
            process.wait_for_output('fake_robot ready')
    finally:
        codes = dict(zip(processes, stop_all(list(processes.values()), sig)))
    logs = {style: process.log_path.read_text() for style, process in processes.items()}
    assert codes == {style: 0 for style in STYLES}, {
        style: logs[style][-2000:] for style, code in codes.items() if code}
    for log in logs.values():
        assert 'commands applied' in log  # the exit summary was logged


def test_invalid_parameters_stop_the_node_with_every_problem_and_exit_code_1(tmp_path):
    process = Process(fake_robot('unitree_g2', 'bad', 'rate_hz:=-5'), tmp_path / 'bad.log')
    exited = process.exits_within(30)
    output = process.output()
    assert process.stop() == 1 and exited
    assert "style: got 'unitree_g2', expected one of ['unitree_g1_29dof'" in output
    assert 'rate_hz: got -5, expected a number > 0' in output
