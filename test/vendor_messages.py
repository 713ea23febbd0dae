"""Serialized vendor messages with known values, built with rosbags (independent of our codecs).

Vendor types come from the project's test copies in test/vendor_interfaces/*/msg, parsed
directly, so these helpers need no colcon build.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np
import unitree_reference
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
                     quaternion_wxyz=(0.9, 0.1, 0.2, 0.3), rpy=(0.0, 0.0, 0.0),
                     crc: int | None = None, dq: np.ndarray | None = None,
                     tau: np.ndarray | None = None, gyroscope=(0.1, 0.2, 0.3),
                     accelerometer=(0.0, 0.0, 9.81)) -> bytes:
    """A serialized unitree_hg or unitree_go LowState with motor q = `q` (by default dq = q/2,
    tau = -q).

    It carries the CRC the robot would put on it (computed by the independent bitwise
    reference, test/unitree_reference.py), or `crc` when given (a corrupt state).
    """
    dq = q / 2 if dq is None else dq
    tau = -q if tau is None else tau
    package = f'unitree_{family}'
    slots = q.shape[0]
    motors = []
    for slot in range(slots):
        fields = dict(q=float(q[slot]), dq=float(dq[slot]), tau_est=float(tau[slot]))
        if family == 'hg':
            fields.update(temperature=np.array([30 + slot, 40 + slot], dtype=np.int16),
                          motorstate=slot)
        else:
            fields.update(temperature=20 + slot)
        motors.append(_message(f'{package}/msg/MotorState', **fields))
    imu = _message(f'{package}/msg/IMUState',
                   quaternion=np.array(quaternion_wxyz, dtype=np.float32),
                   rpy=np.array(rpy, dtype=np.float32),
                   gyroscope=np.array(gyroscope, dtype=np.float32),
                   accelerometer=np.array(accelerometer, dtype=np.float32))
    fields = dict(imu_state=imu, motor_state=motors, tick=tick)
    if family == 'hg':
        fields['mode_machine'] = mode_machine
    message = _message(f'{package}/msg/LowState', **fields)
    message.crc = unitree_reference.lowstate_crc(message, family) if crc is None else crc
    return bytes(typestore().serialize_cdr(message, f'{package}/msg/LowState'))


def booster_lowstate(q: np.ndarray, rpy=(0.1, 0.2, 0.3), error_flags=None) -> bytes:
    """A serialized booster_interface LowState with serial q = `q` (reserve[0]: error_flags)."""
    flags = np.zeros(len(q), dtype=np.uint32) if error_flags is None else error_flags
    motors = [_message('booster_interface/msg/MotorState', q=float(value), dq=float(value / 2),
                       tau_est=float(-value), temperature=25,
                       reserve=np.array([flag, 800], dtype=np.uint32))
              for value, flag in zip(q, flags)]
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


def _header(stamp_ns: int, frame_id: str = ''):
    types = typestore().types
    return types['std_msgs/msg/Header'](
        stamp=types['builtin_interfaces/msg/Time'](sec=stamp_ns // 10**9,
                                                   nanosec=stamp_ns % 10**9),
        frame_id=frame_id)


def imu(orientation_xyzw=(0.1, 0.2, 0.3, 0.9), angular_velocity=(0.4, 0.5, 0.6),
        linear_acceleration=(0.0, 0.0, 9.81), *, orientation_covariance0: float = 0.0,
        stamp_ns: int = 7_000_000_042) -> bytes:
    """A serialized sensor_msgs/Imu (orientation_covariance[0] = -1: no orientation)."""
    types = typestore().types
    covariance = np.zeros(9)
    covariance[0] = orientation_covariance0
    message = types['sensor_msgs/msg/Imu'](
        header=_header(stamp_ns, 'imu_link'),
        orientation=types['geometry_msgs/msg/Quaternion'](*map(float, orientation_xyzw)),
        orientation_covariance=covariance,
        angular_velocity=types['geometry_msgs/msg/Vector3'](*map(float, angular_velocity)),
        angular_velocity_covariance=np.zeros(9),
        linear_acceleration=types['geometry_msgs/msg/Vector3'](*map(float, linear_acceleration)),
        linear_acceleration_covariance=np.zeros(9))
    return bytes(typestore().serialize_cdr(message, 'sensor_msgs/msg/Imu'))


def wrench_stamped(force=(1.0, 2.0, 3.0), torque=(4.0, 5.0, 6.0), *,
                   stamp_ns: int = 8_000_000_007) -> bytes:
    """A serialized geometry_msgs/WrenchStamped."""
    types = typestore().types
    vector = types['geometry_msgs/msg/Vector3']
    message = types['geometry_msgs/msg/WrenchStamped'](
        header=_header(stamp_ns, 'ft'),
        wrench=types['geometry_msgs/msg/Wrench'](force=vector(*map(float, force)),
                                                 torque=vector(*map(float, torque))))
    return bytes(typestore().serialize_cdr(message, 'geometry_msgs/msg/WrenchStamped'))


def float64_multi_array(data) -> bytes:
    """A serialized std_msgs/Float64MultiArray (no layout dimensions)."""
    types = typestore().types
    message = types['std_msgs/msg/Float64MultiArray'](
        layout=types['std_msgs/msg/MultiArrayLayout'](dim=[], data_offset=0),
        data=np.asarray(data, dtype=np.float64))
    return bytes(typestore().serialize_cdr(message, 'std_msgs/msg/Float64MultiArray'))


def unitree_lowcmd(family: str, motors: list[dict], **fields) -> bytes:
    """A serialized unitree_hg/unitree_go LowCmd; `motors` gives MotorCmd fields per slot."""
    package = f'unitree_{family}'
    count = 35 if family == 'hg' else 20
    cmds = [_message(f'{package}/msg/MotorCmd', **(motors[slot] if slot < len(motors) else {}))
            for slot in range(count)]
    message = _message(f'{package}/msg/LowCmd', motor_cmd=cmds, **fields)
    return bytes(typestore().serialize_cdr(message, f'{package}/msg/LowCmd'))


def booster_lowcmd(motors: list[dict], cmd_type: int = 1) -> bytes:
    """A serialized booster_interface LowCmd with one MotorCmd per entry of `motors`."""
    cmds = [_message('booster_interface/msg/MotorCmd', **motor) for motor in motors]
    message = _message('booster_interface/msg/LowCmd', cmd_type=cmd_type, motor_cmd=cmds)
    return bytes(typestore().serialize_cdr(message, 'booster_interface/msg/LowCmd'))


def profile_state(profile, seed: float = 0.0) -> tuple[bytes, np.ndarray, list[str] | None]:
    """Serialized vendor state of any profile's robot: (bytes, native q per slot or name, names).

    Slot-addressed robots get `slot_values`; name-addressed ones a JointState over every joint,
    extra and gripper the profile names, in reverse profile order, grippers half closed.
    """
    if profile.adapter.startswith('unitree_'):
        q = slot_values(profile.options['motor_slots'], seed)
        return unitree_lowstate(profile.adapter[-2:], q, tick=1000 + int(1000 * seed),
                                quaternion_wxyz=(0.9, 0.1 + seed, 0.2, 0.3)), q, None
    if profile.adapter == 'booster':
        q = slot_values(profile.options['motor_count'], seed)
        return booster_lowstate(q, rpy=(0.1 + seed, 0.2, 0.3)), q, None
    if profile.adapter != 'ros2_control':
        msg = f'no test state for adapter {profile.adapter!r}: add one to vendor_messages.py'
        raise NotImplementedError(msg)
    names = [str(entry.source) for entry in (*profile.joints, *profile.extra,
                                             *profile.grippers)][::-1]
    q = np.round(np.linspace(-0.3, 0.3, len(names)) + seed, 6)
    for gripper in profile.grippers:
        q[names.index(str(gripper.source))] = (gripper.open + gripper.closed) / 2
    return joint_state(names, q, stamp_ns=5_000_000_123 + int(1e6 * seed)), q, names
