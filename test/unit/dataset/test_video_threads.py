"""A cap on SVT-AV1's threads (a worker's share of the cores) changes speed, never the video:
the encoder writes the same packets with one thread as with all of them."""

from __future__ import annotations

import hashlib
from pathlib import Path

import av
import numpy as np
import pytest

from interop_bridge.errors import ExportError
from interop_bridge.dataset.layout import FileSlot
from interop_bridge.dataset.video import CameraEncoder, VideoOptions, limit_encoder_threads

KEY = 'observation.images.head'
SHAPE = (96, 128, 3)


@pytest.fixture(autouse=True)
def no_limit_after():
    yield
    limit_encoder_threads(0)


def moving_scene(count: int):
    """A gradient drifting right with a noisy square: motion and texture for the encoder."""
    rng = np.random.default_rng(7)
    columns = np.arange(SHAPE[1], dtype=np.int64)
    for index in range(count):
        frame = np.empty(SHAPE, np.uint8)
        frame[:] = ((columns + 3 * index) % 256)[None, :, None]
        frame[20:50, 30 + index:60 + index] = rng.integers(0, 256, (30, 30, 3), np.uint8)
        yield frame


def packets_of(root: Path, codec: str, threads: int) -> tuple[int, str, str]:
    """(packets, SHA-256 of their bytes, the encoder's options) of 40 frames encoded with
    `threads` threads per encoder."""
    limit_encoder_threads(threads)
    options = VideoOptions.for_codec(codec)
    camera = CameraEncoder(root, KEY, 30, SHAPE, options, 10**9, FileSlot())
    camera.encode_episode(moving_scene(40), 40, 0)
    camera.close()
    digest, count = hashlib.sha256(), 0
    with av.open(str(root / f'videos/{KEY}/chunk-000/file-000.mp4')) as container:
        for packet in container.demux(video=0):
            if packet.size:
                digest.update(bytes(packet))
                count += 1
    return count, digest.hexdigest(), str(options.encoder_options())


def test_svt_av1_writes_the_same_packets_with_one_thread_as_with_every_thread(tmp_path):
    free = packets_of(tmp_path / 'free', 'libsvtav1', 0)
    one = packets_of(tmp_path / 'one', 'libsvtav1', 1)
    assert 'lp=1' in one[2] and 'lp' not in free[2]
    assert one[0] == free[0] == 40
    assert one[1] == free[1]


def test_libx264_is_not_limited_since_its_bytes_depend_on_its_threads(tmp_path):
    limit_encoder_threads(1)
    assert VideoOptions.for_codec('libx264').encoder_options() == \
        {'crf': '23', 'preset': 'veryfast', 'g': '2'}


def test_a_negative_thread_cap_is_refused():
    with pytest.raises(ExportError, match='encoder threads -1'):
        limit_encoder_threads(-1)
