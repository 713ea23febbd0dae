"""The Unitree LowCmd CRC equals an independent bit-serial CRC over struct.pack bytes."""

from __future__ import annotations

import struct
from types import SimpleNamespace

import numpy as np
import pytest

from interop_bridge.errors import MappingError
from interop_bridge.vendors.unitree_crc import (
    GO_LOWCMD, HG_LOWCMD, crc32_words, go_lowcmd_crc, go_lowcmd_image, go_lowcmd_image_of,
    hg_lowcmd_crc, hg_lowcmd_image, hg_lowcmd_image_of, image_crc)

POLY = 0x04C11DB7


# ----- an independent reference, written from the algorithm description -----------------------

def reference_crc_words(words):
    """The vendor's loop: register starts all ones; each word fed bit 31 first."""
    register = 0xFFFFFFFF
    for word in words:
        for bit in range(31, -1, -1):
            feedback = (register >> 31) ^ ((word >> bit) & 1)
            register = (register << 1) & 0xFFFFFFFF
            if feedback:
                register ^= POLY
    return register


def reference_crc_bytes(data):
    """The same CRC over a byte stream, each byte most significant bit first (CRC-32/MPEG-2)."""
    register = 0xFFFFFFFF
    for byte in data:
        for bit in range(7, -1, -1):
            feedback = (register >> 31) ^ ((byte >> bit) & 1)
            register = (register << 1) & 0xFFFFFFFF
            if feedback:
                register ^= POLY
    return register


def pack_hg(mode_pr, mode_machine, motors, reserve, crc=0):
    """unitree_hg LowCmd as a C compiler lays it out, one field at a time."""
    data = struct.pack('<B', mode_pr) + struct.pack('<B', mode_machine) + b'\x00' * 2
    for motor in motors:
        data += struct.pack('<B', motor['mode']) + b'\x00' * 3
        for name in ('q', 'dq', 'tau', 'kp', 'kd'):
            data += struct.pack('<f', motor[name])
        data += struct.pack('<I', motor['reserve'])
    for word in reserve:
        data += struct.pack('<I', word)
    return data + struct.pack('<I', crc)


def pack_go(fields, motors, crc=0):
    """unitree_go LowCmd as a C compiler lays it out, one field at a time."""
    data = b''.join(struct.pack('<B', value) for value in fields['head'])
    data += struct.pack('<B', fields['level_flag']) + struct.pack('<B', fields['frame_reserve'])
    data += b''.join(struct.pack('<I', value) for value in fields['sn'] + fields['version'])
    data += struct.pack('<H', fields['bandwidth']) + b'\x00' * 2
    for motor in motors:
        data += struct.pack('<B', motor['mode']) + b'\x00' * 3
        for name in ('q', 'dq', 'tau', 'kp', 'kd'):
            data += struct.pack('<f', motor[name])
        data += b''.join(struct.pack('<I', value) for value in motor['reserve'])
    data += struct.pack('<B', fields['bms_off'])
    for name in ('bms_reserve', 'wireless_remote', 'led', 'fan'):
        data += b''.join(struct.pack('<B', value) for value in fields[name])
    data += struct.pack('<B', fields['gpio']) + b'\x00'
    return data + struct.pack('<I', fields['reserve']) + struct.pack('<I', crc)


def words_of(data):
    return list(struct.unpack(f'<{len(data) // 4}I', data))


def random_motors(rng, count, reserve_words=1):
    return [{'mode': int(rng.integers(0, 2)), 'q': float(np.float32(rng.uniform(-2, 2))),
             'dq': float(np.float32(rng.uniform(-1, 1))),
             'tau': float(np.float32(rng.uniform(-5, 5))),
             'kp': float(np.float32(rng.uniform(0, 100))),
             'kd': float(np.float32(rng.uniform(0, 3))),
             'reserve': (int(rng.integers(0, 2**32)) if reserve_words == 1 else
                         [int(value) for value in rng.integers(0, 2**32, reserve_words)])}
            for _ in range(count)]


def column(motors, name):
    return [motor[name] for motor in motors]


# ----- the reference itself ------------------------------------------------------------------

def test_reference_byte_crc_gives_the_published_crc32_mpeg2_check_value():
    # CRC-32/MPEG-2 (poly 04C11DB7, init FFFFFFFF, no reflection, no xorout) check value,
    # from the CRC catalogue: CRC of the ASCII bytes '123456789'.
    assert reference_crc_bytes(b'123456789') == 0x0376E6E7


def test_reference_word_crc_is_the_byte_crc_of_each_word_most_significant_byte_first():
    words = [0x31323334, 0xDEADBEEF, 0]
    stream = b''.join(struct.pack('>I', word) for word in words)
    assert reference_crc_words(words) == reference_crc_bytes(stream)


# ----- crc32_words -------------------------------------------------------------------------

@pytest.mark.parametrize('count', [0, 1, 2, 7, 202, 250])
def test_crc32_words_equals_the_reference_on_random_words(count):
    words = np.random.default_rng(count).integers(0, 2**32, count, dtype=np.uint64)
    assert crc32_words(words.astype(np.uint32)) == reference_crc_words(words.tolist())


def test_crc32_words_of_nothing_is_the_initial_register():
    assert crc32_words([]) == 0xFFFFFFFF


def test_crc32_words_accepts_python_int_lists_and_returns_a_python_int():
    crc = crc32_words([0x31323334, 0x35363738])
    assert isinstance(crc, int)
    assert crc == reference_crc_words([0x31323334, 0x35363738])


def test_appending_the_crc_as_a_word_leaves_a_zero_register():
    # No reflection and no final XOR: the catalogue residue of CRC-32/MPEG-2 is 0.
    words = np.random.default_rng(5).integers(0, 2**32, 40, dtype=np.uint64).astype(np.uint32)
    assert crc32_words(np.append(words, np.uint32(crc32_words(words)))) == 0


def test_crc32_words_rejects_non_integer_words():
    with pytest.raises(MappingError, match='expected integer words, got an array of float64'):
        crc32_words(np.array([1.5, 2.0]))


# ----- unitree_hg ---------------------------------------------------------------------------

def test_hg_image_is_the_1004_byte_c_struct():
    rng = np.random.default_rng(1)
    motors = random_motors(rng, 35)
    reserve = [1, 2, 3, 0xFFFFFFFF]
    image = hg_lowcmd_image(mode_pr=1, mode_machine=5, motor_reserve=column(motors, 'reserve'),
                            reserve=reserve, crc=0xABCDEF01,
                            **{name: column(motors, name) for name in
                               ('mode', 'q', 'dq', 'tau', 'kp', 'kd')})
    assert HG_LOWCMD.itemsize == 1004
    assert image.tobytes() == pack_hg(1, 5, motors, reserve, crc=0xABCDEF01)


def test_hg_crc_of_field_values_equals_the_reference_over_250_words():
    rng = np.random.default_rng(2)
    motors = random_motors(rng, 35)
    expected = reference_crc_words(words_of(pack_hg(0, 4, motors, [0, 0, 0, 9]))[:-1])
    crc = hg_lowcmd_crc(mode_machine=4, reserve=[0, 0, 0, 9],
                        motor_reserve=column(motors, 'reserve'),
                        **{name: np.array(column(motors, name)) for name in
                           ('mode', 'q', 'dq', 'tau', 'kp', 'kd')})
    assert crc == expected


def test_hg_crc_of_a_message_object_by_attributes_equals_the_reference():
    rng = np.random.default_rng(3)
    motors = random_motors(rng, 35)
    message = SimpleNamespace(mode_pr=0, mode_machine=5, reserve=[7, 0, 0, 0], crc=123,
                              motor_cmd=[SimpleNamespace(**motor) for motor in motors])
    expected = reference_crc_words(words_of(pack_hg(0, 5, motors, [7, 0, 0, 0]))[:-1])
    assert hg_lowcmd_crc(message) == expected
    assert hg_lowcmd_crc(hg_lowcmd_image_of(message)) == expected


def test_hg_crc_of_a_generated_rclpy_lowcmd_equals_the_crc_of_its_fields():
    from unitree_hg.msg import LowCmd
    message = LowCmd()
    message.mode_machine = 5
    for index, motor in enumerate(message.motor_cmd):
        motor.mode, motor.q, motor.kp, motor.kd = 1, 0.01 * index, 40.0, 1.0
    expected = hg_lowcmd_crc(mode_machine=5, mode=1, q=np.float32(np.arange(35) * 0.01),
                             kp=40.0, kd=1.0)
    assert hg_lowcmd_crc(message) == expected


def test_hg_crc_covers_every_reserve_word_but_not_the_crc_field():
    base = hg_lowcmd_crc(reserve=[0, 0, 0, 0])
    assert hg_lowcmd_crc(reserve=[0, 0, 0, 1]) != base
    assert hg_lowcmd_crc(reserve=[0, 0, 0, 0], crc=0x12345678) == base


def test_hg_crc_changes_when_one_motor_target_changes():
    q = np.zeros(35)
    base = hg_lowcmd_crc(q=q)
    q[34] = 0.001
    assert hg_lowcmd_crc(q=q) != base


def test_hg_image_rejects_a_per_motor_array_of_the_wrong_length():
    with pytest.raises(MappingError, match=r"hg LowCmd field 'q': got values of shape \(29,\), "
                                           r'expected one value or values of shape \(35,\)'):
        hg_lowcmd_image(q=np.zeros(29))


def test_hg_image_rejects_an_out_of_range_byte():
    with pytest.raises(MappingError, match="field 'mode_pr': got 300, expected one uint8 value"):
        hg_lowcmd_image(mode_pr=300)


def test_hg_crc_rejects_a_message_with_the_wrong_motor_count():
    message = SimpleNamespace(mode_pr=0, mode_machine=0, reserve=[0] * 4,
                              motor_cmd=[SimpleNamespace(mode=0, q=0, dq=0, tau=0, kp=0, kd=0,
                                                         reserve=0)] * 34)
    with pytest.raises(MappingError, match='hg LowCmd.motor_cmd has 34 entries, expected 35'):
        hg_lowcmd_crc(message)


def test_hg_crc_rejects_a_message_and_field_values_together():
    with pytest.raises(MappingError, match=r"not both \(got fields \['q'\]\)"):
        hg_lowcmd_crc(hg_lowcmd_image(), q=1.0)


def test_hg_crc_rejects_an_image_of_the_other_family():
    with pytest.raises(MappingError, match='struct image has dtype'):
        hg_lowcmd_crc(go_lowcmd_image())


# ----- unitree_go ---------------------------------------------------------------------------

GO_FIELDS = {'head': [0xFE, 0xEF], 'level_flag': 0xFF, 'frame_reserve': 3, 'sn': [11, 12],
             'version': [13, 14], 'bandwidth': 0x3AC0, 'bms_off': 0xA5, 'bms_reserve': [1, 2, 3],
             'wireless_remote': list(range(40)), 'led': list(range(100, 112)), 'fan': [7, 8],
             'gpio': 1, 'reserve': 0xCAFEBABE}


def go_image_from(fields, motors, crc=0):
    return go_lowcmd_image(motor_reserve=column(motors, 'reserve'), crc=crc, **fields,
                           **{name: column(motors, name) for name in
                              ('mode', 'q', 'dq', 'tau', 'kp', 'kd')})


def test_go_image_is_the_812_byte_c_struct():
    motors = random_motors(np.random.default_rng(4), 20, reserve_words=3)
    assert GO_LOWCMD.itemsize == 812
    assert go_image_from(GO_FIELDS, motors, 0x01020304).tobytes() == pack_go(
        GO_FIELDS, motors, crc=0x01020304)


def test_go_crc_of_field_values_equals_the_reference_over_202_words():
    motors = random_motors(np.random.default_rng(6), 20, reserve_words=3)
    expected = reference_crc_words(words_of(pack_go(GO_FIELDS, motors))[:-1])
    assert len(words_of(pack_go(GO_FIELDS, motors))) == 203
    assert go_lowcmd_crc(go_image_from(GO_FIELDS, motors)) == expected
    assert image_crc(go_image_from(GO_FIELDS, motors)) == expected


def test_go_crc_of_a_message_object_by_attributes_equals_the_reference():
    motors = random_motors(np.random.default_rng(7), 20, reserve_words=3)
    message = SimpleNamespace(
        head=GO_FIELDS['head'], level_flag=0xFF, frame_reserve=3, sn=[11, 12], version=[13, 14],
        bandwidth=0x3AC0, bms_cmd=SimpleNamespace(off=0xA5, reserve=[1, 2, 3]),
        wireless_remote=list(range(40)), led=list(range(100, 112)), fan=[7, 8], gpio=1,
        reserve=0xCAFEBABE, crc=0, motor_cmd=[SimpleNamespace(**motor) for motor in motors])
    expected = reference_crc_words(words_of(pack_go(GO_FIELDS, motors))[:-1])
    assert go_lowcmd_crc(message) == expected
    assert go_lowcmd_image_of(message).tobytes() == pack_go(GO_FIELDS, motors)


def test_go_crc_of_a_generated_rclpy_lowcmd_equals_the_crc_of_its_fields():
    from unitree_go.msg import LowCmd
    message = LowCmd()
    message.head = [0xFE, 0xEF]
    message.level_flag = 0xFF
    for motor in message.motor_cmd:
        motor.mode, motor.q, motor.kp = 1, 0.25, 60.0
    assert go_lowcmd_crc(message) == go_lowcmd_crc(mode=1, q=0.25, kp=60.0)


def test_go_image_rejects_too_many_led_values():
    with pytest.raises(MappingError, match=r"go LowCmd field 'led': got values of shape \(13,\)"):
        go_lowcmd_image(led=list(range(13)))
