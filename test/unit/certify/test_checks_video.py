"""Video checks on synthetic frames with one seeded defect each, through a real codec, and on a
clean real export."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

import unit.certify.episode_fixtures as ef
from interop_bridge.certify import checks_video
from interop_bridge.certify.runner import load_dataset_input, run_checks

IDS = ('video.frame_count', 'video.frozen_frames', 'video.black_or_saturated',
       'video.camera_rate')


def results(*episodes, cameras=(ef.CAMERA,)):
    return ef.run(checks_video.checks(), episodes, ef.dataset(cameras))


def with_frames(data, frames):
    data.frames = ef.Frames({ef.CAMERA: frames})
    return data


def test_declarations():
    specs = [check.spec for check in checks_video.checks()]
    assert tuple(spec.id for spec in specs) == IDS
    assert {spec.group for spec in specs} == {'video'}
    assert all(spec.level in ('timing', 'training-ready') and spec.answers for spec in specs)


def test_clean_synthetic_episodes_raise_nothing_and_decode_once():
    episodes = [ef.clean_episode(0), ef.clean_episode(1, length=45)]
    found = results(*episodes)
    for check_id in IDS:
        assert found[check_id].passed, found[check_id]
        assert not found[check_id].findings
    assert found['video.frame_count'].figure == 0.0
    assert found['video.frozen_frames'].figure == 0.0
    assert found['video.black_or_saturated'].figure == 0.0
    assert found['video.camera_rate'].figure == pytest.approx(30.0)
    assert [episode.frames.decoded for episode in episodes] == [{ef.CAMERA: 1}] * 2


def test_a_camera_one_frame_short_fails_frame_count():
    data = ef.clean_episode()
    with_frames(data, ef.textured_frames(89, seed=3))
    found = results(data)['video.frame_count']
    assert not found.passed
    assert found.figure == 1.0
    assert found.findings[0].detail == f'{ef.CAMERA}: 89 decoded frames for 90 rows'


def test_30_identical_frames_warn_frozen():
    frames = ef.textured_frames(90, seed=4)
    frames[30:60] = [frames[30]] * 30  # frames 31..59 repeat frame 30: 29 repeats, ~1 s
    found = results(with_frames(ef.clean_episode(), frames))['video.frozen_frames']
    assert not found.passed
    assert found.figure == pytest.approx(100 * 29 / 90)
    assert 'longest run 29' in found.findings[0].detail


def test_a_one_second_freeze_warns_below_the_share():
    frames = ef.textured_frames(300, seed=5)
    frames[100:131] = [frames[100]] * 31  # 30 repeats = 1 s, 10 % of the frames
    data = with_frames(ef.clean_episode(length=300), frames)
    found = results(data)['video.frozen_frames']
    assert not found.passed
    assert found.figure == pytest.approx(10.0)


def encoded(frames: list[np.ndarray], codec: str = 'libx264') -> list[np.ndarray]:
    """The frames through an MP4 encode and decode (the codec's noise included)."""
    import av

    buffer = io.BytesIO()
    height, width = frames[0].shape[:2]
    with av.open(buffer, 'w', format='mp4') as container:
        stream = container.add_stream(codec, rate=ef.FPS)
        stream.width, stream.height, stream.pix_fmt = width, height, 'yuv420p'
        for frame in frames:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format='rgb24')))
        container.mux(stream.encode())
    buffer.seek(0)
    with av.open(buffer) as container:
        return [frame.to_ndarray(format='rgb24') for frame in container.decode(video=0)]


def test_frozen_frames_through_a_real_codec_are_caught_and_moving_frames_are_not():
    rng = np.random.default_rng(6)
    scene = rng.integers(40, 220, (96, 128, 3)).astype(np.int16)
    frames = [np.clip(np.roll(scene, 2 * k, axis=1) + rng.normal(0, 3, scene.shape), 0, 255)
              .astype(np.uint8) for k in range(90)]
    frames[30:60] = [frames[30]] * 30
    summary = checks_video.summarize(iter(encoded(frames)))
    repeated, moving = summary.diffs[30:59], np.r_[summary.diffs[:29], summary.diffs[60:]]
    assert repeated.max() < 0.2 < checks_video.FROZEN_DIFF  # codec noise on a repeat
    assert moving.min() > 5 * checks_video.FROZEN_DIFF
    data = with_frames(ef.clean_episode(), encoded(frames))
    assert results(data)['video.frozen_frames'].figure == pytest.approx(100 * 29 / 90)


def test_black_frames_warn():
    frames = ef.textured_frames(90, seed=7)
    frames[:9] = [np.full((48, 64, 3), 3, dtype=np.uint8)] * 9   # 10 % black, lens cap
    found = results(with_frames(ef.clean_episode(), frames))
    degenerate = found['video.black_or_saturated']
    assert not degenerate.passed
    assert degenerate.figure == pytest.approx(10.0)
    assert 'first at frame 0' in degenerate.findings[0].detail
    assert found['video.frozen_frames'].passed  # 8 repeats: below 20 % and 1 s


def test_saturated_frames_warn_and_a_few_are_tolerated():
    frames = ef.textured_frames(90, seed=8)
    frames[40:44] = [np.full((48, 64, 3), 255, dtype=np.uint8)] * 4  # 4.4 %: tolerated
    assert results(with_frames(ef.clean_episode(), frames))['video.black_or_saturated'].passed
    white = np.full((48, 64, 3), 255, dtype=np.uint8)
    white[:2] = 120  # mean luma 240, but 96 % of pixels white
    frames[40:50] = [white] * 10
    found = results(with_frames(ef.clean_episode(), frames))['video.black_or_saturated']
    assert not found.passed
    assert found.figure == pytest.approx(100 * 10 / 90)


def test_black_and_white_bars_are_not_degenerate():
    frame = np.zeros((32, 64, 3), dtype=np.uint8)
    frame[:, ::2] = 255
    frames = [np.roll(frame, k, axis=1) for k in range(90)]
    assert results(with_frames(ef.clean_episode(), frames))['video.black_or_saturated'].passed


def test_a_10_hz_camera_in_a_30_fps_dataset_warns_with_its_rate():
    data = ef.clean_episode()  # 3 s: a 10 Hz camera gives 30 images plus the lead around it
    data.record['resampling'][ef.CAMERA].update(images_in=40, max_distance_s=0.05)
    found = results(data)['video.camera_rate']
    assert not found.passed
    assert found.figure == pytest.approx(40 * 30 / 90)
    assert 'at most 13.3 images/s at 30 fps' in found.findings[0].detail


def test_a_camera_gap_beyond_one_frame_warns():
    data = ef.clean_episode()
    data.record['resampling'][ef.CAMERA].update(max_distance_s=0.05)
    assert not results(data)['video.camera_rate'].passed


def test_no_camera_skips_every_video_check():
    found = results(ef.clean_episode(), cameras=())
    for check_id in IDS:
        assert found[check_id].skipped and found[check_id].passed


def test_clean_real_export_raises_nothing(exported: Path):
    data_set = load_dataset_input(exported)
    assert data_set.camera_keys == (ef.CAMERA,)
    found = {r.check_id: r for r in run_checks(data_set, checks_video.checks())}
    for check_id in IDS:
        assert found[check_id].passed, found[check_id]
        assert not found[check_id].findings
        assert not found[check_id].skipped
    assert found['video.frame_count'].figure == 0.0
    assert found['video.frozen_frames'].figure == 0.0
    assert found['video.black_or_saturated'].figure == 0.0
    assert found['video.camera_rate'].figure > 30.0  # images (with the lead) per row
