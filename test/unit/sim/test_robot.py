"""The simulated robot sways inside its limits, follows commands loosely like a PD motor."""

from __future__ import annotations

import math

import numpy as np
import pytest

from interop_bridge.errors import MappingError
from interop_bridge.sim.robot import TIME_CONSTANT_S, SimRobot, quaternion_from_rpy

DT = 0.002


def run(robot, seconds):
    for _ in range(round(seconds / DT)):
        robot.step(DT)


def only(robot, *slots):
    mask = np.zeros(robot.slot_count, dtype=bool)
    mask[list(slots)] = True
    return mask


@pytest.mark.parametrize('style', ['unitree_g1_29dof', 'unitree_h1', 'booster_t1',
                                   'ros2_control_talos', 'unitree_h2', 'unitree_r1',
                                   'booster_k1'])
def test_an_uncommanded_robot_sways_gently_inside_its_limits(style):
    robot = SimRobot(style)
    start = robot.q.copy()
    positions = []
    for _ in range(1500):
        robot.step(DT)
        positions.append(robot.q.copy())
    positions = np.array(positions)
    valid = robot.valid
    assert np.all(positions[:, valid] >= robot.lower[valid] - 1e-12)
    assert np.all(positions[:, valid] <= robot.upper[valid] + 1e-12)
    travel = positions[:, valid].max(axis=0) - positions[:, valid].min(axis=0)
    assert np.all(travel > 0.005) and np.all(travel <= 0.1 + 1e-9)
    assert not np.allclose(positions[-1], start)


def test_the_sway_is_deterministic():
    first, second = SimRobot('unitree_g1_29dof'), SimRobot('unitree_g1_29dof')
    run(first, 0.5)
    run(second, 0.5)
    np.testing.assert_array_equal(first.q, second.q)


def test_slots_without_a_joint_stay_at_zero_with_zero_effort():
    robot = SimRobot('unitree_g1_23dof')
    robot.apply_command(q=0.3, kp=50.0)
    run(robot, 0.2)
    missing = [13, 14, 20, 21, 27, 28, 29, 30, 34]
    assert np.all(robot.q[missing] == 0.0) and np.all(robot.tau[missing] == 0.0)


def test_a_position_command_is_approached_as_a_critically_damped_motor():
    robot = SimRobot('unitree_g1_29dof')
    start, speed = robot.q[18], robot.dq[18]
    robot.apply_command(q=1.0, kp=40.0, kd=1.0, enabled=only(robot, 18))
    run(robot, TIME_CONSTANT_S)
    # e(t) = (e0 + (v0 + w e0) t) exp(-w t) with w t = 1, e0 = start - 1, v0 = the sway's speed
    error = start - 1.0
    expected = (error + (speed + error / TIME_CONSTANT_S) * TIME_CONSTANT_S) * math.exp(-1)
    assert robot.q[18] - 1.0 == pytest.approx(expected, rel=1e-6)
    run(robot, 10 * TIME_CONSTANT_S)
    assert robot.q[18] == pytest.approx(1.0, abs=0.01)


def test_a_commanded_joint_reports_the_derivative_of_its_position_through_target_steps():
    robot = SimRobot('unitree_g1_29dof')
    positions, velocities = [], []
    for step in range(250):
        if step % 10 == 0:  # a 50 Hz staircase of targets, as a teleoperation stream
            robot.apply_command(q=0.2 + 0.004 * step, kp=40.0, enabled=only(robot, 18))
        robot.step(DT)
        positions.append(robot.q[18])
        velocities.append(robot.dq[18])
    central = np.gradient(np.array(positions), DT)[1:-1]
    residual = np.abs(central - np.array(velocities)[1:-1])
    assert residual.max() < 0.02 * np.abs(velocities).max()


def test_slots_the_command_does_not_enable_keep_swaying():
    robot, reference = SimRobot('unitree_g1_29dof'), SimRobot('unitree_g1_29dof')
    robot.apply_command(q=1.0, kp=40.0, enabled=only(robot, 18))
    run(robot, 0.3)
    run(reference, 0.3)
    np.testing.assert_allclose(robot.q[:18], reference.q[:18])


def test_the_last_command_stays_in_force_after_commands_stop():
    robot = SimRobot('unitree_g1_29dof')
    robot.apply_command(q=0.5, kp=40.0, enabled=only(robot, 3))
    run(robot, 2.0)
    assert robot.q[3] == pytest.approx(0.5, abs=1e-6)
    assert robot.held[3]


def test_targets_beyond_the_limits_are_clipped():
    robot = SimRobot('unitree_g1_29dof')
    robot.apply_command(q=10.0, kp=40.0, enabled=only(robot, 5))
    run(robot, 1.0)
    assert robot.q[5] == pytest.approx(robot.upper[5], abs=1e-6)


def test_zero_kp_with_kd_damps_the_velocity_to_the_target_velocity():
    robot = SimRobot('unitree_g1_29dof')
    robot.apply_command(q=0.0, dq=0.2, kp=0.0, kd=2.0, enabled=only(robot, 17))
    run(robot, 0.5)
    assert robot.dq[17] == pytest.approx(0.2, rel=0.02)
    robot.apply_command(kp=0.0, kd=2.0, enabled=only(robot, 17))
    run(robot, 0.5)
    assert abs(robot.dq[17]) < 0.002


def test_torque_only_accelerates_and_the_effort_is_the_feed_forward():
    robot = SimRobot('unitree_g1_29dof')
    robot.apply_command(tau=0.5, enabled=only(robot, 17))
    run(robot, 0.2)
    assert robot.dq[17] > 0.05
    assert robot.tau[17] == 0.5


def test_the_reported_effort_follows_the_motor_law():
    robot = SimRobot('unitree_g1_29dof')
    robot.apply_command(q=0.8, tau=1.5, kp=40.0, kd=1.0, enabled=only(robot, 16))
    robot.step(DT)
    expected = 40.0 * (0.8 - robot.q[16]) + 1.0 * (0.0 - robot.dq[16]) + 1.5
    assert robot.tau[16] == pytest.approx(expected)


def test_a_blend_weight_mixes_the_command_with_the_own_motion():
    robot = SimRobot('unitree_g1_29dof')
    robot.apply_command(q=1.0, kp=40.0, enabled=only(robot, 18), blend=0.5)
    run(robot, 1.0)
    assert 0.4 < robot.q[18] < 0.6


def test_a_command_of_the_wrong_shape_names_the_field_and_the_slot_count():
    robot = SimRobot('unitree_h1')
    with pytest.raises(MappingError, match=r"unitree_h1: command field 'q' has shape \(19,\), "
                                           r'expected one value or 20'):
        robot.apply_command(q=np.zeros(19))


def test_the_imu_quaternion_is_unit_and_matches_its_rpy():
    robot = SimRobot('unitree_g1_29dof')
    run(robot, 1.3)
    imu = robot.imu()
    assert np.linalg.norm(imu.quaternion_wxyz) == pytest.approx(1.0)
    np.testing.assert_allclose(imu.quaternion_wxyz, quaternion_from_rpy(*imu.rpy))
    assert imu.accelerometer[2] == pytest.approx(9.81, abs=0.01)
    assert 0 < np.abs(imu.rpy).max() < 0.03


def test_quaternion_from_rpy_is_w_first_and_rotates_about_the_right_axes():
    np.testing.assert_allclose(quaternion_from_rpy(0.0, 0.0, math.pi / 2),
                               [math.cos(math.pi / 4), 0, 0, math.sin(math.pi / 4)])
    np.testing.assert_allclose(quaternion_from_rpy(0.2, 0.0, 0.0),
                               [math.cos(0.1), math.sin(0.1), 0, 0])
