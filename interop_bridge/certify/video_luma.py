"""Luma of decoded video frames, what the video checks grade (no RGB conversion needed).

A YUV frame's Y plane is its luma: read in place it costs nothing, where converting the frame
to RGB first (swscale) costs ~5 ms per frame, most of a certify run's time. Limited-range Y
(16..235, what H.264/AV1 encoders write by default) is stretched to full range, which is the
ITU-R BT.601 luma of the RGB the decoder would give (its chroma terms cancel); full-range
("yuvj") frames are taken as they are. Other pixel formats are converted to RGB first.

The video checks grade stride-sampled luma (every `sample_stride(width)`-th row and column, at
most SAMPLE_WIDTH * 2 columns kept): `frame_luma(frame, stride)` samples the 8-bit plane before
converting it, so only the kept pixels are converted (the same values as sampling afterwards).
`luma_blocks` does the same for a stream of frames, converting BLOCK_FRAMES frames at a time
(numpy's per-call cost paid once per block, not per frame; the same values).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114], dtype=np.float32)  # ITU-R BT.601
SAMPLE_WIDTH = 64  # columns the video checks keep per frame, about (stride sampling)
BLOCK_FRAMES = 256  # frames converted together by luma_blocks
PLANAR_8BIT = frozenset({'yuv420p', 'yuv422p', 'yuv444p', 'yuvj420p', 'yuvj422p', 'yuvj444p',
                         'nv12', 'nv21'})
JPEG_RANGE = 2  # AVCOL_RANGE_JPEG: full-range YUV
LIMITED_SCALE = np.float32(255.0 / 219.0)


def sample_stride(width: int) -> int:
    """The stride that keeps about SAMPLE_WIDTH of `width` columns (1 below 2 * SAMPLE_WIDTH:
    a frame sampled once is not sampled again)."""
    return max(1, width // SAMPLE_WIDTH)


def rgb_luma(rgb: np.ndarray) -> np.ndarray:
    """(H, W) float32 luma of an (H, W, 3) RGB image."""
    return rgb[..., :3].astype(np.float32) @ LUMA_WEIGHTS


def _full_range(frame: Any) -> bool:
    return bool(frame.format.name.startswith('yuvj')
                or getattr(frame, 'color_range', 0) == JPEG_RANGE)


def _plane(frame: Any, stride: int) -> np.ndarray:
    """Every `stride`-th row and column of the frame's 8-bit Y plane, a view of it."""
    plane = frame.planes[0]
    rows = np.frombuffer(plane, dtype=np.uint8).reshape(plane.height, plane.line_size)
    return rows[::stride, :frame.width:stride]


def stretched(luma: np.ndarray) -> np.ndarray:
    """Limited-range luma (16..235) as full range [0, 255], float32."""
    full: np.ndarray = np.clip((luma - 16.0) * LIMITED_SCALE, 0.0, 255.0)
    return full


def frame_luma(frame: Any, stride: int = 1) -> np.ndarray:
    """(H, W) float32 full-range luma [0, 255] of a decoded PyAV VideoFrame, every `stride`-th
    row and column of it."""
    if frame.format.name not in PLANAR_8BIT:
        return rgb_luma(frame.to_ndarray(format='rgb24')[::stride, ::stride])
    luma = _plane(frame, stride).astype(np.float32)
    return luma if _full_range(frame) else stretched(luma)


def sampled_luma(frame: Any) -> np.ndarray:
    """The luma the video checks grade: stride-sampled (sample_stride of the frame's width)."""
    return frame_luma(frame, sample_stride(int(frame.width)))


@dataclass
class _Block:
    """Sampled frames waiting for their conversion: 8-bit Y planes of one range, or luma."""

    kind: str  # 'limited', 'full' (8-bit planes) or 'luma' (already float32)
    frames: list[np.ndarray]

    def luma(self) -> np.ndarray:
        stack = np.stack(self.frames)
        if self.kind == 'luma':
            return stack
        luma = stack.astype(np.float32)
        return luma if self.kind == 'full' else stretched(luma)


def _sampled(frame: Any) -> tuple[str, np.ndarray]:
    """The frame's kind and its sampled pixels, copied (the decoded frame is let go)."""
    stride = sample_stride(int(frame.width))
    if frame.format.name not in PLANAR_8BIT:
        return 'luma', frame_luma(frame, stride)
    return 'full' if _full_range(frame) else 'limited', _plane(frame, stride).copy()


def luma_blocks(frames: Iterable[Any], size: int = BLOCK_FRAMES) -> Iterator[np.ndarray]:
    """The sampled luma (sampled_luma) of decoded frames, up to `size` consecutive frames at a
    time: (n, h, w) float32 blocks, in order."""
    block: _Block | None = None
    for frame in frames:
        kind, pixels = _sampled(frame)
        if block is not None and (block.kind != kind or len(block.frames) == size):
            yield block.luma()
            block = None
        if block is None:
            block = _Block(kind, [])
        block.frames.append(pixels)
    if block is not None:
        yield block.luma()
