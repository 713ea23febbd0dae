"""Over real DDS: simulated hands on their vendor topics, the bridge with a hand profile,
canonical hand state and touch out, canonical hand commands back in.

Expectations come from the vendor's facts (the Dex3-1 URDF limits a closed finger reaches,
the vendor command bytes on the wire read by the installed vendor message type, the Dex3
"no reading" value 30000 of unfitted pads) and from what the test commands, not from the
bridge under test.
"""

from __future__ import annotations

import math
import signal
import sys

import numpy as np
from bridge_probe import diagnostic_status, diagnostics_probe, start_bridge, status_values
from ros_process import spin_until

INDEX, PINKY = 2, 5


def start_fake_hand(start_process, hand: str):
    fake = start_process(sys.executable, '-m', 'interop_bridge.nodes.fake_hand', '--ros-args',
                         '-p', f'hand:={hand}', name='fake_hand')
    fake.wait_for_output('fake_hand ready')
    return fake


def start_hands(start_process, hand: str, profile: str, namespace: str):
    """A fake hand pair of `hand` and a bridge of `profile` with `hands:=hand`."""
    fake = start_fake_hand(start_process, hand)
    bridge = start_bridge(start_process, profile, namespace, '-p', f'hands:={hand}')
    return fake, bridge


def hand_command(side: int, channel: int, closure: float):
    from interop_msgs.msg import HandCommand
    message = HandCommand(side=side)
    message.closure = [0.0] * 7
    message.closure[channel] = closure
    message.commanded = [index == channel for index in range(7)]
    return message


def test_a_g1_with_dex3_hands_reads_closure_and_touch_and_closes_a_finger(
        ros_node, start_process):
    from interop_msgs.msg import HandCommand, HandState, TactileState
    from unitree_hg.msg import HandCmd
    namespace = '/hands_g1'
    fake, bridge = start_hands(start_process, 'unitree_dex3_1', 'unitree_g1_29dof', namespace)
    states, touch, wire = [], [], []
    ros_node.create_subscription(HandState, f'{namespace}/interop/hand/left/state',
                                 states.append, 10)
    ros_node.create_subscription(TactileState, f'{namespace}/interop/tactile/left',
                                 touch.append, 10)
    ros_node.create_subscription(HandCmd, '/dex3/left/cmd', wire.append, 10)
    diagnostics = diagnostics_probe(ros_node)
    assert spin_until(ros_node, lambda: states and touch), bridge.output() + fake.output()
    opened = states[-1]
    assert list(opened.valid) == [True] * 4 + [False] * 3
    assert all(math.isclose(value, 0.0, abs_tol=1e-3) for value in opened.closure[:4])
    assert list(opened.native_name) == ['thumb_0', 'thumb_1', 'thumb_2', 'middle_0',
                                        'middle_1', 'index_0', 'index_1']
    assert opened.native_unit == 'rad' and opened.header.frame_id == 'l_gripper'
    pads = {patch.patch: patch for patch in touch[-1].patches}
    assert len(pads) == 9 and (pads['left_index_tip'].rows, pads['left_index_tip'].cols) == \
        (3, 4)
    assert all(pads['left_thumb_tip'].valid) and not any(pads['left_palm_1'].valid)
    assert all(math.isnan(value) for value in pads['left_palm_1'].values)  # 30000: no value
    rest = max(pads['left_index_tip'].values)
    publisher = ros_node.create_publisher(HandCommand, f'{namespace}/interop/hand/left/command',
                                          10)
    close = hand_command(HandState.SIDE_LEFT, INDEX, 1.0)

    def closed() -> bool:
        publisher.publish(close)  # again and again: the hand command watchdog is 0.5 s
        return states[-1].closure[INDEX] > 0.98
    assert spin_until(ros_node, closed, timeout=15), bridge.output() + fake.output()
    # On the wire: the left index joints at their URDF closed limits (dex3_1_l.urdf).
    assert wire and np.allclose([wire[-1].motor_cmd[k].q for k in (5, 6)], [-1.571, -1.745],
                                atol=1e-4)
    assert [wire[-1].motor_cmd[k].mode for k in range(7)] == [0x10 + k for k in range(7)]
    assert spin_until(ros_node, lambda: max(
        next(p for p in touch[-1].patches if p.patch == 'left_index_tip').values) > rest + 1e5)
    name = f'{namespace}/bridge: hand left state'
    assert spin_until(ros_node, lambda: diagnostic_status(diagnostics, name) is not None)
    values = status_values(diagnostic_status(diagnostics, name))
    assert int(values['messages']) > 0 and float(values['rate_hz']) > 0
    assert values['stamp_source'].startswith('receive: the vendor message has no time stamp')
    assert bridge.stop(signal.SIGINT) == 0 and fake.stop() == 0


def test_a_nan_hand_command_sends_nothing_and_is_counted(ros_node, start_process):
    from interop_msgs.msg import HandCommand, HandState
    from unitree_hg.msg import HandCmd
    namespace = '/hands_nan'
    fake, bridge = start_hands(start_process, 'unitree_dex3_1', 'unitree_g1_29dof', namespace)
    states, wire = [], []
    ros_node.create_subscription(HandState, f'{namespace}/interop/hand/right/state',
                                 states.append, 10)
    ros_node.create_subscription(HandCmd, '/dex3/right/cmd', wire.append, 10)
    diagnostics = diagnostics_probe(ros_node)
    assert spin_until(ros_node, lambda: states), bridge.output()
    publisher = ros_node.create_publisher(
        HandCommand, f'{namespace}/interop/hand/right/command', 10)
    bad = hand_command(HandState.SIDE_RIGHT, INDEX, float('nan'))
    name = f'{namespace}/bridge: hand right command'

    def rejected() -> bool:
        publisher.publish(bad)
        status = diagnostic_status(diagnostics, name)
        return status is not None and int(status_values(status)['rejected']) >= 3
    assert spin_until(ros_node, rejected, timeout=15), bridge.output()
    assert wire == [] and 'hand command rejected' in bridge.output()
    assert bridge.stop(signal.SIGINT) == 0 and fake.stop() == 0


def test_inspire_hands_on_one_message_close_only_the_hand_commanded(ros_node, start_process):
    from interop_msgs.msg import HandCommand, HandState
    namespace = '/hands_inspire'
    fake, bridge = start_hands(start_process, 'inspire_rh56_dfx', 'unitree_h1', namespace)
    sides: dict[int, list] = {HandState.SIDE_LEFT: [], HandState.SIDE_RIGHT: []}
    for side, name in ((HandState.SIDE_LEFT, 'left'), (HandState.SIDE_RIGHT, 'right')):
        ros_node.create_subscription(HandState, f'{namespace}/interop/hand/{name}/state',
                                     sides[side].append, 10)
    assert spin_until(ros_node, lambda: all(sides.values())), bridge.output() + fake.output()
    publisher = ros_node.create_publisher(
        HandCommand, f'{namespace}/interop/hand/right/command', 10)
    close = hand_command(HandState.SIDE_RIGHT, PINKY, 1.0)

    def closed() -> bool:
        publisher.publish(close)
        return sides[HandState.SIDE_RIGHT][-1].closure[PINKY] > 0.98
    assert spin_until(ros_node, closed, timeout=15), bridge.output() + fake.output()
    assert sides[HandState.SIDE_LEFT][-1].closure[PINKY] < 0.01
    assert bridge.stop(signal.SIGINT) == 0 and fake.stop() == 0


def test_a_bridge_with_an_unknown_hand_profile_exits_1_and_says_why(start_process):
    bridge = start_process(sys.executable, '-m', 'interop_bridge.nodes.bridge', '--ros-args',
                           '-p', 'profile:=unitree_g1_29dof', '-p', 'hands:=shadow_hand',
                           name='bridge')
    assert bridge.exits_within(30), bridge.output()
    assert bridge.popen.wait(5) == 1
    assert "shadow_hand" in bridge.output() and 'unitree_dex3_1' in bridge.output()
