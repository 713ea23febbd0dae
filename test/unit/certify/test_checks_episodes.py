"""Episode checks on synthetic episodes with one seeded defect each, and on a clean real export."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import unit.certify.episode_fixtures as ef
from interop_bridge.certify import checks_episodes
from interop_bridge.certify.checks_episodes import is_placeholder, runs
from interop_bridge.certify.runner import load_dataset_input, run_checks

IDS = ('episodes.duplicates', 'episodes.near_duplicates', 'episodes.too_short',
       'episodes.single_frame', 'episodes.idle_spans', 'episodes.task_text', 'episodes.outcome')


def results(*episodes):
    return ef.run(checks_episodes.checks(), episodes)


def test_declarations():
    specs = [check.spec for check in checks_episodes.checks()]
    assert tuple(spec.id for spec in specs) == IDS
    assert {spec.level for spec in specs} == {'training-ready'}
    assert all(spec.answers and spec.threshold for spec in specs)


def test_clean_synthetic_episodes_raise_nothing():
    found = results(*(ef.clean_episode(index) for index in range(4)))
    for check_id in IDS:
        assert found[check_id].passed, found[check_id]
        assert not found[check_id].findings
    assert found['episodes.duplicates'].figure == 0.0
    assert found['episodes.too_short'].figure == 90.0
    assert found['episodes.idle_spans'].figure == 0.0


def test_four_identical_episodes_are_caught_with_their_pairs():
    copies = [ef.clean_episode(index, phase=0.0) for index in range(4)]
    for copy in copies:  # indices and timestamps differ, values do not
        copy.columns['index'] = copy.columns['index'] + 7
    found = results(ef.clean_episode(9), *copies)
    duplicates = found['episodes.duplicates']
    assert not duplicates.passed
    assert duplicates.figure == 3.0
    assert [f.detail for f in duplicates.findings] == [
        'episode(s) 1, 2, 3 are exact copies of episode 0']
    assert found['episodes.near_duplicates'].passed  # exact copies are not counted twice


def test_a_copy_differing_only_in_a_masked_entry_is_a_near_duplicate():
    first, second = ef.clean_episode(0, phase=0.0), ef.clean_episode(1, phase=0.0)
    second.valid['observation.state'][10, 3] = False
    second.columns['valid.observation.state'][10, 3] = 0.0
    second.columns['observation.state'][10, 3] = second.columns['observation.state'][9, 3]
    found = results(first, second)
    assert found['episodes.duplicates'].passed
    near = found['episodes.near_duplicates']
    assert not near.passed and near.figure == 1.0
    assert near.findings[0].detail.startswith('episode 1 nearly duplicates episode 0')


def test_absent_joints_alone_make_no_near_duplicate():
    first, second = ef.clean_episode(0), ef.clean_episode(1)
    assert np.array_equal(first.columns['observation.state'][:, 29:],
                          second.columns['observation.state'][:, 29:])
    assert results(first, second)['episodes.near_duplicates'].passed


def test_a_3_frame_episode_warns_too_short_and_a_single_frame_fails():
    found = results(ef.clean_episode(0), ef.clean_episode(1, length=3))
    assert not found['episodes.too_short'].passed
    assert found['episodes.too_short'].figure == 3.0
    assert found['episodes.too_short'].findings[0].detail == '3 frames, fewer than 30'
    assert found['episodes.single_frame'].passed
    found = results(ef.clean_episode(2, length=1))
    assert not found['episodes.single_frame'].passed
    assert found['episodes.single_frame'].figure == 1.0


def test_too_short_uses_five_frames_at_low_fps():
    checks = checks_episodes.checks()
    found = ef.run(checks, [ef.clean_episode(length=6)], ef.dataset(fps=4))
    assert found['episodes.too_short'].passed


def hold_still(data, frames: slice) -> None:
    state = data.columns['observation.state']
    state[frames] = state[frames.start if frames.start is not None else frames.stop]
    data.columns['observation.velocity'][frames] = 0.0


def test_2_s_idle_at_the_start_warns():
    data = ef.clean_episode(length=150)
    hold_still(data, slice(0, 60))
    found = results(data)['episodes.idle_spans']
    assert not found.passed
    assert found.figure == pytest.approx(2.0, abs=1 / 30)
    assert found.findings[0].detail.startswith('idle at the start: frames 0..')


def test_idle_at_the_end_warns_and_a_short_pause_inside_does_not():
    data = ef.clean_episode(length=150)
    hold_still(data, slice(110, 150))
    inside = ef.clean_episode(1, length=150)
    hold_still(inside, slice(60, 80))
    found = results(data, inside)['episodes.idle_spans']
    assert not found.passed
    assert [f.episode for f in found.findings] == [0]
    assert 'idle at the end' in found.findings[0].detail


def test_a_long_idle_share_inside_warns():
    data = ef.clean_episode(length=300)
    hold_still(data, slice(100, 200))  # frames 101..199 idle (100 still moves in): 33 %
    found = results(data)['episodes.idle_spans']
    assert not found.passed
    assert found.figure == 0.0  # nothing at the start or end
    assert '33.0 % of frames in idle spans' in found.findings[0].detail


def test_masked_frames_are_neither_motion_nor_idle():
    data = ef.clean_episode(length=150)
    hold_still(data, slice(0, 60))
    data.valid['observation.state'][20:25] = False  # breaks the span into 20 and 35 frames
    data.valid['observation.velocity'][20:25] = False
    assert results(data)['episodes.idle_spans'].passed
    moving = ef.clean_episode(length=150)
    moving.columns['observation.velocity'][:, 29:] = 0.0  # absent joints still: not idle
    assert results(moving)['episodes.idle_spans'].passed


@pytest.mark.parametrize('task', ['', 'task', '  Default ', 'none', 'test', 'unknown', 'TODO',
                                  '...', '3', '-'])
def test_placeholder_tasks_fail(task):
    found = results(ef.clean_episode(0), ef.clean_episode(1, task=task))['episodes.task_text']
    assert not found.passed
    assert found.figure == 1.0
    assert found.findings[0].episode == 1


def test_real_tasks_are_no_placeholders():
    assert not any(is_placeholder(task) for task in (
        'wave both arms', 'pick up the cup', 'test the gripper on the red block', 'go'))


def test_an_aborted_episode_warns():
    aborted = ef.with_record(ef.clean_episode(1), outcome='abort')
    found = results(ef.clean_episode(0), aborted, ef.clean_episode(2))['episodes.outcome']
    assert not found.passed
    assert found.figure == 1.0
    assert found.findings[0].episode == 1
    assert "labelled 'abort'" in found.findings[0].detail


def test_runs():
    assert runs(np.array([1, 1, 0, 1, 0, 0, 1, 1, 1], dtype=bool)) == [(0, 2), (3, 1), (6, 3)]
    assert runs(np.zeros(3, dtype=bool)) == []


def test_clean_real_export_raises_nothing(exported: Path):
    found = {r.check_id: r for r in run_checks(load_dataset_input(exported),
                                               checks_episodes.checks())}
    for check_id in IDS:
        assert found[check_id].passed, found[check_id]
        assert not found[check_id].findings
    assert found['episodes.too_short'].figure == round((2.8 - 0.2) * 30) + 1
    assert found['episodes.idle_spans'].figure == 0.0


def test_the_same_bag_exported_four_times_fails_duplicates(tmp_path: Path):
    import shutil

    import bag_factory as bf
    from interop_bridge.export.exporter import ExportRequest, export_recordings

    bag = bf.write_vendor_bag(tmp_path / 'bag0', 'unitree_g1_29dof', camera=False,
                              events=(bf.EventSpec(0.2, 1.2, 'wave'),))
    bags = (bag, *(Path(shutil.copytree(bag, tmp_path / f'bag{k}')) for k in (1, 2, 3)))
    export_recordings(ExportRequest(bags=bags, out=tmp_path / 'x4',
                                    profile='unitree_g1_29dof'), [].append)
    found = {r.check_id: r for r in run_checks(load_dataset_input(tmp_path / 'x4'),
                                               checks_episodes.checks())}
    assert not found['episodes.duplicates'].passed
    assert found['episodes.duplicates'].figure == 3.0
    assert found['episodes.duplicates'].findings[0].detail == (
        'episode(s) 1, 2, 3 are exact copies of episode 0')


def test_every_declaration_of_the_three_modules_fits_the_rubric():
    from interop_bridge.certify import checks_time, checks_video
    from interop_bridge.certify.rubric import spec_problems

    modules = (checks_time, checks_episodes, checks_video)
    assert spec_problems([check.spec for m in modules for check in m.checks()]) == []
