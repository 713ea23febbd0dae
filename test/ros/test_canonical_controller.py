"""canonical_controller as a real process: its wave never asks a joint beyond its limits.

The test stands in for a bridge: it latches the Booster T1's embodiment (joint limits from the
profile, as the bridge publishes them) and a state whose left elbow rests 0.05 rad below its
upper limit, then reads the controller's commands over DDS for a whole wave period.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import numpy as np
from rclpy.node import Node
from rclpy.qos import QoSProfile
from ros_process import Process, spin_until

from interop_bridge import topics
from interop_bridge.canonical import load_canonical
from interop_bridge.nodes.canonical_messages import embodiment, to_time
from interop_bridge.nodes.qos import canonical_qos
from interop_bridge.profile import load_profile
from interop_msgs.msg import WholeBodyCommand, WholeBodyState

NAMESPACE = '/t1_controller_test'
AMPLITUDE, FREQUENCY_HZ = 0.25, 1.0
MARGIN = 0.05  # the resting left elbow is this far below its upper limit [rad]


def controller_argv() -> list[str]:
    parameters = [f"robots:=['{NAMESPACE}']", 'episodes:=0', f'amplitude:={AMPLITUDE}',
                  f'frequency_hz:={FREQUENCY_HZ}']
    return [sys.executable, '-m', 'interop_bridge.nodes.canonical_controller', '--ros-args',
            *[item for parameter in parameters for item in ('-p', parameter)]]


def test_the_wave_is_cut_at_the_joint_limits_the_embodiment_declares(
        start_process: Callable[..., Process], ros_node: Node) -> None:
    spec, profile = load_canonical(), load_profile('booster_t1')
    latched = embodiment(profile, spec, to_time(0))
    lower = np.array([joint.position_min for joint in latched.joints])
    upper = np.array([joint.position_max for joint in latched.joints])
    present = np.array([joint.present for joint in latched.joints])
    elbow = spec.joint_index('left_elbow')
    home = np.where(present, np.nan_to_num((lower + upper) / 2), np.nan)
    home[elbow] = upper[elbow] - MARGIN

    ros_node.create_publisher(type(latched), f'{NAMESPACE}/{topics.EMBODIMENT}',
                              canonical_qos(spec.topic(topics.EMBODIMENT))).publish(latched)
    state_publisher = ros_node.create_publisher(
        WholeBodyState, f'{NAMESPACE}/{topics.STATE}', canonical_qos(spec.topic(topics.STATE)))
    commands: list[np.ndarray] = []
    ros_node.create_subscription(
        WholeBodyCommand, f'{NAMESPACE}/{topics.COMMAND}',
        lambda message: commands.append(np.asarray(message.position)), QoSProfile(depth=200))

    def publish_state() -> None:
        state_publisher.publish(WholeBodyState(position=[float(value) for value in home],
                                               valid=[bool(flag) for flag in present]))
    ros_node.create_timer(0.02, publish_state)

    controller = start_process(*controller_argv(), name='canonical_controller')
    controller.wait_for_output('canonical controller ready')
    assert spin_until(ros_node, lambda: len(commands) >= 60, timeout=30.0), controller.output()

    positions = np.array(commands)[:, present]
    assert (positions >= lower[present]).all() and (positions <= upper[present]).all()
    assert present[elbow]
    elbow_column = int(present[:elbow].sum())
    # Uncut, the wave would reach home + 0.25 rad = 0.20 rad beyond the limit: it stops at it.
    assert positions[:, elbow_column].max() == upper[elbow]
    assert positions[:, elbow_column].min() < upper[elbow] - AMPLITUDE / 2
