"""The hand bridge core reads vendor hand bytes into canonical samples and sends canonical
hand commands as vendor bytes (read back here by rosbags) with the body's safety: nothing
before a state, nothing non-finite, targets inside the limits, a safe command when commands
stop."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hand_messages import dex3_state_bytes, go_states_bytes

from interop_bridge.errors import MappingError
from interop_bridge.hands.hand_bridge_core import HandPairCore
from interop_bridge.hands.hand_profile import load_hand_profile
from interop_bridge.hands.hand_wire import dex3_store, go_store

THUMB_ROTATION, THUMB_FLEXION, INDEX, MIDDLE, RING, PINKY, GRIPPER = range(7)
DEX3_STATE = '/dex3/left/state'


def only(*channels: int) -> np.ndarray:
    mask = np.zeros(7, dtype=bool)
    mask[list(channels)] = True
    return mask


def dex3_command(raw: bytes):
    return dex3_store('2025-02').deserialize_cdr(raw, 'dex3_2025_02/msg/HandCmd')


def dex3_core(**command) -> HandPairCore:
    profile = load_hand_profile('unitree_dex3_1')
    return HandPairCore(replace(profile, command=replace(profile.command, **command)))


def test_a_dex3_state_becomes_a_sample_stamped_on_receipt_with_its_pads():
    core = dex3_core()
    [sample] = core.on_state(DEX3_STATE, dex3_state_bytes('2025-02'), 12.5)
    assert sample.side == 'left' and sample.stamp_s == 12.5
    assert sample.native_name[:3] == ('thumb_0', 'thumb_1', 'thumb_2')
    np.testing.assert_allclose(sample.native_position, 0.1 * np.arange(7), rtol=1e-6)
    assert sample.valid.tolist() == [True, True, True, True, False, False, False]
    assert len(sample.tactile) == 9 and sample.tactile[0].valid.all()
    assert core.profile.stamp_source == 'receive'


def test_a_command_before_any_hand_state_sends_nothing():
    with pytest.raises(MappingError, match='no hand state received yet'):
        dex3_core().on_command('left', np.ones(7), only(INDEX), 0.0)


def test_a_dex3_index_command_moves_only_the_index_joints_to_their_urdf_closed_values():
    core = dex3_core()
    core.on_state(DEX3_STATE, dex3_state_bytes('2025-02'), 0.0)  # measured q = 0.1 * slot
    topic, raw = core.on_command('left', np.ones(7), only(INDEX), 0.01)
    message = dex3_command(raw)
    assert topic == '/dex3/left/cmd'
    q = [motor.q for motor in message.motor_cmd]
    # dex3_1_l.urdf: index_0 [-1.571, 0], index_1 [-1.745, 0]; - closes on the left.
    np.testing.assert_allclose(q[5:], [-1.571, -1.745], rtol=1e-6)
    # the others keep their measured positions, clipped to the limits (middle: [-1.571, 0])
    np.testing.assert_allclose(q[:5], [0.0, 0.1, 0.2, 0.0, 0.0], atol=1e-6)
    assert {(round(m.kp, 4), round(m.kd, 4)) for m in message.motor_cmd} == {(1.5, 0.2)}


def test_a_nan_closure_sends_nothing_and_keeps_the_targets_in_force():
    core = dex3_core()
    core.on_state(DEX3_STATE, dex3_state_bytes('2025-02'), 0.0)
    _, first = core.on_command('left', np.full(7, 0.5), only(INDEX, MIDDLE), 0.01)
    with pytest.raises(MappingError, match='closure is nan'):
        core.on_command('left', np.full(7, np.nan), only(INDEX), 0.02)
    _, again = core.on_command('left', np.full(7, 0.5), only(INDEX), 0.03)
    assert again == first


def test_when_commands_stop_the_safe_command_is_sent_once():
    core = dex3_core(on_timeout='open', timeout_s=0.5)
    core.on_state(DEX3_STATE, dex3_state_bytes('2025-02'), 0.0)
    core.on_command('left', np.ones(7), only(INDEX, MIDDLE), 1.0)
    assert core.check_timeouts(1.4) == []
    [(side, topic, raw)] = core.check_timeouts(1.6)
    assert (side, topic) == ('left', '/dex3/left/cmd')
    # open: thumb_0 at -1.047, thumb_1 at -0.611, fingers straight (dex3_1_l.urdf)
    np.testing.assert_allclose([m.q for m in dex3_command(raw).motor_cmd],
                               [-1.047, -0.611, 0, 0, 0, 0, 0], atol=1e-6)
    assert core.check_timeouts(3.0) == []
    core.on_command('left', np.zeros(7), only(INDEX), 3.1)
    assert len(core.check_timeouts(3.7)) == 1


def test_a_relax_safe_command_keeps_the_targets_with_zero_gains():
    core = dex3_core(on_timeout='relax', timeout_s=0.5)
    core.on_state(DEX3_STATE, dex3_state_bytes('2025-02'), 0.0)
    _, sent = core.on_command('left', np.ones(7), only(INDEX), 1.0)
    [(_, _, raw)] = core.check_timeouts(2.0)
    relaxed, commanded = dex3_command(raw).motor_cmd, dex3_command(sent).motor_cmd
    assert {(m.kp, m.kd) for m in relaxed} == {(0.0, 0.0)}
    assert [m.q for m in relaxed] == [m.q for m in commanded]


def test_inspire_hands_share_one_message_both_ways():
    core = HandPairCore(load_hand_profile('inspire_rh56_dfx'))
    assert core.state_topics() == {'/inspire/state': ['left', 'right']}
    positions = [0.9] * 6 + [0.3] * 6          # right open-ish, left mostly closed
    left, right = sorted(core.on_state('/inspire/state', go_states_bytes(positions), 0.0),
                         key=lambda sample: sample.side)
    assert left.closure[INDEX] == pytest.approx(0.7) and right.closure[INDEX] == \
        pytest.approx(0.1)
    topic, raw = core.on_command('left', np.ones(7), only(PINKY), 0.01)
    message = go_store().deserialize_cdr(raw, 'unitree_go/msg/MotorCmds')
    q = [round(motor.q, 5) for motor in message.cmds]
    assert topic == '/inspire/cmd' and len(q) == 12
    assert q[:6] == [0.9] * 6                  # the right hand keeps its measured positions
    assert q[6] == 0.0 and q[7:] == [0.3] * 5  # left pinky closed (0 in Inspire units)
