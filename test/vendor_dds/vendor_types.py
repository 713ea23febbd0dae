"""The vendors' wire types, declared for CycloneDDS from the public layouts.

Field order and types as in vendor-interfaces.md §1.3 (unitree_hg) and §2.3 (booster), which the
project's message copies in test/vendor_interfaces/ follow too; type names as DDS sees a ROS 2
type (`unitree_hg/msg/LowState` is `unitree_hg::msg::dds_::LowState_`), the way the vendors'
own SDKs name them. Declared here, independently of the bridge's codecs: nothing is imported
from interop_bridge.
"""
# No `from __future__ import annotations`: CycloneDDS reads the annotations as types.

from dataclasses import dataclass, field

from cyclonedds.idl import IdlStruct, annotations
from cyclonedds.idl.types import array, float32, int8, int16, sequence, uint8, uint32

MOTOR_SLOTS = 35  # unitree_hg LowState/LowCmd


def _zeros(count: int, value: float = 0):
    """A dataclass default: a fresh list of `count` zeros."""
    return field(default_factory=lambda: [value] * count)


@dataclass
@annotations.final
class MotorState_(IdlStruct, typename='unitree_hg.msg.dds_.MotorState_'):
    mode: uint8 = 0
    q: float32 = 0.0
    dq: float32 = 0.0
    ddq: float32 = 0.0
    tau_est: float32 = 0.0
    temperature: array[int16, 2] = _zeros(2)
    vol: float32 = 0.0
    sensor: array[uint32, 2] = _zeros(2)
    motorstate: uint32 = 0
    reserve: array[uint32, 4] = _zeros(4)


@dataclass
@annotations.final
class IMUState_(IdlStruct, typename='unitree_hg.msg.dds_.IMUState_'):
    quaternion: array[float32, 4] = _zeros(4)  # w, x, y, z
    gyroscope: array[float32, 3] = _zeros(3)
    accelerometer: array[float32, 3] = _zeros(3)
    rpy: array[float32, 3] = _zeros(3)
    temperature: int16 = 0


@dataclass
@annotations.final
class LowState_(IdlStruct, typename='unitree_hg.msg.dds_.LowState_'):
    version: array[uint32, 2] = _zeros(2)
    mode_pr: uint8 = 0
    mode_machine: uint8 = 0
    tick: uint32 = 0
    imu_state: IMUState_ = field(default_factory=IMUState_)
    motor_state: array[MotorState_, MOTOR_SLOTS] = field(
        default_factory=lambda: [MotorState_() for _ in range(MOTOR_SLOTS)])
    wireless_remote: array[uint8, 40] = _zeros(40)
    reserve: array[uint32, 4] = _zeros(4)
    crc: uint32 = 0


@dataclass
@annotations.final
class MotorCmd_(IdlStruct, typename='unitree_hg.msg.dds_.MotorCmd_'):
    mode: uint8 = 0
    q: float32 = 0.0
    dq: float32 = 0.0
    tau: float32 = 0.0
    kp: float32 = 0.0
    kd: float32 = 0.0
    reserve: uint32 = 0


@dataclass
@annotations.final
class LowCmd_(IdlStruct, typename='unitree_hg.msg.dds_.LowCmd_'):
    mode_pr: uint8 = 0
    mode_machine: uint8 = 0
    motor_cmd: array[MotorCmd_, MOTOR_SLOTS] = field(
        default_factory=lambda: [MotorCmd_() for _ in range(MOTOR_SLOTS)])
    reserve: array[uint32, 4] = _zeros(4)
    crc: uint32 = 0


@dataclass
@annotations.final
class BoosterImuState(IdlStruct, typename='booster_interface.msg.dds_.ImuState_'):
    rpy: array[float32, 3] = _zeros(3)
    gyro: array[float32, 3] = _zeros(3)
    acc: array[float32, 3] = _zeros(3)


@dataclass
@annotations.final
class BoosterMotorState(IdlStruct, typename='booster_interface.msg.dds_.MotorState_'):
    mode: int8 = 0
    q: float32 = 0.0
    dq: float32 = 0.0
    ddq: float32 = 0.0
    tau_est: float32 = 0.0
    temperature: int8 = 0
    lost: uint32 = 0
    reserve: array[uint32, 2] = _zeros(2)


@dataclass
@annotations.final
class BoosterLowState(IdlStruct, typename='booster_interface.msg.dds_.LowState_'):
    imu_state: BoosterImuState = field(default_factory=BoosterImuState)
    motor_state_parallel: sequence[BoosterMotorState] = field(default_factory=list)
    motor_state_serial: sequence[BoosterMotorState] = field(default_factory=list)


@dataclass
@annotations.final
class BoosterMotorCmd(IdlStruct, typename='booster_interface.msg.dds_.MotorCmd_'):
    mode: int8 = 0
    q: float32 = 0.0
    dq: float32 = 0.0
    tau: float32 = 0.0
    kp: float32 = 0.0
    kd: float32 = 0.0
    weight: float32 = 0.0


@dataclass
@annotations.final
class BoosterLowCmd(IdlStruct, typename='booster_interface.msg.dds_.LowCmd_'):
    cmd_type: int8 = 0  # 0 = PARALLEL, 1 = SERIAL
    motor_cmd: sequence[BoosterMotorCmd] = field(default_factory=list)
