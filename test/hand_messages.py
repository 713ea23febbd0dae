"""Vendor hand messages serialized by rosbags (an independent CDR implementation) from the
definitions of each firmware generation (interop_bridge/hands/hand_wire.py, from the vendor's
IDL), for the hand codec and tactile tests."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from interop_bridge.hands.hand_wire import dex3_package, dex3_store, go_store

Pressure = Callable[[int], np.ndarray]


def default_pressure(pad: int) -> np.ndarray:
    return np.arange(12, dtype=np.float32) + 100000 + 100 * pad


def motor_state(store, package: str, slot: int, q: float | None = None):
    kind = store.types[f'{package}/msg/MotorState']
    return kind(mode=1, q=0.1 * slot if q is None else q, dq=-0.01 * slot, ddq=0.0,
                tau_est=0.5 + slot, temperature=np.array([30, 31], np.int16), vol=24.0,
                sensor=np.zeros(2, np.uint32), motorstate=0, reserve=np.zeros(4, np.uint32))


def press(store, package: str, pad: int, generation: str, pressure: Pressure):
    kind = store.types[f'{package}/msg/PressSensorState']
    values = dict(pressure=pressure(pad),
                  temperature=np.full(12, 25.0 + pad, np.float32))
    if generation == '2025-02':
        values.update(lost=pad, reserve=0)
    return kind(**values)


def dex3_state_bytes(generation: str, pads: int = 9, pressure: Pressure = default_pressure,
                     positions: np.ndarray | None = None) -> bytes:
    """A Dex3-1 HandState_ of one generation (motor q = 0.1 * slot unless `positions`)."""
    store, package = dex3_store(generation), dex3_package(generation)
    imu = store.types[f'{package}/msg/IMUState'](
        quaternion=np.array([1, 0, 0, 0], np.float32), gyroscope=np.zeros(3, np.float32),
        accelerometer=np.array([0, 0, 9.81], np.float32), rpy=np.zeros(3, np.float32),
        temperature=40)
    qs = [None] * 7 if positions is None else [float(q) for q in positions]
    fields = dict(motor_state=[motor_state(store, package, k, qs[k]) for k in range(7)],
                  press_sensor_state=[press(store, package, k, generation, pressure)
                                      for k in range(pads)],
                  imu_state=imu, power_v=24.0, power_a=0.5, reserve=np.zeros(2, np.uint32))
    if generation != '2024-08':
        fields.update(system_v=5.0, device_v=3.3, error=np.zeros(2, np.uint32))
    typename = f'{package}/msg/HandState'
    return bytes(store.serialize_cdr(store.types[typename](**fields), typename))


def dex3_command_bytes(positions: np.ndarray) -> bytes:
    """A Dex3-1 HandCmd_ with every motor enabled (mode id | FOC << 4) at `positions`."""
    store, package = dex3_store('2025-02'), dex3_package('2025-02')
    kind = store.types[f'{package}/msg/MotorCmd']
    motors = [kind(mode=slot | 0x10, q=float(q), dq=0.0, tau=0.0, kp=1.5, kd=0.2, reserve=0)
              for slot, q in enumerate(positions)]
    typename = f'{package}/msg/HandCmd'
    message = store.types[typename](motor_cmd=motors, reserve=np.zeros(4, np.uint32))
    return bytes(store.serialize_cdr(message, typename))


def go_states_bytes(positions) -> bytes:
    """A unitree_go MotorStates_ (Unitree's Inspire and BrainCo bridges) at `positions`."""
    store = go_store()
    kind = store.types['unitree_go/msg/MotorState']
    states = [kind(mode=1, q=float(q), dq=0.0, ddq=0.0, tau_est=0.0, q_raw=0.0, dq_raw=0.0,
                   ddq_raw=0.0, temperature=30, lost=0, reserve=np.zeros(2, np.uint32))
              for q in positions]
    message = store.types['unitree_go/msg/MotorStates'](states=states)
    return bytes(store.serialize_cdr(message, 'unitree_go/msg/MotorStates'))


# Dex3-1 poses from the URDFs (dex3_1_l.urdf, dex3_1_r.urdf): thumb at its open end, fingers
# straight; the index joints (slots 5, 6) bent to their closed limits.
DEX3_OPEN = {'left': (-1.047, -0.611, 0.0, 0.0, 0.0, 0.0, 0.0),
             'right': (-1.047, 0.611, 0.0, 0.0, 0.0, 0.0, 0.0)}
DEX3_INDEX_CLOSED = {'left': (-1.571, -1.745), 'right': (1.571, 1.745)}
NO_SENSOR_PAD = 8  # reads Dex3's 30000 ("no sensor") in dex3_pad_pressure


def dex3_pad_pressure(pad: int) -> np.ndarray:
    """Each pad's readings: 100000 + 100 * pad + taxel; pad 8 reads Dex3's "no sensor"."""
    if pad == NO_SENSOR_PAD:
        return np.full(12, 30000.0, np.float32)
    return np.arange(12, dtype=np.float32) + 100000 + 100 * pad


def dex3_index_pose(side: str, closure: float) -> np.ndarray:
    """A Dex3-1 hand open but for its index, bent `closure` of the way to its limits."""
    q = np.array(DEX3_OPEN[side], dtype=float)
    q[5:7] = np.array(DEX3_INDEX_CLOSED[side]) * closure
    return q


def dex3_index_ramp(duration_s: float, hz: int) -> list[tuple[str, str, float, bytes]]:
    """Both hands' /dex3/<side>/state over `duration_s`: the index closing from 0 to 1
    (closure t / duration_s), the pads at dex3_pad_pressure; (topic, type, t [s], bytes)."""
    messages = []
    for tick in range(int(duration_s * hz) + 1):
        t = tick / hz
        for side in ('left', 'right'):
            messages.append((f'/dex3/{side}/state', 'unitree_hg/msg/HandState', t,
                             dex3_state_bytes('2025-02', pressure=dex3_pad_pressure,
                                              positions=dex3_index_pose(side, t / duration_s))))
    return messages
