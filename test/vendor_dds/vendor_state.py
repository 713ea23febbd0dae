"""The state the vendor-side robot publishes: known values, as the robot would lay them out.

No ROS and nothing of interop_bridge: the LowState CRC comes from the test's independent
reference (test/unitree_reference.py).
"""

import unitree_reference

from vendor_dds import vendor_types as types

G1_MODE_MACHINE = 5  # G1 29 DoF: the robot-type id a LowCmd must echo
G1_SLOTS = 35
T1_JOINTS = 23
T1_RPY = (0.1, 0.2, 0.3)
G1_QUATERNION_WXYZ = (1.0, 0.0, 0.0, 0.0)


def slot_value(slot: int) -> float:
    """The position [rad] of a motor slot: distinct and small (as test/vendor_messages.py)."""
    return round(0.01 * slot - 0.1, 6)


def g1_state(tick: int) -> types.LowState_:
    """A G1 LowState: q = slot_value, dq = q / 2, tau = -q, with the robot's CRC."""
    state = types.LowState_(mode_machine=G1_MODE_MACHINE, tick=tick)
    state.imu_state.quaternion = list(G1_QUATERNION_WXYZ)
    state.imu_state.accelerometer = [0.0, 0.0, 9.81]
    for slot, motor in enumerate(state.motor_state):
        q = slot_value(slot)
        motor.q, motor.dq, motor.tau_est, motor.temperature = q, q / 2, -q, [30, 40]
    # the CRC is over the float32 image of the values, as the robot computes it
    state.crc = unitree_reference.lowstate_crc(state, 'hg')
    return state


def t1_state() -> types.BoosterLowState:
    """A T1 LowState: serial q = slot_value, RPY-only IMU, parallel (ankle crank) copies."""
    serial = [types.BoosterMotorState(q=slot_value(slot), dq=slot_value(slot) / 2,
                                      tau_est=-slot_value(slot), temperature=25,
                                      reserve=[0, 800]) for slot in range(T1_JOINTS)]
    parallel = [types.BoosterMotorState(q=9.0) for _ in range(4)]
    imu = types.BoosterImuState(rpy=list(T1_RPY), gyro=[0.0, 0.0, 0.0], acc=[0.0, 0.0, 9.81])
    return types.BoosterLowState(imu_state=imu, motor_state_parallel=parallel,
                                 motor_state_serial=serial)


def state(robot: str, tick: int) -> object:
    """The state message of `robot` ('g1' or 't1') at `tick`."""
    return t1_state() if robot == 't1' else g1_state(tick)
