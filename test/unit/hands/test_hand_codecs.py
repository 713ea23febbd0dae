"""Hand codecs read the bytes a vendor's definitions serialize to (serialized here by rosbags,
an independent CDR implementation, from the IDL of each firmware generation) and write
commands that read back through the same independent deserializer."""

from __future__ import annotations

import numpy as np
import pytest
from hand_messages import dex3_state_bytes

from interop_bridge.errors import MappingError
from interop_bridge.hands.hand_codecs import Dex3Codec, GoMotorsCodec, HandTargets, hand_codec
from interop_bridge.hands.hand_wire import dex3_package, dex3_store, go_store

GENERATIONS = ('2024-08', '2024-12', '2025-02')


@pytest.mark.parametrize('generation', GENERATIONS)
def test_each_dex3_generation_reads_its_own_motors_and_pads(generation):
    native = Dex3Codec(generation).decode_state(dex3_state_bytes(generation))
    np.testing.assert_allclose(native.position, 0.1 * np.arange(7), rtol=1e-6)
    np.testing.assert_allclose(native.effort, 0.5 + np.arange(7), rtol=1e-6)
    assert native.pressure.shape == (9, 12)
    assert native.pressure[4, 11] == 100000 + 400 + 11
    assert native.temperature[8, 0] == 33.0
    assert native.lost.tolist() == (list(range(9)) if generation == '2025-02' else [])


@pytest.mark.parametrize('written, read', [('2024-08', '2025-02'), ('2025-02', '2024-08'),
                                           ('2024-12', '2025-02')])
def test_a_message_of_another_firmware_generation_is_refused_not_misread(written, read):
    with pytest.raises(MappingError, match="not this firmware generation's layout"):
        Dex3Codec(read).decode_state(dex3_state_bytes(written))


def test_a_dex3_hand_without_pads_reads_no_tactile():
    native = Dex3Codec().decode_state(dex3_state_bytes('2025-02', pads=0))
    assert native.pressure.shape == (0, 0) and native.position.shape == (7,)


def targets(count: int, enabled=None) -> HandTargets:
    return HandTargets(position=np.linspace(-1, 1, count), velocity=np.zeros(count),
                       stiffness=np.full(count, 1.5), damping=np.full(count, 0.2),
                       enabled=np.ones(count, bool) if enabled is None else enabled)


def test_a_dex3_command_reads_back_through_rosbags_with_the_vendor_mode_bits():
    raw = Dex3Codec().encode_command(targets(7))
    store, package = dex3_store('2025-02'), dex3_package('2025-02')
    message = store.deserialize_cdr(raw, f'{package}/msg/HandCmd')
    # mode = id (bits 0-3) | status FOC 1 (bits 4-6) | timeout 0 (bit 7): xr_teleoperate's.
    assert [motor.mode for motor in message.motor_cmd] == [0x10 + k for k in range(7)]
    np.testing.assert_allclose([motor.q for motor in message.motor_cmd], np.linspace(-1, 1, 7),
                               rtol=1e-6)
    assert {(round(motor.kp, 6), round(motor.kd, 6)) for motor in message.motor_cmd} == \
        {(1.5, 0.2)}
    back = Dex3Codec().decode_command(raw)
    assert back.enabled.all()
    np.testing.assert_allclose(back.position, np.linspace(-1, 1, 7), rtol=1e-6)


def test_a_disabled_dex3_motor_is_sent_locked_with_zero_targets():
    enabled = np.array([True] * 6 + [False])
    message = dex3_store('2025-02').deserialize_cdr(
        Dex3Codec().encode_command(targets(7, enabled)), 'dex3_2025_02/msg/HandCmd')
    assert message.motor_cmd[6].mode == 6 and message.motor_cmd[6].kp == 0.0


def test_a_non_finite_target_encodes_nothing():
    bad = targets(7)
    bad.position[3] = np.nan
    with pytest.raises(MappingError, match='refusing to encode a non-finite position'):
        Dex3Codec().encode_command(bad)


def test_unitree_go_motor_arrays_read_and_write_both_ways():
    store = go_store()
    state = store.types['unitree_go/msg/MotorState']
    states = [state(mode=1, q=k / 12, dq=0.0, ddq=0.0, tau_est=0.0, q_raw=0.0, dq_raw=0.0,
                    ddq_raw=0.0, temperature=30, lost=0, reserve=np.zeros(2, np.uint32))
              for k in range(12)]
    message = store.types['unitree_go/msg/MotorStates'](states=states)
    raw = bytes(store.serialize_cdr(message, 'unitree_go/msg/MotorStates'))
    np.testing.assert_allclose(GoMotorsCodec().decode_state(raw).position,
                               np.arange(12) / 12, rtol=1e-6)
    command = store.deserialize_cdr(GoMotorsCodec().encode_command(targets(12)),
                                    'unitree_go/msg/MotorCmds')
    assert len(command.cmds) == 12 and {motor.mode for motor in command.cmds} == {1}
    assert command.cmds[11].q == pytest.approx(1.0)


def test_a_hand_profile_names_its_codec_and_firmware():
    assert hand_codec('unitree_dex3', '').generation == '2025-02'
    assert hand_codec('unitree_dex3', '2024-08').generation == '2024-08'
    with pytest.raises(MappingError, match="Dex3 firmware '2023'"):
        hand_codec('unitree_dex3', '2023')
