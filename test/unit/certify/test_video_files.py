"""Each MP4 decoded once per certification: in order across its episodes, and its frame count
handed to the format group (validate's video frames check) instead of a second decoding."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import physical_bags
import pytest

import interop_bridge.certify.video_files as video_files
import interop_bridge.dataset.view as view
from interop_bridge.certify.checks_format import checks as format_checks
from interop_bridge.certify.checks_video import checks as video_checks
from interop_bridge.certify.model import DatasetInput, EpisodeData
from interop_bridge.certify.runner import iter_episodes, load_dataset_input, run_checks
from interop_bridge.dataset.video import decoded_frame_count
from interop_bridge.export.exporter import ExportRequest, export_recordings

CAMERA = 'observation.images.camera'
MP4 = f'videos/{CAMERA}/chunk-000/file-000.mp4'
SPANS = ((0.2, 1.4), (1.5, 2.6), (2.7, 3.8))


@pytest.fixture(scope='module')
def three_episodes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A G1 export with three episodes in one MP4 (frames between them are not in any)."""
    base = tmp_path_factory.mktemp('video_files')
    episodes = tuple(physical_bags.EventSpec(start, end, 'wave both arms')
                     for start, end in SPANS)
    bag = physical_bags.write_physical_bag(base / 'bag', duration_s=4.0, episodes=episodes)
    export_recordings(ExportRequest(bags=(bag,), out=base / 'ds', profile='unitree_g1_29dof',
                                    vcodec='libx264'), [].append)
    return base / 'ds'


def _lengths(dataset: DatasetInput) -> list[int]:
    return [episode.length for episode in iter_episodes(dataset)]


def _opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    opened: list[str] = []
    real = video_files.open_video

    def counting(root: Path, relative: str) -> video_files.OpenVideo:
        opened.append(relative)
        return real(root, relative)

    monkeypatch.setattr(video_files, 'open_video', counting)
    return opened


def test_the_pass_decodes_each_mp4_once_and_validate_takes_its_count(
        three_episodes: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dataset = load_dataset_input(three_episodes)
    expected = decoded_frame_count(three_episodes / MP4)
    opened = _opened(monkeypatch)

    def no_second_decoding(path: Path) -> int:
        msg = f'{path} decoded again'
        raise AssertionError(msg)

    monkeypatch.setattr(view, 'decoded_frame_count', no_second_decoding)
    results = {r.check_id: r for r in run_checks(dataset, [*video_checks(), *format_checks()])}
    assert opened == [MP4]
    assert dataset.decoded_frames == {MP4: expected}
    assert results['format.video_frames'].passed, results['format.video_frames'].detail
    assert results['video.frame_count'].passed and results['video.frame_count'].figure == 0


def _luma(episode: EpisodeData) -> np.ndarray:
    assert episode.luma is not None
    return np.concatenate(list(episode.luma(CAMERA)))


def test_windows_in_order_give_what_seeking_gives(three_episodes: Path) -> None:
    dataset = load_dataset_input(three_episodes)
    in_order = [_luma(episode) for episode in iter_episodes(dataset)]
    assert [len(frames) for frames in in_order] == _lengths(dataset)
    episodes = list(iter_episodes(load_dataset_input(three_episodes)))  # pass over: seeks
    for episode, frames in zip(episodes, in_order, strict=True):
        assert np.array_equal(_luma(episode), frames)


def test_episodes_not_asked_for_are_decoded_through_and_counted(three_episodes: Path) -> None:
    dataset = load_dataset_input(three_episodes)
    for episode in iter_episodes(dataset):
        if episode.index == 1:
            assert len(list(episode.frames(CAMERA))) == episode.length
    assert dataset.decoded_frames == {MP4: decoded_frame_count(three_episodes / MP4)}


def test_a_camera_asked_for_twice_seeks_and_the_file_gets_no_count(three_episodes: Path) -> None:
    dataset = load_dataset_input(three_episodes)
    for episode in iter_episodes(dataset):
        first, again = _luma(episode), _luma(episode)
        assert len(first) == len(again) == episode.length
    assert dataset.decoded_frames == {}
    results = {r.check_id: r for r in run_checks(dataset, format_checks())}
    assert results['format.video_frames'].passed  # validate decoded it itself
