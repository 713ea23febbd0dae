"""The wire formats of the hand codecs, as message definitions, one set per firmware generation.

Unitree's Dex3-1 `HandState_` changed twice (unitree_sdk2 include/unitree/idl/hg/, read at the
commits named; vendor-interfaces-2.md §1.1):

- '2024-08' (242ac13, the first hg IDL): motor_state, imu_state, press_sensor_state, power_v,
  power_a, reserve[2]; PressSensorState_ = pressure[12], temperature[12];
- '2024-12' (a05fb25, 2024-12-18): press_sensor_state moved before imu_state; system_v,
  device_v, error[2] added;
- '2025-02' (eed0898, 2025-02-28, current): PressSensorState_ gained lost, reserve.

A codec built on one generation mis-decodes another, so the hand profile names its firmware
(`firmware`). The definitions live here, not in an installed package, because an older
generation has no installed package: each set is registered under its own package name
(`dex3_2024_08/msg/HandState` ...) for the numpy CDR gather. Unitree's `unitree_go`
`MotorStates_`/`MotorCmds_` (Inspire and BrainCo through Unitree's bridges) have one
generation; their definitions are the installed package's, kept here too so the bridge needs
nothing but this module to speak them.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from rosbags.typesys import Stores, get_types_from_msg, get_typestore

HG_MOTOR_STATE = """uint8 mode
float32 q
float32 dq
float32 ddq
float32 tau_est
int16[2] temperature
float32 vol
uint32[2] sensor
uint32 motorstate
uint32[4] reserve
"""
HG_MOTOR_CMD = """uint8 mode
float32 q
float32 dq
float32 tau
float32 kp
float32 kd
uint32 reserve
"""
HG_IMU = """float32[4] quaternion
float32[3] gyroscope
float32[3] accelerometer
float32[3] rpy
int16 temperature
"""
HG_HAND_CMD = """MotorCmd[] motor_cmd
uint32[4] reserve
"""
PRESS_2024 = """float32[12] pressure
float32[12] temperature
"""
PRESS_2025 = PRESS_2024 + """uint32 lost
uint32 reserve
"""
HAND_STATE_2024_08 = """MotorState[] motor_state
IMUState imu_state
PressSensorState[] press_sensor_state
float32 power_v
float32 power_a
uint32[2] reserve
"""
HAND_STATE_2024_12 = """MotorState[] motor_state
PressSensorState[] press_sensor_state
IMUState imu_state
float32 power_v
float32 power_a
float32 system_v
float32 device_v
uint32[2] error
uint32[2] reserve
"""
GO_MOTOR_STATE = """uint8 mode
float32 q
float32 dq
float32 ddq
float32 tau_est
float32 q_raw
float32 dq_raw
float32 ddq_raw
int8 temperature
uint32 lost
uint32[2] reserve
"""
GO_MOTOR_CMD = """uint8 mode
float32 q
float32 dq
float32 tau
float32 kp
float32 kd
uint32[3] reserve
"""

# firmware generation -> (HandState, PressSensorState) definitions
DEX3_GENERATIONS: Mapping[str, tuple[str, str]] = {
    '2024-08': (HAND_STATE_2024_08, PRESS_2024),
    '2024-12': (HAND_STATE_2024_12, PRESS_2024),
    '2025-02': (HAND_STATE_2024_12, PRESS_2025),
}
NEWEST_DEX3 = '2025-02'


def dex3_package(generation: str) -> str:
    """The package name the definitions of one Dex3 firmware generation are registered under."""
    return 'dex3_' + generation.replace('-', '_')


@functools.lru_cache(maxsize=8)
def dex3_store(generation: str) -> Any:
    """A typestore holding one generation's HandState and HandCmd (and what they use)."""
    state, press = DEX3_GENERATIONS[generation]
    texts = {'MotorState': HG_MOTOR_STATE, 'MotorCmd': HG_MOTOR_CMD, 'IMUState': HG_IMU,
             'PressSensorState': press, 'HandState': state, 'HandCmd': HG_HAND_CMD}
    return _register(dex3_package(generation), texts)


@functools.lru_cache(maxsize=1)
def go_store() -> Any:
    """A typestore holding unitree_go MotorStates and MotorCmds."""
    texts = {'MotorState': GO_MOTOR_STATE, 'MotorCmd': GO_MOTOR_CMD,
             'MotorStates': 'MotorState[] states\n', 'MotorCmds': 'MotorCmd[] cmds\n'}
    return _register('unitree_go', texts)


def _register(package: str, texts: Mapping[str, str]) -> Any:
    """A Jazzy typestore with `texts` ({Name: msg text}) registered as package/msg/Name."""
    store = get_typestore(Stores.ROS2_JAZZY)
    types: dict[str, Any] = {}
    for name, text in texts.items():
        types.update(get_types_from_msg(text, f'{package}/msg/{name}'))
    store.register(types)
    return store
