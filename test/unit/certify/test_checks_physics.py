"""Physics checks on analytic trajectories, each with one seeded defect (truth from scipy)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from interop_bridge.certify import checks_physics
from interop_bridge.certify.model import CheckResult, EpisodeData
from unit.certify.physics_fixtures import (G1, PRESENT, by_id, episode, moving, resting,
                                           rotating_imu, run)
from unit.certify.test_physics_hands import FRAMES, hand_valid, hands

KNEE = next(joint.index for joint in G1.joints if joint.canonical == 'left_knee')
HEAD = 29  # head_yaw: the G1 has no head joints


def check(name: str, *episodes: EpisodeData) -> CheckResult:
    return run(by_id(checks_physics.checks(), f'physics.{name}'), *episodes)


def test_every_spec_is_declared_for_the_physical_level():
    specs = [item.spec for item in checks_physics.checks()]
    assert [spec.id for spec in specs] == [
        'physics.position_limits', 'physics.velocity_limits', 'physics.effort_limits',
        'physics.velocity_vs_position', 'physics.quaternion_norm', 'physics.gravity_at_rest',
        'physics.gyro_vs_orientation', 'physics.accelerometer_direction',
        'physics.hand_closure_range', 'physics.tactile_frozen']
    for spec in specs:
        assert spec.group == 'physics' and spec.level == 'physical'
        assert spec.severity in ('fail', 'warn') and spec.answers and spec.measures
        assert any(ch.isdigit() for ch in spec.threshold)


def test_consistent_motion_and_rest_pass_every_check():
    hand = hands()  # a left index closing, its tip pad pressing with it (test_physics_hands)
    episodes = (episode(moving(FRAMES, **hand), hand_valid(), index=0),
                episode(resting(), index=1))
    for item in checks_physics.checks():
        result = run(item, *episodes)
        assert result.passed and not result.skipped and not result.findings, result
    assert check('velocity_vs_position', *episodes).figure < 0.002  # truncation error only
    assert check('gyro_vs_orientation', *episodes).figure < 1e-5


def test_a_joint_beyond_its_limit_in_a_few_frames_fails_with_joint_and_count():
    columns = moving()
    high = G1.joint('left_knee').canonical_position[1]
    columns['observation.state'][100:104, KNEE] = high + 0.3
    result = check('position_limits', episode(columns, index=3))
    assert not result.passed
    assert result.figure == pytest.approx(0.3)
    assert len(result.findings) == 1 and result.findings[0].episode == 3
    assert result.findings[0].detail.startswith('left_knee: 4 frame(s)')


def test_an_excess_within_the_tolerance_passes():
    columns = moving()
    columns['observation.state'][100, KNEE] = G1.joint('left_knee').canonical_position[1] + 0.01
    result = check('position_limits', episode(columns))
    assert result.passed and result.figure == pytest.approx(0.01)


def test_a_masked_out_bad_value_is_no_defect():
    columns = moving()
    columns['observation.state'][100:104, KNEE] = 99.0
    mask = np.tile(PRESENT, (300, 1))
    mask[100:104, KNEE] = False
    result = check('position_limits', episode(columns, {'observation.state': mask}))
    assert result.passed and result.figure == 0.0


def test_an_absent_joint_is_never_counted():
    columns = moving()
    columns['observation.state'][:, HEAD] = 99.0
    columns['observation.velocity'][:, HEAD] = 99.0
    assert check('position_limits', episode(columns)).passed  # valid False throughout
    everywhere = {key: np.ones((300, 32), bool) for key in
                  ('observation.state', 'observation.velocity', 'observation.effort')}
    assert check('position_limits', episode(columns, everywhere)).passed  # no limit: no joint
    assert check('velocity_limits', episode(columns, everywhere)).passed


def test_no_profile_or_no_feature_is_skipped_with_the_reason():
    result = check('position_limits', episode(moving(), profile=None))
    assert result.passed and result.skipped and 'no robot profile' in result.detail
    columns = moving()
    del columns['observation.effort']
    result = check('effort_limits', episode(columns))
    assert result.skipped and 'no observation.effort feature' in result.detail


def test_velocity_and_effort_beyond_their_maxima_fail():
    columns = moving()
    maximum = G1.joint('left_knee').velocity
    columns['observation.velocity'][10:12, KNEE] = -(maximum + 2.0)
    columns['observation.effort'][50, KNEE] = G1.joint('left_knee').effort + 10.0
    velocity = check('velocity_limits', episode(columns))
    assert not velocity.passed and velocity.figure == pytest.approx(2.0)
    assert velocity.findings[0].detail.startswith('left_knee: 2 frame(s)')
    effort = check('effort_limits', episode(columns))
    assert not effort.passed and effort.figure == pytest.approx(10.0)


def test_a_flipped_velocity_sign_fails_against_the_position_derivative():
    columns = moving()
    velocity = columns['observation.velocity']
    truth = np.abs(velocity[1:-1, KNEE]).copy()
    velocity[:, KNEE] *= -1
    result = check('velocity_vs_position', episode(columns))
    assert not result.passed
    assert result.figure == pytest.approx(2 * np.quantile(truth, 0.95), abs=0.01)
    assert [finding.detail.split(':')[0] for finding in result.findings] == ['left_knee']


def test_a_dropout_held_in_the_state_is_not_a_derivative_defect():
    columns = moving()
    columns['observation.state'][100:110] = columns['observation.state'][99]  # hold rule
    mask = np.tile(PRESENT, (300, 1))
    mask[100:110] = False
    result = check('velocity_vs_position', episode(columns, {'observation.state': mask}))
    assert result.passed and result.figure < 0.002


def test_a_quaternion_of_norm_1_2_fails():
    columns = moving()
    columns['observation.imu.orientation'][40:45] *= 1.2
    result = check('quaternion_norm', episode(columns))
    assert not result.passed and result.figure == pytest.approx(0.2)
    assert '5 of 300 valid frame(s)' in result.findings[0].detail


def test_invalid_imu_frames_are_not_counted_and_no_imu_is_skipped():
    columns = moving()
    columns['observation.imu.orientation'][40:45] = 0.0
    mask = np.ones((300, 4), bool)
    mask[40:45] = False
    assert check('quaternion_norm',
                 episode(columns, {'observation.imu.orientation': mask})).passed
    columns = {key: value for key, value in moving().items() if 'imu' not in key}
    assert check('quaternion_norm', episode(columns)).skipped
    assert check('gyro_vs_orientation', episode(columns)).skipped


def test_gravity_of_7_at_rest_fails():
    columns = resting()
    columns['observation.imu.linear_acceleration'] *= 7.0 / 9.81
    result = check('gravity_at_rest', episode(columns))
    assert not result.passed and result.figure == pytest.approx(2.81)


def test_no_rest_frames_skip_gravity_and_accelerometer_direction():
    for name in ('gravity_at_rest', 'accelerometer_direction'):
        result = check(name, episode(moving()))
        assert result.skipped and 'no rest frames' in result.detail


def test_a_doubled_gyro_fails_against_the_orientation_rate():
    rate = np.array([0.1, -0.3, 0.4])
    columns = moving()
    columns['observation.imu.angular_velocity'] = 2 * rotating_imu(300, tuple(rate))[
        'observation.imu.angular_velocity']
    result = check('gyro_vs_orientation', episode(columns))
    assert not result.passed and result.figure == pytest.approx(np.linalg.norm(rate))


def test_the_orientation_rate_is_in_the_body_frame_as_scipy_composes_it():
    """A world-frame rate (exp(w t) * R0) differs from the body-frame gyro unless R0 = I."""
    rate = np.array([0.0, 0.0, 0.5])
    start = Rotation.from_euler('xyz', [0.0, 1.0, 0.0])
    turns = Rotation.from_rotvec(np.outer(np.arange(300) / 30, rate)) * start
    columns = moving()
    columns['observation.imu.orientation'] = turns.as_quat()
    columns['observation.imu.angular_velocity'] = np.tile(start.inv().apply(rate), (300, 1))
    assert check('gyro_vs_orientation', episode(columns)).figure < 1e-6
    columns['observation.imu.angular_velocity'] = np.tile(rate, (300, 1))
    assert not check('gyro_vs_orientation', episode(columns)).passed


def test_a_fixed_accelerometer_while_pitching_fails():
    columns = resting()
    columns['observation.imu.linear_acceleration'][:] = [0.0, 0.0, 9.81]
    result = check('accelerometer_direction', episode(columns))
    assert not result.passed
    assert result.figure == pytest.approx(np.degrees(0.25 * np.sqrt(0.5)), abs=0.5)
    assert check('gravity_at_rest', episode(columns)).passed  # the magnitude is right
