"""Luma of decoded video frames, what the video checks grade (no RGB conversion needed).

A YUV frame's Y plane is its luma: read in place it costs nothing, where converting the frame
to RGB first (swscale) costs ~5 ms per frame, most of a certify run's time. Limited-range Y
(16..235, what H.264/AV1 encoders write by default) is stretched to full range, which is the
ITU-R BT.601 luma of the RGB the decoder would give (its chroma terms cancel); full-range
("yuvj") frames are taken as they are. Other pixel formats are converted to RGB first.

The video checks grade stride-sampled luma (every `sample_stride(width)`-th row and column, at
most SAMPLE_WIDTH * 2 columns kept): `frame_luma(frame, stride)` samples the 8-bit plane before
converting it, so only the kept pixels are converted (the same values as sampling afterwards).
`luma_blocks` does the same for a stream of frames, BLOCK_FRAMES frames at a time (at most
about BLOCK_BYTES of Y planes): the planes are joined and sampled in one numpy call per block,
not per frame, and kept 8-bit (`LumaBlock`; `luma()` gives the same values as frame_luma).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114], dtype=np.float32)  # ITU-R BT.601
SAMPLE_WIDTH = 64  # columns the video checks keep per frame, about (stride sampling)
BLOCK_FRAMES = 256  # frames converted together by luma_blocks, at most
BLOCK_BYTES = 4 * 2**20  # decoded Y plane bytes held for one block, about
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


@dataclass(frozen=True)
class LumaBlock:
    """Sampled luma of consecutive frames of one kind, what the video checks summarize.

    kind 'limited' or 'full': `pixels` are the sampled 8-bit Y planes, (n, h, w) uint8 (a
    strided read-only view), of
    limited-range (16..235) or full-range frames; their luma is `luma()`, without converting
    every pixel to float first (video_summary.summarize_blocks works on the 8-bit values).
    kind 'luma': `pixels` are already full-range luma, (n, h, w) float32.
    """

    kind: str
    pixels: np.ndarray

    def __len__(self) -> int:
        return int(self.pixels.shape[0])

    def luma(self) -> np.ndarray:
        """(n, h, w) float32 full-range luma [0, 255]: frame_luma of each frame, sampled."""
        if self.kind == 'luma':
            return self.pixels
        luma = self.pixels.astype(np.float32)
        return luma if self.kind == 'full' else stretched(luma)


def _kind(frame: Any) -> str:
    if frame.format.name not in PLANAR_8BIT:
        return 'luma'
    return 'full' if _full_range(frame) else 'limited'


# What the frames of one block share: kind, width, Y plane rows and line size.
Shape = tuple[str, int, int, int]


def _shape(frame: Any) -> tuple[Shape, Any]:
    """The frame's block shape, and what the block keeps of it (its Y plane, or for another
    pixel format its sampled luma)."""
    kind = _kind(frame)
    if kind == 'luma':
        return (kind, frame.width, frame.height, 0), sampled_luma(frame)
    plane = frame.planes[0]
    return (kind, frame.width, plane.height, plane.line_size), plane


def _block(shape: Shape, kept: list[Any]) -> LumaBlock:
    """The block of frames of one shape: their Y planes joined and strided in one go (no
    numpy call per frame, so small frames cost little), or their sampled luma stacked."""
    kind, width, rows, line_size = shape
    if kind == 'luma':
        return LumaBlock(kind, np.stack(kept))
    stride = sample_stride(width)
    planes = np.frombuffer(b''.join(kept), dtype=np.uint8).reshape(len(kept), rows, line_size)
    return LumaBlock(kind, planes[:, ::stride, :width:stride])  # a view of the joined planes


def block_frames(shape: Shape, size: int = BLOCK_FRAMES) -> int:
    """Frames per block: at most `size`, and at most about BLOCK_BYTES of decoded Y planes
    held for a block (a few for a 1080p camera, `size` for a small one)."""
    _, width, rows, line_size = shape
    return max(1, min(size, BLOCK_BYTES // max(max(line_size, width) * rows, 1)))


def luma_blocks(frames: Iterable[Any], size: int = BLOCK_FRAMES) -> Iterator[LumaBlock]:
    """The sampled luma (sampled_luma) of decoded frames as LumaBlocks of up to `size`
    consecutive frames of one kind and size, in order."""
    kept: list[Any] = []
    shape: Shape = ('', 0, 0, 0)
    limit = size
    for frame in frames:
        current, keep = _shape(frame)
        if kept and (current != shape or len(kept) >= limit):
            yield _block(shape, kept)
            kept = []
        if not kept:
            shape, limit = current, block_frames(current, size)
        kept.append(keep)
    if kept:
        yield _block(shape, kept)
