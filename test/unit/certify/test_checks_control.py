"""Control checks on analytic trajectories with seeded defects; all checks on a real export."""

from __future__ import annotations


import bag_factory as bf
import numpy as np
import pytest

from interop_bridge.certify import checks_control, checks_physics
from interop_bridge.certify.model import CheckResult, EpisodeData
from interop_bridge.export.exporter import ExportRequest, export_recordings
from unit.certify.physics_fixtures import (FPS, G1, PRESENT, by_id, episode, exported_episodes,
                                           joint_motion, moving, run)

KNEE = next(joint.index for joint in G1.joints if joint.canonical == 'left_knee')


def check(name: str, *episodes: EpisodeData) -> CheckResult:
    return run(by_id(checks_control.checks(), f'control.{name}'), *episodes)


def commanded(action: np.ndarray, frames: int = 300, **extra: np.ndarray) -> EpisodeData:
    return episode(moving(frames, action=action, **extra),
                   {'action': np.tile(PRESENT, (frames, 1))})


def test_every_spec_is_declared_for_training_readiness():
    specs = [item.spec for item in checks_control.checks()]
    assert [spec.id for spec in specs] == [
        'control.tracking_error', 'control.command_lag', 'control.commands_within_limits',
        'control.non_finite']
    assert all(spec.group == 'control' and spec.level == 'training-ready' for spec in specs)
    assert specs[0].severity == 'warn' and specs[1].severity == 'fail'


def test_an_action_tracked_closely_passes_with_lag_0():
    action = joint_motion(300)[0] + 0.02
    for item in checks_control.checks():
        result = run(item, commanded(action))
        assert result.passed and not result.skipped, result
    assert check('tracking_error', commanded(action)).figure == pytest.approx(0.02)
    assert check('command_lag', commanded(action)).figure == 0.0


def test_an_action_offset_by_half_a_radian_is_a_tracking_error_not_a_lag():
    action = joint_motion(300)[0] + 0.5
    tracking = check('tracking_error', commanded(action))
    assert not tracking.passed and tracking.figure == pytest.approx(0.5)
    assert 'median |action - state| 0.5 rad' in tracking.findings[0].detail
    assert check('command_lag', commanded(action)).figure == 0.0


def test_a_state_10_frames_behind_the_action_is_a_lag():
    ahead = joint_motion(310)[0][10:]  # action at frame k = state at frame k + 10
    lag = check('command_lag', commanded(ahead))
    assert not lag.passed and lag.figure == pytest.approx(10 / FPS)
    assert '10 frame(s)' in lag.findings[0].detail
    tracking = check('tracking_error', commanded(ahead))
    assert tracking.passed and tracking.figure < 1e-9  # measured at the best lag


def test_uncommanded_joints_are_not_tracked():
    action = joint_motion(300)[0]
    action[:, KNEE] += 3.0
    mask = np.tile(PRESENT, (300, 1))
    mask[:, KNEE] = False
    data = episode(moving(action=action), {'action': mask})
    result = check('tracking_error', data)
    assert result.passed and result.figure < 1e-9
    assert check('commands_within_limits', data).passed


def test_a_command_beyond_a_limit_fails_unless_masked():
    action = joint_motion(300)[0]
    action[5:8, KNEE] = G1.joint('left_knee').canonical_position[0] - 0.2
    result = check('commands_within_limits', commanded(action))
    assert not result.passed and result.figure == pytest.approx(0.2)
    assert result.findings[0].detail.startswith('left_knee: 3 frame(s)')
    mask = np.tile(PRESENT, (300, 1))
    mask[5:8, KNEE] = False
    assert check('commands_within_limits', episode(moving(action=action),
                                                   {'action': mask})).passed


def test_no_action_or_no_profile_is_skipped():
    for name in ('tracking_error', 'command_lag', 'commands_within_limits'):
        result = check(name, episode(moving()))
        assert result.skipped and 'no action feature' in result.detail
    data = episode(moving(action=joint_motion(300)[0]), profile=None)
    assert check('commands_within_limits', data).skipped


def test_nan_at_a_valid_entry_fails_and_at_an_invalid_entry_does_not():
    columns = moving()
    columns['observation.state'][7, KNEE] = np.nan
    result = check('non_finite', episode(columns))
    assert not result.passed and result.figure == 1.0
    assert result.findings[0].detail == \
        'observation.state: 1 non-finite valid entry, first at frame 7'
    mask = np.tile(PRESENT, (300, 1))
    mask[7, KNEE] = False
    assert check('non_finite', episode(columns, {'observation.state': mask})).passed


def test_inf_in_an_unmasked_column_fails():
    columns = moving()
    data = episode(columns)
    data.columns['timestamp'] = np.arange(300) / FPS
    data.columns['timestamp'][3] = np.inf
    result = check('non_finite', data)
    assert not result.passed and result.findings[0].detail.startswith('timestamp: 1')


@pytest.fixture(scope='module')
def clean_export(tmp_path_factory: pytest.TempPathFactory) -> list[EpisodeData]:
    base = tmp_path_factory.mktemp('clean')
    bag = bf.write_vendor_bag(base / 'bag', G1.name, events=(bf.EventSpec(0.2, 1.2, 'wave'),),
                              commands=True)
    export_recordings(ExportRequest(bags=(bag,), out=base / 'ds', profile=G1.name,
                                    vcodec='libx264'), [].append)
    return exported_episodes(base / 'ds')


def results(episodes: list[EpisodeData]) -> dict[str, CheckResult]:
    every = checks_physics.checks() + checks_control.checks()
    return {item.spec.id: run(item, *episodes) for item in every}


def test_a_clean_export_raises_no_false_alarm(clean_export):
    """No alarm on a clean export, except where the bag factory's fixture is itself unphysical.

    test/bag_factory.py records dq = q/2 (not dq/dt), a constant gyro (0.1, 0.2, 0.3) rad/s with
    a constant orientation, the quaternion (w, x, y, z) = (0.9, 0.1, 0.2, 0.3) of norm 0.975
    (passed as is on sample-aligned frames, normalized by slerp between them), and every slot
    swinging +-0.2 rad about 0, below the G1 knees' lower limit (-0.087 rad) in states and
    commands: those five checks find exactly that. With those channels replaced by their
    physical truth (the derivative of the bag's positions, a zero rate, the normalized
    quaternion, knees moved 0.2 rad up in state and action) on the exported frames and masks,
    every check passes or is skipped (no rest frames: no gravity, no accelerometer direction).
    """
    found = results(clean_export)
    fixture = {'physics.velocity_vs_position', 'physics.gyro_vs_orientation',
               'physics.quaternion_norm', 'physics.position_limits',
               'control.commands_within_limits'}
    for check_id, result in found.items():
        assert result.passed == (check_id not in fixture), result
    for check_id in ('physics.position_limits', 'control.commands_within_limits'):
        assert [finding.detail.split(':')[0] for finding in found[check_id].findings] == \
            ['left_knee', 'right_knee']
    assert found['physics.gyro_vs_orientation'].figure == pytest.approx(np.sqrt(0.14), abs=1e-5)
    assert found['physics.quaternion_norm'].figure == pytest.approx(1 - np.sqrt(0.95), abs=1e-6)
    assert found['physics.gravity_at_rest'].skipped
    assert found['control.tracking_error'].figure == pytest.approx(0.05, abs=0.01)
    assert found['control.command_lag'].figure == 0.0
    assert found['physics.velocity_limits'].figure == 0.0
    knees = [joint.index for joint in G1.joints if joint.canonical.endswith('_knee')]
    for data in clean_export:
        data.columns['observation.state'][:, knees] += 0.2
        data.columns['action'][:, knees] += 0.2
        t = 0.2 + data.columns['timestamp']
        velocity = np.zeros((data.length, 32))
        for joint in G1.joints:
            velocity[:, joint.index] = joint.gain * 0.2 * np.pi * np.cos(
                np.pi * t + 0.3 * int(joint.source))
        data.columns['observation.velocity'] = velocity
        data.columns['observation.imu.angular_velocity'] = np.zeros((data.length, 3))
        q = data.columns['observation.imu.orientation']
        data.columns['observation.imu.orientation'] = q / np.linalg.norm(q, axis=1)[:, None]
    physical = results(clean_export)
    assert all(result.passed for result in physical.values()), physical
    # the threshold's basis: derivative error of the exported positions at 30 fps
    assert physical['physics.velocity_vs_position'].figure < 0.002
