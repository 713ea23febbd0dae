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


def hg_lowstate_bytes(message) -> bytes:
    """The packed C struct of a unitree_hg LowState (without the crc word): 2088 bytes."""
    imu = message.imu_state
    parts = [struct.pack('<2IBBxxI', *message.version, message.mode_pr, message.mode_machine,
                         message.tick),
             struct.pack('<13fhxx', *imu.quaternion, *imu.gyroscope, *imu.accelerometer,
                         *imu.rpy, imu.temperature)]
    for motor in message.motor_state:
        parts.append(struct.pack('<Bxxx4f2hf2II4I', motor.mode, motor.q, motor.dq, motor.ddq,
                                 motor.tau_est, *motor.temperature, motor.vol, *motor.sensor,
                                 motor.motorstate, *motor.reserve))
    parts.append(struct.pack('<40B4I', *message.wireless_remote, *message.reserve))
    return b''.join(parts)


def go_lowstate_bytes(message) -> bytes:
    """The packed C struct of a unitree_go LowState (without the crc word): 1176 bytes."""
    imu = message.imu_state
    parts = [struct.pack('<2BBB2I2IHxx', *message.head, message.level_flag,
                         message.frame_reserve, *message.sn, *message.version,
                         message.bandwidth),
             struct.pack('<13fbxxx', *imu.quaternion, *imu.gyroscope, *imu.accelerometer,
                         *imu.rpy, imu.temperature)]
    for motor in message.motor_state:
        parts.append(struct.pack('<Bxxx7fbxxxI2I', motor.mode, motor.q, motor.dq, motor.ddq,
                                 motor.tau_est, motor.q_raw, motor.dq_raw, motor.ddq_raw,
                                 motor.temperature, motor.lost, *motor.reserve))
    bms = message.bms_state
    parts.append(struct.pack('<4BiH2b2b15H', bms.version_high, bms.version_low, bms.status,
                             bms.soc, bms.current, bms.cycle, *bms.bq_ntc, *bms.mcu_ntc,
                             *bms.cell_vol))
    parts.append(struct.pack('<4h4hI40BBxxxfbbxxff4HI', *message.foot_force,
                             *message.foot_force_est, message.tick, *message.wireless_remote,
                             message.bit_flag, message.adc_reel, message.temperature_ntc1,
                             message.temperature_ntc2, message.power_v, message.power_a,
                             *message.fan_frequency, message.reserve))
    return b''.join(parts)


def lowstate_crc(message, family: str) -> int:
    """The CRC a unitree_hg / unitree_go LowState message object must carry."""
    image = hg_lowstate_bytes(message) if family == 'hg' else go_lowstate_bytes(message)
    return crc32_bitwise(image)
