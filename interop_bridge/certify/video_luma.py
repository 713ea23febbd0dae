"""Luma of decoded video frames, what the video checks grade (no RGB conversion needed).

A YUV frame's Y plane is its luma: read in place it costs nothing, where converting the frame
to RGB first (swscale) costs ~5 ms per frame, most of a certify run's time. Limited-range Y
(16..235, what H.264/AV1 encoders write by default) is stretched to full range, which is the
ITU-R BT.601 luma of the RGB the decoder would give (its chroma terms cancel); full-range
("yuvj") frames are taken as they are. Other pixel formats are converted to RGB first.
"""

from __future__ import annotations

from typing import Any

import numpy as np

LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114], dtype=np.float32)  # ITU-R BT.601
PLANAR_8BIT = frozenset({'yuv420p', 'yuv422p', 'yuv444p', 'yuvj420p', 'yuvj422p', 'yuvj444p',
                         'nv12', 'nv21'})
JPEG_RANGE = 2  # AVCOL_RANGE_JPEG: full-range YUV


def rgb_luma(rgb: np.ndarray) -> np.ndarray:
    """(H, W) float32 luma of an (H, W, 3) RGB image."""
    return rgb[..., :3].astype(np.float32) @ LUMA_WEIGHTS


def frame_luma(frame: Any) -> np.ndarray:
    """(H, W) float32 full-range luma [0, 255] of a decoded PyAV VideoFrame."""
    name = frame.format.name
    if name not in PLANAR_8BIT:
        return rgb_luma(frame.to_ndarray(format='rgb24'))
    plane = frame.planes[0]
    rows = np.frombuffer(plane, dtype=np.uint8).reshape(plane.height, plane.line_size)
    luma = rows[:, :frame.width].astype(np.float32)
    if name.startswith('yuvj') or getattr(frame, 'color_range', 0) == JPEG_RANGE:
        return luma
    stretched: np.ndarray = np.clip((luma - 16.0) * np.float32(255.0 / 219.0), 0.0, 255.0)
    return stretched
