"""Time checks on synthetic episodes with one seeded defect each, and on a clean real export."""

from __future__ import annotations

from pathlib import Path

import unit.certify.episode_fixtures as ef
import numpy as np
import pytest

from interop_bridge.certify import checks_time
from interop_bridge.certify.runner import load_dataset_input, run_checks

IDS = ('time.grid', 'time.dropouts', 'time.source_gaps', 'time.clock_skew',
       'time.stamp_source', 'time.non_monotonic')


def results(*episodes):
    return ef.run(checks_time.checks(), episodes)


def test_declarations():
    specs = [check.spec for check in checks_time.checks()]
    assert tuple(spec.id for spec in specs) == IDS
    assert {spec.group for spec in specs} == {'time'}
    assert {spec.level for spec in specs} == {'timing'}
    assert all(spec.answers and spec.threshold for spec in specs)


def test_clean_synthetic_episodes_raise_nothing():
    found = results(ef.clean_episode(0), ef.clean_episode(1, length=45))
    for check_id in IDS:
        assert found[check_id].passed, found[check_id]
        assert not found[check_id].findings
    assert found['time.grid'].figure < 1e-6
    assert found['time.dropouts'].figure == 0.0
    assert found['time.clock_skew'].figure == pytest.approx(0.004)  # |mean| of -4 ms


def test_an_off_grid_timestamp_fails_grid():
    data = ef.clean_episode()
    data.columns['timestamp'][40] += 0.004
    found = results(data)['time.grid']
    assert not found.passed
    assert found.figure == pytest.approx(0.004, abs=1e-6)
    assert 'frame 40' in found.findings[0].detail


def test_frame_index_not_from_zero_fails_grid():
    data = ef.clean_episode()
    data.columns['frame_index'] = data.columns['frame_index'] + 1
    data.columns['timestamp'] = data.columns['frame_index'] / ef.FPS
    found = results(data)['time.grid']
    assert not found.passed
    assert 'frame_index is not 0..89' in found.findings[0].detail


def test_a_20_percent_state_dropout_in_the_record_fails_dropouts_and_warns_gaps():
    data = ef.clean_episode()
    for name in ef.STATE_STREAMS:
        ef.stream(data, f'/lowstate:{name}').update(
            frames_valid=72, frames_stale=18, gap_count=1, largest_gap_s=0.62)
    found = results(data)
    assert not found['time.dropouts'].passed
    assert found['time.dropouts'].figure == pytest.approx(20.0)
    assert '18 of 90 frames invalid (18 stale' in found['time.dropouts'].findings[0].detail
    assert not found['time.source_gaps'].passed
    assert found['time.source_gaps'].figure == pytest.approx(0.62)


def test_a_present_joint_masked_mid_episode_counts_as_dropout():
    data = ef.clean_episode()
    data.valid['observation.state'][30:39, 5] = False  # 9 of 90 frames: 10 %
    found = results(data)['time.dropouts']
    assert not found.passed
    assert found.figure == pytest.approx(10.0)
    assert '9 of 90 frames have a joint of the robot (29 present)' in found.findings[0].detail


def test_absent_joints_and_an_absent_hand_are_no_dropout():
    data = ef.clean_episode()
    assert not data.valid['observation.state'][:, 29:].any()
    ef.stream(data, '/lowstate:hand').update(frames_valid=0, frames_stale=90)  # no hand
    found = results(data)
    assert found['time.dropouts'].passed and found['time.source_gaps'].passed


def test_a_short_dropout_warns_only():
    data = ef.clean_episode()
    report = ef.stream(data, '/lowstate:position')
    report.update(frames_valid=87, frames_stale=3, gap_count=1, largest_gap_s=0.15)
    found = results(data)
    assert found['time.dropouts'].passed
    assert found['time.dropouts'].figure == pytest.approx(100 * 3 / 90)
    assert not found['time.source_gaps'].passed


def test_a_gap_under_the_staleness_but_of_many_intervals_warns_gaps():
    # 60 ms without a sample in a 300 Hz stream: 18 intervals, no frame stale (< 0.1 s)
    data = ef.clean_episode()
    ef.stream(data, '/lowstate:position').update(largest_gap_s=0.060)
    found = results(data)
    assert found['time.dropouts'].passed
    assert not found['time.source_gaps'].passed
    assert found['time.source_gaps'].figure == pytest.approx(0.060)
    detail = found['time.source_gaps'].findings[0].detail
    assert '60.0 ms is 18.0 mean intervals (300 Hz)' in detail


def test_jitter_of_up_to_three_intervals_passes_and_beyond_warns():
    data = ef.clean_episode()
    ef.stream(data, '/lowstate:position').update(largest_gap_s=2.9 / 300)
    assert results(data)['time.source_gaps'].passed
    ef.stream(data, '/lowstate:position').update(largest_gap_s=3.5 / 300)
    assert not results(data)['time.source_gaps'].passed


def test_80_ms_skew_warns():
    data = ef.clean_episode()
    ef.stream(data, '/imu:orientation')['skew'] = ef.skew(-0.080)
    found = results(data)['time.clock_skew']
    assert not found.passed
    assert found.figure == pytest.approx(0.080)
    assert 'mean -80.0 ms' in found.findings[0].detail


def test_skew_between_streams_warns():
    data = ef.clean_episode()
    ef.stream(data, '/imu:orientation')['skew'] = ef.skew(0.035)
    ef.stream(data, '/lowstate:position')['skew'] = ef.skew(-0.035)
    ef.stream(data, '/lowstate:position')['stamp_source'] = 'header'
    found = results(data)['time.clock_skew']
    assert not found.passed
    assert found.figure == pytest.approx(0.070)
    assert 'differs by 70.0 ms between streams' in found.findings[-1].detail


def test_receive_stamps_for_a_header_stream_warn_and_mixed_is_reported():
    data = ef.clean_episode()
    ef.stream(data, '/imu:orientation')['stamp_source'] = 'receive'
    found = results(data)['time.stamp_source']
    assert not found.passed
    assert found.figure == 1.0
    assert '/imu: resampled by receive time' in found.findings[0].detail
    assert 'stamp sources mixed' in found.findings[1].detail


def test_streams_without_header_stamps_on_receive_time_are_fine():
    found = results(ef.clean_episode())['time.stamp_source']
    assert found.passed and found.figure == 0.0


@pytest.mark.parametrize('counter', ['out_of_order', 'duplicates_dropped', 'late_dropped'])
def test_non_monotonic_stamps_warn(counter):
    data = ef.clean_episode()
    ef.stream(data, '/lowstate:position')[counter] = 4
    found = results(data)['time.non_monotonic']
    assert not found.passed
    assert found.figure == 4.0
    assert found.findings[0].detail.startswith('/lowstate:position: ')


def test_an_episode_without_a_record_skips_the_record_checks():
    data = ef.clean_episode()
    data.record = {}
    data.valid = {}
    found = results(data)
    assert found['time.grid'].passed and not found['time.grid'].skipped
    for check_id in IDS[1:]:
        assert found[check_id].skipped and found[check_id].passed


def test_clean_real_export_raises_nothing(exported: Path):
    data_set = load_dataset_input(exported)
    found = {r.check_id: r for r in run_checks(data_set, checks_time.checks())}
    for check_id in IDS:
        assert found[check_id].passed, found[check_id]
        assert not found[check_id].findings
    assert found['time.grid'].figure < 2e-5
    assert found['time.dropouts'].figure == 0.0
    assert found['time.source_gaps'].figure == pytest.approx(0.02, abs=1e-6)  # 50 Hz commands
    assert found['time.clock_skew'].skipped  # the vendor LowState has no header
    assert found['time.stamp_source'].figure == 0.0


def test_real_export_with_a_state_gap_fails_dropouts(tmp_path: Path):
    import bag_factory as bf
    from interop_bridge.export.exporter import ExportRequest, export_recordings

    bag = bf.write_vendor_bag(tmp_path / 'bag', 'unitree_g1_29dof', camera=False,
                              events=(bf.EventSpec(0.2, 1.2, 'wave'),), state_gap=(0.5, 0.8))
    export_recordings(ExportRequest(bags=(bag,), out=tmp_path / 'ds',
                                    profile='unitree_g1_29dof'), [].append)
    found = {r.check_id: r for r in run_checks(load_dataset_input(tmp_path / 'ds'),
                                               checks_time.checks())}
    assert not found['time.dropouts'].passed
    assert 10.0 < found['time.dropouts'].figure < 30.0
    assert not found['time.source_gaps'].passed
    assert found['time.source_gaps'].figure == pytest.approx(0.3, abs=0.01)
    assert np.isfinite(found['time.grid'].figure)


def test_a_profile_joint_invalid_throughout_counts_as_dropout():
    from interop_bridge.profile import load_profile

    data = ef.clean_episode()
    data.profile = load_profile('unitree_g1_29dof')
    data.valid['observation.state'][:, 4] = False  # a joint the G1 has, dead all episode
    found = results(data)['time.dropouts']
    assert not found.passed
    assert found.figure == 100.0
