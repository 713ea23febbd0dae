"""The runner on a real export: episodes, expanded masks, frames, and checks that raise."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from interop_bridge.certify.checks_format import checks as format_checks
from interop_bridge.certify.model import CheckResult, CheckSpec, DatasetInput, EpisodeData
from interop_bridge.certify.runner import iter_episodes, load_dataset_input, run_checks

FRAMES = round((2.8 - 0.2) * 30) + 1  # the physical bag's episode, 0.2 .. 2.8 s at 30 fps
SPEC = CheckSpec('episodes.probe', 'episodes', 'm', 't', 'fail', 'format', 'a')


def test_one_episode_with_masks_expanded_and_its_frames(dataset: Path) -> None:
    data = load_dataset_input(dataset)
    assert data.fps == 30 and data.camera_keys == ('observation.images.camera',)
    episodes = list(iter_episodes(data))
    assert [e.index for e in episodes] == [0]
    episode = episodes[0]
    assert episode.length == FRAMES and episode.task == 'wave both arms'
    assert episode.robot_type == 'unitree_g1_29dof'
    assert episode.profile is not None and episode.profile.name == 'unitree_g1_29dof'
    assert episode.columns['observation.state'].shape == (FRAMES, 32)
    assert episode.columns['observation.state'].dtype == np.float64
    assert episode.columns['timestamp'].shape == (FRAMES,)
    # the one IMU flag covers every IMU vector; a wrench slot's flag its six components
    assert episode.valid['observation.imu.orientation'].shape == (FRAMES, 4)
    assert episode.valid['observation.wrench'].shape == (FRAMES, 24)
    assert episode.valid['observation.state'].dtype == bool
    # G1 29-dof has 29 of the 32 canonical joints, the only ones stored (no head): the
    # runner puts them back at their canonical indices, the other three never valid
    assert data.joints == tuple(range(29))
    assert episode.valid['observation.state'].all(axis=0).sum() == 29
    assert not episode.valid['observation.state'][:, 29:].any()
    assert (episode.columns['observation.effort'][:, 29:] == 0.0).all()
    assert episode.record['profile'] == 'unitree_g1_29dof'
    frames = list(episode.frames('observation.images.camera'))
    assert len(frames) == FRAMES
    assert frames[0].shape == (96, 128, 3) and frames[0].dtype == np.uint8  # physical_bags.SIZE


@dataclass
class Raising:
    spec: CheckSpec
    where: str

    def episode(self, data: EpisodeData, dataset: DatasetInput) -> None:
        if self.where == 'episode':
            msg = 'bad episode'
            raise ValueError(msg)

    def result(self, dataset: DatasetInput) -> CheckResult:
        if self.where == 'result':
            msg = 'bad result'
            raise ZeroDivisionError(msg)
        return CheckResult(self.spec.id, True, 1.0, 'x', 'fine')


def test_a_check_that_raises_fails_alone_saying_why(dataset: Path) -> None:
    data = load_dataset_input(dataset)
    checks = [Raising(SPEC, 'episode'), Raising(SPEC, 'result'), Raising(SPEC, 'no'),
              format_checks()[0]]
    results = run_checks(data, checks)
    assert [r.passed for r in results] == [False, False, True, True]
    assert results[0].detail == 'check error: episode 0: ValueError: bad episode'
    assert results[1].detail == 'check error: result: ZeroDivisionError: bad result'
    assert results[2].figure == 1.0


def test_an_unreadable_data_file_fails_episode_checks(dataset: Path) -> None:
    path = next((dataset / 'data').rglob('*.parquet'))
    path.write_bytes(b'not parquet')
    results = run_checks(load_dataset_input(dataset), [Raising(SPEC, 'no')])
    assert not results[0].passed
    assert results[0].detail.startswith('not every episode was read (')


def test_joint_names_out_of_order_fail_the_format_and_the_columns_stay_as_stored(
        dataset: Path) -> None:
    info_path = dataset / 'meta' / 'info.json'
    info = json.loads(info_path.read_text())
    names = info['features']['observation.state']['names']
    info['features']['observation.state']['names'] = [names[1], names[0], *names[2:]]
    info_path.write_text(json.dumps(info))
    data = load_dataset_input(dataset)
    assert data.joints is None  # not placed at canonical indices it does not declare right
    result = run_checks(data, [format_checks()[0]])[0]
    assert result.check_id == 'format.info' and not result.passed
    assert 'not in canonical order' in result.detail
    episode = next(iter_episodes(data))
    assert episode.columns['observation.state'].shape == (FRAMES, 29)
