"""The Unitree LowState CRC: the struct image and CRC equal an independent struct.pack and
bit-serial reference (test/unitree_reference.py), and a LowState that fails it is flagged by
the codec, never mapped by the bridge's codec and all-invalid in an export batch."""

from __future__ import annotations

import numpy as np
import pytest
import vendor_messages as vm
from unitree_reference import (
    crc32_bitwise, go_lowstate_bytes, hg_lowstate_bytes, lowstate_crc)

from interop_bridge.canonical import load_canonical
from interop_bridge.errors import MappingError
from interop_bridge.profile import load_profile
from interop_bridge.robot_codec import RobotCodec, checksum_failures
from interop_bridge.vendors.struct_image import StructImage, struct_layout
from interop_bridge.vendors.unitree_state_crc import LowStateCrc

SLOTS = {'hg': 35, 'go': 20}
# The sizes the vendor's Python SDK packs LowState_ to before its CRC (unitree_sdk2py
# utils/crc.py: "size 2092" for unitree_hg, "size 1180" for unitree_go).
SIZES = {'hg': 2092, 'go': 1180}
PROFILES = {'hg': 'unitree_g1_29dof', 'go': 'unitree_h1'}


def u32(values: list[int]) -> np.ndarray:
    return np.array(values, dtype=np.uint32)


def typename(family: str) -> str:
    return f'unitree_{family}/msg/LowState'


def busy_lowstate(family: str) -> bytes:
    """A LowState with a distinct non-zero value in every field the CRC covers."""
    message = vm.deserialize(vm.unitree_lowstate(family, vm.slot_values(SLOTS[family], 0.3)),
                             typename(family))
    message.version = u32([0x01020304, 0x05060708])
    message.wireless_remote = np.arange(40, dtype=np.uint8) + 100
    message.imu_state.temperature = -7 if family == 'go' else 1234
    for slot, motor in enumerate(message.motor_state):
        motor.mode, motor.ddq = slot % 3, 0.5 * slot
        if family == 'hg':
            motor.vol, motor.sensor = 48.0 + slot, u32([slot, 2 * slot + 1])
            motor.reserve = u32([slot, slot + 1, slot + 2, 0xFFFFFFFF])
        else:
            motor.q_raw, motor.dq_raw, motor.ddq_raw = slot + 0.25, -slot, 3.0
            motor.lost, motor.reserve = 1000 + slot, u32([slot, 0xDEADBEEF])
    if family == 'hg':
        message.mode_pr, message.mode_machine, message.reserve = 1, 6, u32([9, 8, 7, 6])
    else:
        message.head = np.array([0xFE, 0xEF], dtype=np.uint8)
        message.level_flag, message.frame_reserve = 0xFF, 3
        message.sn, message.bandwidth = u32([11, 12]), 0xABCD
        message.bms_state.soc, message.bms_state.current = 87, -4000
        message.bms_state.cell_vol = np.arange(15, dtype=np.uint16) + 3000
        message.bms_state.bq_ntc = np.array([25, -3], dtype=np.int8)
        message.bms_state.mcu_ntc = np.array([30, 31], dtype=np.int8)
        message.foot_force = np.array([1, -2, 3, -4], dtype=np.int16)
        message.foot_force_est = np.array([5, 6, 7, 8], dtype=np.int16)
        message.bit_flag, message.adc_reel = 0x5A, 1.5
        message.temperature_ntc1, message.temperature_ntc2 = 40, -41
        message.power_v, message.power_a, message.reserve = 50.4, 3.25, 0x12345678
        message.fan_frequency = np.array([100, 200, 300, 400], dtype=np.uint16)
    message.crc = lowstate_crc(message, family)
    return bytes(vm.typestore().serialize_cdr(message, typename(family)))


def reference_image(raw: bytes, family: str) -> bytes:
    message = vm.deserialize(raw, typename(family))
    return hg_lowstate_bytes(message) if family == 'hg' else go_lowstate_bytes(message)


@pytest.mark.parametrize('family', ['hg', 'go'])
def test_the_struct_image_is_the_vendor_struct_byte_for_byte(family):
    image = StructImage(vm.typestore().fielddefs, typename(family))
    assert image.size == SIZES[family]
    raw = busy_lowstate(family)
    got = image.one(raw).tobytes()
    assert got[:-4] == reference_image(raw, family)
    assert got[-4:] == raw[-4:]  # the trailing crc word, excluded from the CRC


@pytest.mark.parametrize('family', ['hg', 'go'])
def test_the_crc_equals_the_bitwise_reference_and_catches_a_flipped_bit(family):
    crc = LowStateCrc(vm.typestore().fielddefs, typename(family))
    raw = busy_lowstate(family)
    assert crc.computed(raw) == crc32_bitwise(reference_image(raw, family)) == crc.stored(raw)
    assert crc.matches(raw)
    for offset in (4, 40, len(raw) // 2, len(raw) - 5):  # payload bytes, the crc itself last
        flipped = bytearray(raw)
        flipped[offset] ^= 0x10
        assert not crc.matches(bytes(flipped)), offset
    assert not crc.matches(raw[:-8])  # not its layout at all


@pytest.mark.parametrize('family', ['hg', 'go'])
def test_a_batch_is_checked_message_by_message(family):
    crc = LowStateCrc(vm.typestore().fielddefs, typename(family))
    good = busy_lowstate(family)
    bad = bytearray(good)
    bad[100] ^= 1
    short = good[:-8]
    np.testing.assert_array_equal(crc.matches_many([good, bytes(bad), short, good]),
                                  [True, False, False, True])
    payload = np.frombuffer(good, dtype=np.uint8)[4:]
    assert crc.of_payload(payload) == crc.stored(good)


def test_a_type_with_a_sequence_has_no_struct_image():
    with pytest.raises(MappingError, match='no fixed C struct image'):
        StructImage(vm.typestore().fielddefs, 'booster_interface/msg/LowState')
    size, alignment, _ = struct_layout(vm.typestore().fielddefs, 'unitree_hg/msg/IMUState')
    assert (size, alignment) == (56, 4)  # 54 bytes of fields, padded to its alignment


@pytest.mark.parametrize('family', ['hg', 'go'])
def test_the_codec_flags_the_crc_and_the_robot_codec_never_maps_a_bad_state(family):
    codec = RobotCodec(load_profile(PROFILES[family]), load_canonical(), vm.typestore().fielddefs)
    good = vm.unitree_lowstate(family, vm.slot_values(SLOTS[family]))
    bad = vm.unitree_lowstate(family, vm.slot_values(SLOTS[family]), crc=12345)
    native, state = codec.state(good)
    assert bool(native.checksum_ok) and state is not None
    native, state = codec.state(bad)
    assert not bool(native.checksum_ok) and state is None
    assert checksum_failures(native) == 1


@pytest.mark.parametrize('family', ['hg', 'go'])
def test_an_export_batch_marks_bad_crc_messages_all_invalid_and_counts_them(family):
    codec = RobotCodec(load_profile(PROFILES[family]), load_canonical(), vm.typestore().fielddefs)
    good = vm.unitree_lowstate(family, vm.slot_values(SLOTS[family]))
    bad = vm.unitree_lowstate(family, vm.slot_values(SLOTS[family], 1e3), crc=1)
    native, state = codec.states([good, bad, good])
    np.testing.assert_array_equal(native.checksum_ok, [True, False, True])
    assert checksum_failures(native) == 1
    assert not state.valid[1].any() and state.valid[0].any()
    assert np.isnan(state.position[1]).all() and np.isnan(state.velocity[1]).all()
    assert np.isnan(state.imu.angular_velocity[1]).all()
    np.testing.assert_array_equal(state.position[0], state.position[2])
    assert np.isfinite(state.imu.angular_velocity[[0, 2]]).all()


@pytest.mark.parametrize('family', ['hg', 'go'])
def test_a_batch_of_many_messages_gets_each_message_s_own_crc(family):
    """The batched path (one copy, block copies, one bit reversal for all rows) against the
    bitwise reference, message by message, with states that differ in every motor."""
    slots = 35 if family == 'hg' else 20
    raws = [vm.unitree_lowstate(family, vm.slot_values(slots, 0.01 * k), tick=k)
            for k in range(300)]
    crc = LowStateCrc(vm.typestore().fielddefs, typename(family))
    corrupt = {7, 150, 299}
    for k in corrupt:  # other motor values under the CRC of the message they replace
        raws[k] = vm.unitree_lowstate(family, vm.slot_values(slots, 0.01 * k) + 0.5, tick=k,
                                      crc=crc.stored(raws[k]))
    reference = hg_lowstate_bytes if family == 'hg' else go_lowstate_bytes
    expected = [crc32_bitwise(reference(vm.deserialize(raw, typename(family)))) ==
                crc.stored(raw) for raw in raws]
    assert [k for k, ok in enumerate(expected) if not ok] == sorted(corrupt)
    np.testing.assert_array_equal(crc.matches_many(raws), expected)
