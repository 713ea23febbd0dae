"""Serialized vendor messages with known values, built with rosbags (independent of our codecs).

Vendor types come from the project's test copies in test/vendor_interfaces/*/msg, parsed
directly, so these helpers need no colcon build.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np
from rosbags.typesys import Stores, get_types_from_msg, get_typestore

VENDOR_DIR = Path(__file__).resolve().parent / 'vendor_interfaces'


@functools.lru_cache(maxsize=1)
def typestore():
    """Jazzy types + interop_msgs + the vendor test copies."""
    store = get_typestore(Stores.ROS2_JAZZY)
    types = {}
    repo = Path(__file__).resolve().parent.parent
    for path in sorted((repo / 'interop_msgs' / 'msg').glob('*.msg')):
        types.update(get_types_from_msg(path.read_text(), f'interop_msgs/msg/{path.stem}'))
    for package in ('unitree_hg', 'unitree_go', 'booster_interface'):
        for path in sorted((VENDOR_DIR / package / 'msg').glob('*.msg')):
            types.update(get_types_from_msg(path.read_text(), f'{package}/msg/{path.stem}'))
    store.register(types)
    return store


def slot_values(count: int, seed: float = 0.0) -> np.ndarray:
    """Distinct, small, known values per slot (rad)."""
    return np.round(0.01 * np.arange(count) - 0.1 + seed, 6).astype(np.float32)


@functools.lru_cache(maxsize=None)
def _defaults(typename: str) -> dict:
    # Default field values, built once per type; never mutated, so they can be shared.
    store = typestore()
    return {name: _default(store, desc) for name, desc in store.fielddefs[typename][1]}


def _message(typename: str, **fields):
    return typestore().types[typename](**{**_defaults(typename), **fields})


def _default(store, desc):
    kind, detail = desc
    if kind == 1:
        typ = detail[0]
        return '' if typ == 'string' else (False if typ == 'bool' else 0)
    if kind == 2:
        return _message(detail)
    element, count = detail
    if element[0] == 1 and element[1][0] != 'string':
        name = element[1][0]
        dtype = {'float32': np.float32, 'float64': np.float64, 'bool': np.bool_}.get(
            name, np.dtype(name.replace('byte', 'uint8').replace('char', 'uint8')))
        return np.zeros(count if kind == 3 else 0, dtype=dtype)
    if element[0] == 1:
        return [''] * (count if kind == 3 else 0)
    return [_message(element[1]) for _ in range(count if kind == 3 else 0)]


def unitree_lowstate(family: str, q: np.ndarray, *, tick: int = 1000, mode_machine: int = 5,
                     quaternion_wxyz=(0.9, 0.1, 0.2, 0.3)) -> bytes:
    """A serialized unitree_hg or unitree_go LowState with motor q = `q` (dq = q/2, tau = -q)."""
    package = f'unitree_{family}'
    slots = q.shape[0]
    motors = []
    for slot in range(slots):
        fields = dict(q=float(q[slot]), dq=float(q[slot] / 2), tau_est=float(-q[slot]))
        if family == 'hg':
            fields.update(temperature=np.array([30 + slot, 40 + slot], dtype=np.int16),
                          motorstate=slot)
        else:
            fields.update(temperature=20 + slot)
        motors.append(_message(f'{package}/msg/MotorState', **fields))
    imu = _message(f'{package}/msg/IMUState',
                   quaternion=np.array(quaternion_wxyz, dtype=np.float32),
                   gyroscope=np.array([0.1, 0.2, 0.3], dtype=np.float32),
                   accelerometer=np.array([0.0, 0.0, 9.81], dtype=np.float32))
    fields = dict(imu_state=imu, motor_state=motors, tick=tick)
    if family == 'hg':
        fields['mode_machine'] = mode_machine
    return bytes(typestore().serialize_cdr(_message(f'{package}/msg/LowState', **fields),
                                           f'{package}/msg/LowState'))


def booster_lowstate(q: np.ndarray, rpy=(0.1, 0.2, 0.3)) -> bytes:
    """A serialized booster_interface LowState with serial q = `q`."""
    motors = [_message('booster_interface/msg/MotorState', q=float(value), dq=float(value / 2),
                       tau_est=float(-value), temperature=25) for value in q]
    parallel = [_message('booster_interface/msg/MotorState', q=9.0) for _ in range(4)]
    imu = _message('booster_interface/msg/ImuState', rpy=np.array(rpy, dtype=np.float32),
                   gyro=np.array([0.1, 0.2, 0.3], dtype=np.float32),
                   acc=np.array([0.0, 0.0, 9.81], dtype=np.float32))
    message = _message('booster_interface/msg/LowState', imu_state=imu,
                       motor_state_parallel=parallel, motor_state_serial=motors)
    return bytes(typestore().serialize_cdr(message, 'booster_interface/msg/LowState'))


def joint_state(names: list[str], position: np.ndarray, stamp_ns: int = 5_000_000_123) -> bytes:
    """A serialized sensor_msgs/JointState."""
    store = typestore()
    types = store.types
    header = types['std_msgs/msg/Header'](
        stamp=types['builtin_interfaces/msg/Time'](sec=stamp_ns // 10**9,
                                                   nanosec=stamp_ns % 10**9), frame_id='')
    message = types['sensor_msgs/msg/JointState'](
        header=header, name=names, position=np.asarray(position, dtype=np.float64),
        velocity=np.asarray(position, dtype=np.float64) / 2,
        effort=-np.asarray(position, dtype=np.float64))
    return bytes(store.serialize_cdr(message, 'sensor_msgs/msg/JointState'))


def deserialize(raw: bytes, typename: str):
    """rosbags deserialization (independent of our numpy codecs)."""
    return typestore().deserialize_cdr(raw, typename)


HALF_PI = math.pi / 2
