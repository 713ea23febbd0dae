"""Luma read from the Y plane equals the BT.601 luma of the decoder's own RGB conversion."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from interop_bridge.certify.video_luma import (LUMA_WEIGHTS, SAMPLE_WIDTH, LumaBlock, frame_luma,
                                               luma_blocks, sample_stride, sampled_luma)
from interop_bridge.certify.video_summary import summarize_blocks


def scenes(height: int = 96, width: int = 128) -> list[np.ndarray]:
    """A colour gradient, black, white and a saturated red: (H, W, 3) uint8 RGB."""
    y, x = np.mgrid[0:height, 0:width]
    gradient = np.stack([x * 2, y * 2, (x + y)], axis=-1).clip(0, 255).astype(np.uint8)
    flat = [np.full((height, width, 3), value, np.uint8) for value in (0, 255)]
    red = np.zeros((height, width, 3), np.uint8)
    red[..., 0] = 255
    return [gradient, *flat, red]


def encoded(path: Path, pix_fmt: str) -> Path:
    with av.open(str(path), 'w') as container:
        stream = container.add_stream('libx264', rate=30)
        stream.width, stream.height, stream.pix_fmt = 128, 96, pix_fmt
        for image in scenes():
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format='rgb24')):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


@pytest.mark.parametrize('pix_fmt', ['yuv420p', 'yuvj420p', 'yuv444p'])
def test_plane_luma_matches_the_decoders_rgb(tmp_path: Path, pix_fmt: str) -> None:
    with av.open(str(encoded(tmp_path / 'v.mp4', pix_fmt))) as container:
        for frame in container.decode(video=0):
            reference = frame.to_ndarray(format='rgb24').astype(np.float32) @ LUMA_WEIGHTS
            luma = frame_luma(frame)
            assert luma.shape == (96, 128) and luma.dtype == np.float32
            # the decoder's RGB is clipped per channel: saturated colours differ by a little
            assert np.abs(luma - reference).mean() < 1.5


def test_black_and_white_frames_read_as_black_and_white(tmp_path: Path) -> None:
    with av.open(str(encoded(tmp_path / 'v.mp4', 'yuv420p'))) as container:
        lumas = [float(frame_luma(frame).mean()) for frame in container.decode(video=0)]
    assert lumas[1] < 2.0 and lumas[2] > 253.0  # limited range 16..235 stretched to 0..255


def test_other_pixel_formats_go_through_rgb() -> None:
    image = scenes()[0]
    frame = av.VideoFrame.from_ndarray(image, format='rgb24')
    expected = image.astype(np.float32) @ LUMA_WEIGHTS
    assert np.abs(frame_luma(frame) - expected).max() < 0.01


@pytest.mark.parametrize('pix_fmt', ['yuv420p', 'yuvj420p', 'yuv444p'])
def test_blocks_of_frames_hold_what_each_frame_sampled_gives(tmp_path: Path, pix_fmt: str) -> None:
    with av.open(str(encoded(tmp_path / 'v.mp4', pix_fmt))) as container:
        frames = list(container.decode(video=0))
    blocks = list(luma_blocks(frames, size=3))
    assert [len(block) for block in blocks] == [3, 1]
    assert {block.kind for block in blocks} == {
        {'yuv420p': 'limited', 'yuvj420p': 'full'}.get(pix_fmt, 'limited')}
    expected = np.stack([sampled_luma(frame) for frame in frames])
    assert expected.shape == (4, 48, 64)  # every second row and column of 96 x 128
    assert np.array_equal(np.concatenate([block.luma() for block in blocks]), expected)
    assert np.array_equal(expected[0], frame_luma(frames[0])[::2, ::2])


def test_a_sampled_frame_is_not_sampled_again() -> None:
    for width in (64, 127, 128, 200, 640, 1920, 3840):
        kept = len(range(0, width, sample_stride(width)))
        assert sample_stride(kept) == 1 and kept < 2 * SAMPLE_WIDTH


@pytest.mark.parametrize('pix_fmt', ['yuv420p', 'yuvj420p'])
def test_8_bit_blocks_summarize_as_their_float_luma(tmp_path: Path, pix_fmt: str) -> None:
    """The video checks' figures from the Y values (integer sums) are those of the float luma
    (the same up to float32 rounding), black and white counted alike, across blocks too."""
    with av.open(str(encoded(tmp_path / 'v.mp4', pix_fmt))) as container:
        frames = list(container.decode(video=0)) * 3
    blocks = list(luma_blocks(frames, size=5))
    assert {block.kind for block in blocks} == {'full' if pix_fmt == 'yuvj420p' else 'limited'}
    exact = summarize_blocks(blocks)
    floats = summarize_blocks([LumaBlock('luma', block.luma()) for block in blocks])
    assert exact.frames == floats.frames == 12
    assert np.abs(exact.luma - floats.luma).max() < 1e-3
    assert np.abs(exact.diffs - floats.diffs).max() < 1e-3
    assert np.array_equal(exact.clipped, floats.clipped)
    assert exact.clipped[1] > 0.95 and exact.clipped[2] > 0.95  # the black and white frames
