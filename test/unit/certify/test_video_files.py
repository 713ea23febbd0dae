"""Each MP4 decoded once per certification: in order across its episodes (in the video worker,
a child process, or here when it has no summary), and its frame count handed to the format
group (validate's video frames check) instead of a second decoding."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path

import numpy as np
import physical_bags
import pytest

import interop_bridge.certify.video_files as video_files
import interop_bridge.certify.video_worker as video_worker
import interop_bridge.dataset.view as view
from interop_bridge.certify.checks_format import checks as format_checks
from interop_bridge.certify.checks_video import camera_summary, checks as video_checks
from interop_bridge.certify.model import DatasetInput, EpisodeData
from interop_bridge.certify.runner import iter_episodes, load_dataset_input, run_checks
from interop_bridge.certify.video_summary import CameraSummary, summarize_blocks
from interop_bridge.certify.video_worker import Window
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


def _opened(monkeypatch: pytest.MonkeyPatch, log: Path) -> Callable[[], list[str]]:
    """Every MP4 opened from now on, in this process or in the video worker (a fork: the
    patch goes with it, a list would not come back, so each opening is appended to `log`)."""
    real = video_files.open_video

    def counting(root: Path, relative: str) -> video_files.OpenVideo:
        with log.open('a') as out:
            out.write(relative + '\n')
        return real(root, relative)

    monkeypatch.setattr(video_files, 'open_video', counting)
    return lambda: log.read_text().splitlines() if log.exists() else []


def test_the_pass_decodes_each_mp4_once_and_validate_takes_its_count(
        three_episodes: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    dataset = load_dataset_input(three_episodes)
    expected = decoded_frame_count(three_episodes / MP4)
    opened = _opened(monkeypatch, tmp_path / 'opened.txt')

    def no_second_decoding(path: Path) -> int:
        msg = f'{path} decoded again'
        raise AssertionError(msg)

    monkeypatch.setattr(view, 'decoded_frame_count', no_second_decoding)
    results = {r.check_id: r for r in run_checks(dataset, [*video_checks(), *format_checks()])}
    assert opened() == [MP4]
    assert dataset.decoded_frames == {MP4: expected}
    assert results['format.video_frames'].passed, results['format.video_frames'].detail
    assert results['video.frame_count'].passed and results['video.frame_count'].figure == 0


def _luma(episode: EpisodeData) -> np.ndarray:
    assert episode.luma is not None
    return np.concatenate([block.luma() for block in episode.luma(CAMERA)])


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


def _summaries(dataset: DatasetInput) -> list[CameraSummary]:
    return [camera_summary(episode, CAMERA) for episode in iter_episodes(dataset)]


def _same(first: list[CameraSummary], second: list[CameraSummary]) -> bool:
    return len(first) == len(second) and all(
        a.frames == b.frames and all(np.array_equal(getattr(a, name), getattr(b, name))
                                     for name in ('diffs', 'luma', 'clipped'))
        for a, b in zip(first, second, strict=True))


def test_the_video_worker_gives_what_decoding_here_gives(three_episodes: Path) -> None:
    dataset = load_dataset_input(three_episodes)
    mine = []
    for episode in iter_episodes(dataset):
        assert episode.camera_summary is not None
        made = episode.camera_summary(CAMERA)
        assert made is not None  # from the child
        mine.append((made, summarize_blocks(episode.luma(CAMERA))))
    assert _same([a for a, _ in mine], [b for _, b in mine])
    assert [summary.frames for summary, _ in mine] == _lengths(dataset)


def test_without_the_worker_the_runner_decodes_itself_and_counts(
        three_episodes: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reference = load_dataset_input(three_episodes)
    expected = _summaries(reference)

    def gone(root: Path, fps: int, windows: list[Window], connection: Connection) -> None:
        connection.close()  # the child dies before sending anything

    monkeypatch.setattr(video_worker, 'serve', gone)
    dataset = load_dataset_input(three_episodes)
    assert _same(_summaries(dataset), expected)
    assert dataset.decoded_frames == reference.decoded_frames != {}


def test_a_window_the_worker_could_not_summarize_is_decoded_here(
        three_episodes: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _summaries(load_dataset_input(three_episodes))

    def broken(blocks: object) -> CameraSummary:
        msg = 'not in the child'
        raise RuntimeError(msg)

    monkeypatch.setattr(video_worker, 'summarize_blocks', broken)  # the child's, not ours
    assert _same(_summaries(load_dataset_input(three_episodes)), expected)


def test_a_pass_stopped_early_stops_the_worker(three_episodes: Path) -> None:
    dataset = load_dataset_input(three_episodes)
    episodes = iter_episodes(dataset)
    first = next(episodes)
    assert camera_summary(first, CAMERA).frames == first.length
    workers = [child for child in multiprocessing.active_children()
               if child.name == 'interop-certify-video']
    assert len(workers) == 1
    episodes.close()
    workers[0].join(timeout=5)
    assert not workers[0].is_alive()
    assert dataset.decoded_frames == {}
