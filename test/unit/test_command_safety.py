"""Command safety: canonical limits, clamping or rejection, NaN, joints not commanded, the safe
command, and the conversion to native units, all checked against hand-computed values.

The profile written here: a knee as it is, an elbow with sign -1 and offset 0.5 (native limits
[-1, 2] are canonical [-1.5, 1.5]), a head yaw in degrees (native [-90, 90] deg, 360 deg/s).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import yaml

from interop_bridge.canonical import load_canonical
from interop_bridge.command_safety import (
    CanonicalCommand, check_command, command_limits, safe_command)
from interop_bridge.mapping import build_joint_map
from interop_bridge.profile import load_profile

SPEC = load_canonical()
N = SPEC.joint_count
KNEE, ELBOW, HEAD = 3, 18, 29
JOINTS = [KNEE, ELBOW, HEAD]
DEG = math.pi / 180


def profile_yaml(**command) -> dict:
    return {
        'name': 'tiny', 'vendor': 'test', 'model': 'tiny', 'adapter': 'booster',
        'state_rate_hz': 100, 'topics': {'state': 'low_state', 'command': 'joint_ctrl'},
        'imu': {'orientation': 'rpy'}, 'command': command, 'booster': {'motor_count': 4},
        'joints': [
            {'canonical': 'left_knee', 'source': 0, 'native_name': 'knee',
             'position': [0, 2.5], 'velocity': 10, 'effort': 100, 'stiffness': 50,
             'damping': 2, 'stiffness_max': 200, 'damping_max': 5},
            {'canonical': 'left_elbow', 'source': 2, 'native_name': 'elbow', 'sign': -1,
             'offset': 0.5, 'position': [-1, 2], 'velocity': 5, 'effort': 20, 'stiffness': 20,
             'damping': 1, 'stiffness_max': 100, 'damping_max': 4},
            {'canonical': 'head_yaw', 'source': 3, 'native_name': 'neck', 'scale': DEG,
             'position': [-90, 90], 'velocity': 360, 'effort': 5, 'stiffness': 10,
             'damping': 0.5, 'stiffness_max': 40, 'damping_max': 2}]}


class Robot:
    """A profile's limits and joint map."""

    def __init__(self, tmp_path, raw: dict) -> None:
        path = tmp_path / 'tiny.yaml'
        path.write_text(yaml.safe_dump(raw))
        self.profile = load_profile(path)
        self.joint_map = build_joint_map(self.profile, SPEC)
        self.limits = command_limits(self.profile, self.joint_map, SPEC.joint_names)

    def check(self, command: CanonicalCommand, measured=None, last=None, *,
              policy: str = 'clamp', uncommanded: str = 'hold_measured'):
        measured = at(0.1, 0.1, 0.1) if measured is None else measured
        return check_command(self.limits, self.joint_map, command, measured, last,
                             policy=policy, uncommanded=uncommanded)


@pytest.fixture
def robot(tmp_path):
    return Robot(tmp_path, profile_yaml())


def at(knee: float, elbow: float, head: float, fill: float = np.nan) -> np.ndarray:
    values = np.full(N, fill)
    values[JOINTS] = knee, elbow, head
    return values


def command(position, commanded=None, velocity=None, effort=None, stiffness=None,
            damping=None) -> CanonicalCommand:
    if commanded is None:
        commanded = np.zeros(N, dtype=bool)
        commanded[JOINTS] = True
    return CanonicalCommand(
        commanded=np.asarray(commanded), position=np.asarray(position, dtype=np.float64),
        velocity=np.zeros(N) if velocity is None else velocity,
        effort=np.zeros(N) if effort is None else effort,
        stiffness=np.full(N, np.nan) if stiffness is None else stiffness,
        damping=np.full(N, np.nan) if damping is None else damping)


def mask(*indices: int) -> np.ndarray:
    out = np.zeros(N, dtype=bool)
    out[list(indices)] = True
    return out


# ----- limits --------------------------------------------------------------------------------

def test_limits_are_the_native_limits_in_canonical_units(robot):
    limits = robot.limits
    assert np.flatnonzero(limits.present).tolist() == JOINTS
    np.testing.assert_allclose(limits.position_low[JOINTS], [0.0, -1.5, -math.pi / 2])
    np.testing.assert_allclose(limits.position_high[JOINTS], [2.5, 1.5, math.pi / 2])
    np.testing.assert_allclose(limits.velocity_max[JOINTS], [10.0, 5.0, 2 * math.pi])
    np.testing.assert_array_equal(limits.effort_max[JOINTS], [100.0, 20.0, 5.0])
    np.testing.assert_array_equal(limits.stiffness_max[JOINTS], [200.0, 100.0, 40.0])
    np.testing.assert_array_equal(limits.damping_default[JOINTS], [2.0, 1.0, 0.5])
    assert np.isnan(np.delete(limits.position_low, JOINTS)).all()
    assert limits.names == SPEC.joint_names


def test_a_negative_scale_still_gives_a_positive_velocity_limit(tmp_path):
    raw = profile_yaml()
    raw['joints'][0].update(scale=-1.0, position=[-2.5, 0])  # the sign carried by the scale
    robot = Robot(tmp_path, raw)
    assert robot.limits.velocity_max[KNEE] == 10.0
    assert (robot.limits.position_low[KNEE], robot.limits.position_high[KNEE]) == (0.0, 2.5)
    outcome = robot.check(command(at(1.0, 0.0, 0.0), velocity=at(3.0, 0.0, 0.0, fill=0.0)))
    assert outcome.clamped == 0
    assert outcome.command.velocity[0] == -3.0  # native = canonical / (sign * scale)


# ----- accepted commands -----------------------------------------------------------------------

def test_a_command_inside_the_limits_becomes_native_values_and_keeps_its_targets(robot):
    outcome = robot.check(command(
        at(1.0, 0.2, math.radians(45)), velocity=at(1.0, 2.0, 1.0, fill=0.0),
        effort=at(5.0, 2.0, -1.0, fill=0.0), stiffness=at(60.0, 10.0, 20.0),
        damping=at(3.0, 0.5, 1.0)))
    native = outcome.command
    assert (outcome.rejected, outcome.clamped, outcome.ignored) == ('', 0, ())
    np.testing.assert_allclose(native.position, [1.0, (0.2 - 0.5) / -1, 45.0])
    np.testing.assert_allclose(native.velocity, [1.0, -2.0, math.degrees(1.0)])
    np.testing.assert_allclose(native.effort, [5.0, -2.0, -1.0])
    np.testing.assert_allclose(native.stiffness, [60.0, 10.0, 20.0 * DEG])
    np.testing.assert_allclose(native.damping, [3.0, 0.5, 1.0 * DEG])
    assert native.enabled.tolist() == [True, True, True]
    np.testing.assert_allclose(outcome.targets[JOINTS], [1.0, 0.2, math.radians(45)])


def test_empty_gains_take_the_profile_defaults(robot):
    native = robot.check(command(at(1.0, 0.0, 0.0))).command
    np.testing.assert_allclose(native.stiffness, [50.0, 20.0, 10.0 * DEG])
    np.testing.assert_allclose(native.damping, [2.0, 1.0, 0.5 * DEG])


def test_values_beyond_the_limits_are_clamped_and_counted(robot):
    outcome = robot.check(command(at(3.0, -2.0, 0.0), velocity=at(20.0, 0.0, 0.0, fill=0.0),
                                  stiffness=at(500.0, 10.0, -1.0)))
    native = outcome.command
    assert outcome.clamped == 5  # knee position, elbow position, velocity, two stiffnesses
    np.testing.assert_allclose(native.position, [2.5, (-1.5 - 0.5) / -1, 0.0])
    assert native.velocity[0] == 10.0
    np.testing.assert_allclose(native.stiffness, [200.0, 10.0, 0.0])
    np.testing.assert_allclose(outcome.targets[JOINTS], [2.5, -1.5, 0.0])


def test_the_reject_policy_refuses_a_command_outside_the_limits(robot):
    outcome = robot.check(command(at(3.0, -2.0, 0.0), velocity=at(20.0, 0, 0, fill=0.0)),
                          policy='reject')
    assert outcome.command is None
    assert outcome.rejected == '3 values outside the profile limits'


def test_a_joint_the_robot_lacks_is_ignored_when_clamping_and_refused_when_rejecting(robot):
    commanded = mask(KNEE, 12)  # waist_yaw: not on this robot
    outcome = robot.check(command(at(1.0, 0.0, 0.0, fill=0.0), commanded=commanded))
    assert outcome.ignored == ('waist_yaw',)
    assert outcome.command is not None and outcome.rejected == ''
    refused = robot.check(command(at(1.0, 0.0, 0.0, fill=0.0), commanded=commanded),
                          policy='reject')
    assert refused.command is None
    assert refused.rejected == "commands joints the robot does not have: ('waist_yaw',)"


@pytest.mark.parametrize(('field', 'value'), [('position', np.nan), ('velocity', np.inf),
                                              ('effort', -np.inf), ('stiffness', np.inf),
                                              ('damping', np.inf)])
def test_a_non_finite_value_of_a_commanded_joint_rejects_the_whole_command(
        robot, field, value):
    fields = {'position': at(1.0, 0.0, 0.0), 'velocity': np.zeros(N), 'effort': np.zeros(N),
              'stiffness': np.full(N, np.nan), 'damping': np.full(N, np.nan)}
    fields[field][ELBOW] = value
    outcome = robot.check(command(**fields))
    assert outcome.command is None
    assert outcome.rejected == f'non-finite {field} for a commanded joint'


def test_a_nan_at_a_joint_not_commanded_does_not_matter(robot):
    outcome = robot.check(command(at(1.0, np.nan, 0.0), commanded=mask(KNEE, HEAD)))
    assert outcome.rejected == ''
    assert outcome.command.position[1] == pytest.approx((0.1 - 0.5) / -1)  # measured, held


def test_arrays_of_the_wrong_length_are_rejected_naming_their_shapes(robot):
    outcome = robot.check(CanonicalCommand(
        commanded=np.ones(31, dtype=bool), position=np.zeros(N), velocity=np.zeros(N),
        effort=np.zeros(33), stiffness=np.zeros(N), damping=np.zeros(N)))
    assert outcome.command is None
    assert outcome.rejected == "arrays must have 32 entries, got {'commanded': (31,), " \
        "'effort': (33,)}"


# ----- joints not commanded ------------------------------------------------------------------

def test_hold_measured_holds_joints_not_commanded_at_their_measured_position(robot):
    outcome = robot.check(command(at(1.0, 0.0, 0.0), commanded=mask(KNEE),
                                  velocity=at(1.0, 1.0, 1.0, fill=0.0)),
                          measured=at(0.3, 0.7, math.radians(10)))
    native = outcome.command
    np.testing.assert_allclose(native.position, [1.0, (0.7 - 0.5) / -1, 10.0])
    np.testing.assert_allclose(native.velocity, [1.0, 0.0, 0.0])
    np.testing.assert_allclose(native.stiffness, [50.0, 20.0, 10.0 * DEG])  # defaults
    np.testing.assert_allclose(outcome.targets[JOINTS], [1.0, 0.7, math.radians(10)])


def test_hold_last_holds_the_previous_targets_and_measured_where_there_is_none(robot):
    outcome = robot.check(command(at(1.0, 0.0, 0.0), commanded=mask(KNEE)),
                          measured=at(0.3, 0.7, math.radians(10)),
                          last=at(2.0, -0.5, np.nan), uncommanded='hold_last')
    np.testing.assert_allclose(outcome.targets[JOINTS], [1.0, -0.5, math.radians(10)])
    first = robot.check(command(at(1.0, 0.0, 0.0), commanded=mask(KNEE)),
                        measured=at(0.3, 0.7, 0.0), last=None, uncommanded='hold_last')
    np.testing.assert_allclose(first.targets[JOINTS], [1.0, 0.7, 0.0])


def test_damp_sends_joints_not_commanded_with_zero_stiffness_and_default_damping(robot):
    native = robot.check(command(at(1.0, 0.0, 0.0), commanded=mask(KNEE),
                                 stiffness=at(60.0, 99.0, 99.0)),
                         measured=at(0.3, 0.7, 0.0), uncommanded='damp').command
    np.testing.assert_allclose(native.stiffness, [60.0, 0.0, 0.0])
    np.testing.assert_allclose(native.damping, [2.0, 1.0, 0.5 * DEG])
    np.testing.assert_allclose(native.position, [1.0, -0.2, 0.0])


def test_without_a_measured_position_a_joint_not_commanded_cannot_be_held(robot):
    outcome = robot.check(command(at(1.0, 0.0, 0.0), commanded=mask(KNEE)),
                          measured=at(0.3, np.nan, 0.0))
    assert outcome.command is None
    assert outcome.rejected == 'no measured position yet for a joint not commanded'


# ----- the safe command ----------------------------------------------------------------------

def test_the_damping_safe_command_has_zero_stiffness_and_holds_the_measured_position(robot):
    native = safe_command(robot.limits, robot.joint_map, 'damp', at(0.3, 0.7, 0.5), 2.0)
    np.testing.assert_allclose(native.position, [0.3, -0.2, math.degrees(0.5)])
    np.testing.assert_array_equal(native.stiffness, [0.0, 0.0, 0.0])
    np.testing.assert_allclose(native.damping, [2.0, 2.0, 2.0 * DEG])
    np.testing.assert_array_equal(native.velocity, [0.0, 0.0, 0.0])
    assert native.enabled.all()


def test_the_holding_safe_command_uses_the_default_gains(robot):
    native = safe_command(robot.limits, robot.joint_map, 'hold', at(0.3, 0.7, 0.5), 2.0)
    np.testing.assert_allclose(native.stiffness, [50.0, 20.0, 10.0 * DEG])
    np.testing.assert_allclose(native.damping, [2.0, 1.0, 0.5 * DEG])


def test_there_is_no_safe_command_before_every_joint_was_measured(robot):
    assert safe_command(robot.limits, robot.joint_map, 'damp', at(0.3, np.nan, 0.5),
                        2.0) is None
