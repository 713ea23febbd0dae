"""The whole loop without hardware for the robot families added with issue 10: a fake robot of
the family's style, the bridge with the family's shipped profile, canonical state out and a
canonical command back in, over real DDS.

The expectations come from the profile's own mapping and limits (every mapped joint valid, its
value inside its mapped native limits) and from the fake robot's vendor state (a commanded
joint gets there), not from the bridge under test.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest
from bridge_probe import SPEC, N, publish_command, start_bridge
from ros_process import spin_until

from interop_bridge.profile import load_profile

# profile -> fake robot style; the joint to drive and its canonical target (inside its limits)
FAMILIES = {'unitree_h2': ('unitree_h2', 'right_elbow', 1.2),
            'unitree_r1': ('unitree_r1', 'waist_yaw', 0.5),
            'booster_k1': ('booster_k1', 'left_elbow', 1.0)}
SLACK = 1e-4  # vendor values travel as float32


def start_fake_robot(start_process, style: str, namespace: str):
    robot = start_process(sys.executable, '-m', 'interop_bridge.nodes.fake_robot',
                          '--ros-args', '-r', f'__ns:={namespace}', '-p', f'style:={style}',
                          name='fake_robot')
    robot.wait_for_output('fake_robot ready')
    return robot


def mapped_range(joint) -> tuple[float, float]:
    ends = [joint.sign * joint.scale * value + joint.offset for value in joint.position]
    return min(ends) - SLACK, max(ends) + SLACK


@pytest.mark.parametrize('name', sorted(FAMILIES))
def test_a_fake_robot_of_the_family_is_read_and_commanded_through_its_profile(
        name, ros_node, start_process):
    from interop_msgs.msg import WholeBodyState
    style, driven, target = FAMILIES[name]
    profile = load_profile(name)
    namespace = f'/loop_{name}'
    robot = start_fake_robot(start_process, style, namespace)
    bridge = start_bridge(start_process, name, namespace)
    states: list = []
    ros_node.create_subscription(WholeBodyState, f'{namespace}/interop/state', states.append, 10)
    assert spin_until(ros_node, lambda: states, timeout=10), bridge.output() + robot.output()
    state = states[-1]
    for joint in profile.joints:
        low, high = mapped_range(joint)
        assert state.valid[joint.index], joint.canonical
        assert low <= state.position[joint.index] <= high, joint.canonical
    absent = [i for i in range(N) if profile.joint(SPEC.joint_names[i]) is None]
    assert not any(state.valid[i] for i in absent)
    index = SPEC.joint_names.index(driven)
    assert abs(state.position[index] - target) > 0.3  # the robot is elsewhere to begin with
    position = np.array(state.position, dtype=float)
    position[~np.asarray(state.valid, dtype=bool)] = 0.0
    position[index] = target
    commanded = [False] * N
    commanded[index] = True
    publisher, message = publish_command(ros_node, namespace, position, commanded=commanded)

    def reached() -> bool:
        publisher.publish(message)  # again and again: the bridge's command watchdog is 0.1 s
        return abs(states[-1].position[index] - target) < 0.02
    assert spin_until(ros_node, reached, timeout=15), (
        f'{driven} at {states[-1].position[index]}, commanded {target}')
    assert bridge.stop() == 0 and robot.stop() == 0
