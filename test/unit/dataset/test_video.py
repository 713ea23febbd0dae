"""Camera frames become constant-rate MP4s: one frame per row, episodes back to back."""

from __future__ import annotations

import os

import av
import numpy as np
import process_groups
import pytest

from interop_bridge.errors import ExportError
from interop_bridge.dataset.layout import FileSlot
from interop_bridge.dataset.video import (CameraEncoder, VideoOptions, decoded_frame_count,
                                          probe_video_info)
from interop_bridge.scheduling import real_time_threads

KEY = 'observation.images.head'


def encoder(kit, root, vcodec='libsvtav1', limit_bytes=10**9):
    return CameraEncoder(root, KEY, kit.fps, (kit.height, kit.width, 3),
                         VideoOptions.for_codec(vcodec), limit_bytes, FileSlot())


def frames(kit, start, count):
    return (kit.frame_for(index) for index in range(start, start + count))


@pytest.mark.parametrize('vcodec, codec_name', [('libsvtav1', 'av1'), ('libx264', 'h264')])
def test_episodes_are_concatenated_with_cumulative_timestamps(tmp_path, kit, vcodec,
                                                              codec_name):
    camera = encoder(kit, tmp_path, vcodec)
    spans = [camera.encode_episode(frames(kit, start, length), length, episode)
             for episode, (start, length) in enumerate(((0, 12), (12, 7), (19, 5)))]
    camera.close()
    assert [(span.from_timestamp, span.to_timestamp) for span in spans] == \
        [(0.0, 1.2), (1.2, 1.9), (1.9, 2.4)]
    assert {span.slot for span in spans} == {FileSlot(0, 0)}
    path = tmp_path / f'videos/{KEY}/chunk-000/file-000.mp4'
    assert kit.decoded_indices(path) == list(range(24))
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.average_rate == kit.fps
        assert [packet.pts * stream.time_base for packet in container.demux(stream)
                if packet.pts is not None][:3] == [0, pytest.approx(0.1), pytest.approx(0.2)]
    assert probe_video_info(path, VideoOptions.for_codec(vcodec))['video.codec'] == codec_name
    assert camera.encoded_frames == 24 and camera.encode_seconds > 0


def test_a_new_file_is_started_before_an_episode_would_overflow(tmp_path, kit):
    rng = np.random.default_rng(0)
    camera = encoder(kit, tmp_path, limit_bytes=60_000)  # noise: ~2.4 kB per frame
    spans = []
    for episode in range(5):
        noisy = (rng.integers(0, 256, (kit.height, kit.width, 3), dtype=np.uint8)
                 for _ in range(20))
        spans.append(camera.encode_episode(noisy, 20, episode))
    camera.close()
    files = [span.slot.file_index for span in spans]
    assert files == sorted(files) and files[-1] >= 1
    for span, previous in zip(spans[1:], spans, strict=False):
        expected = previous.to_timestamp if span.slot == previous.slot else 0.0
        assert span.from_timestamp == expected
    paths = sorted(tmp_path.rglob('*.mp4'))
    assert len(paths) == files[-1] + 1
    assert sum(decoded_frame_count(path) for path in paths) == 100


@pytest.mark.parametrize('count, got', [(4, '4'), (6, 'more than 5')])
def test_a_frame_source_must_yield_exactly_one_frame_per_row(tmp_path, kit, count, got):
    camera = encoder(kit, tmp_path)
    with pytest.raises(ExportError) as error:
        camera.encode_episode(frames(kit, 0, count), 5, 3)
    camera.close()
    assert str(error.value) == (f'{KEY}: episode 3: the frame source yielded {got} frames, '
                                'expected 5 (one per row)')


def test_frames_of_the_wrong_size_or_type_are_refused(tmp_path, kit):
    camera = encoder(kit, tmp_path)
    wrong = iter([np.zeros((kit.height, kit.width, 3), dtype=np.float32)])
    with pytest.raises(ExportError) as error:
        camera.encode_episode(wrong, 1, 0)
    camera.close()
    assert str(error.value) == (f'{KEY}: episode 0 frame 0: got (48, 64, 3) float32, '
                                'expected (48, 64, 3) uint8 RGB')


def test_an_unknown_codec_is_refused():
    with pytest.raises(ExportError, match="video codec 'mjpeg' is not supported, expected one "
                                          'of libsvtav1, libx264'):
        VideoOptions(vcodec='mjpeg')


@pytest.mark.parametrize('vcodec', ['libsvtav1', 'libx264'])
def test_encoding_leaves_every_thread_of_the_process_at_its_scheduling(tmp_path, kit, vcodec):
    camera = encoder(kit, tmp_path, vcodec)
    camera.encode_episode(frames(kit, 0, 12), 12, 0)
    during = real_time_threads()
    camera.close()
    assert during == [] and real_time_threads() == []
    assert os.sched_getscheduler(0) == os.SCHED_OTHER
    child = process_groups.run(['python3', '-c', 'import os; print(os.sched_getscheduler(0))'],
                               timeout=30)
    assert child.stdout.strip() == str(os.SCHED_OTHER), child.stderr
