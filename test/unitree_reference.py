"""An independent reference for the Unitree LowCmd CRC: struct.pack field by field, bit by bit.

Deliberately shares nothing with interop_bridge.vendors.unitree_crc.
"""

from __future__ import annotations

import struct


def crc32_bitwise(data: bytes) -> int:
    """CRC-32, poly 0x04C11DB7, init 0xFFFFFFFF, MSB first over little-endian 32-bit words."""
    crc = 0xFFFFFFFF
    for (word,) in struct.iter_unpack('<I', data):
        for bit in range(31, -1, -1):
            top = crc & 0x80000000
            crc = (crc << 1) & 0xFFFFFFFF
            if top ^ (((word >> bit) & 1) << 31):
                crc ^= 0x04C11DB7
    return crc


def hg_lowcmd_bytes(message) -> bytes:
    """The packed C struct of a unitree_hg LowCmd (without the crc word)."""
    parts = [struct.pack('<BBxx', message.mode_pr, message.mode_machine)]
    for motor in message.motor_cmd:
        parts.append(struct.pack('<Bxxx5fI', motor.mode, motor.q, motor.dq, motor.tau,
                                 motor.kp, motor.kd, motor.reserve))
    parts.append(struct.pack('<4I', *message.reserve))
    return b''.join(parts)


def go_lowcmd_bytes(message) -> bytes:
    """The packed C struct of a unitree_go LowCmd (without the crc word)."""
    parts = [struct.pack('<2BBB2I2IHxx', *message.head, message.level_flag,
                         message.frame_reserve, *message.sn, *message.version, message.bandwidth)]
    for motor in message.motor_cmd:
        parts.append(struct.pack('<Bxxx5f3I', motor.mode, motor.q, motor.dq, motor.tau,
                                 motor.kp, motor.kd, *motor.reserve))
    bms = message.bms_cmd
    parts.append(struct.pack('<B3B', bms.off, *bms.reserve))
    parts.append(struct.pack('<40B12B2BBxI', *message.wireless_remote, *message.led,
                             *message.fan, message.gpio, message.reserve))
    return b''.join(parts)
