"""Per-frame figures of one camera of one episode, what every video check grades.

`summarize_blocks` turns consecutive blocks of stride-sampled luma (video_luma.LumaBlock) into
a `CameraSummary`: per frame its mean luma, the share of its sampled pixels black or white,
and its mean difference from the frame before. 8-bit blocks are summarized on their Y values
(integer sums and counts, scaled: the figures of frame_luma's luma without a float per pixel);
`summarize` does the same for RGB or luma frames given one at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from interop_bridge.certify.video_luma import (BLOCK_FRAMES, LumaBlock, rgb_luma, sample_stride,
                                               stretched)

CLIP_MARGIN = 2.0  # luma at most this from 0 or 255 is black or white


@dataclass(frozen=True)
class CameraSummary:
    """What one decoding of one camera of one episode gives every video check."""

    frames: int
    diffs: np.ndarray      # (frames - 1,) mean |gray[k] - gray[k - 1]| [grey levels]
    luma: np.ndarray       # (frames,) mean luma
    clipped: np.ndarray    # (frames,) share of sampled pixels black, or white if larger


def _gray(frame: np.ndarray) -> np.ndarray:
    """Stride-sampled luma (float32) of an RGB (H, W, 3) or luma (H, W) frame. Luma already
    sampled (video_luma.sampled_luma) is kept as it is: its stride is 1."""
    stride = sample_stride(frame.shape[1])
    sampled = frame[::stride, ::stride]
    return rgb_luma(sampled) if sampled.ndim == 3 else sampled.astype(np.float32)


def _blocks(frames: Iterator[np.ndarray]) -> Iterator[LumaBlock]:
    """The frames' stride-sampled luma, BLOCK_FRAMES frames at a time (kind 'luma')."""
    block: list[np.ndarray] = []
    for frame in frames:
        block.append(_gray(frame))
        if len(block) == BLOCK_FRAMES:
            yield LumaBlock('luma', np.stack(block))
            block = []
    if block:
        yield LumaBlock('luma', np.stack(block))


def summarize(frames: Iterator[np.ndarray]) -> CameraSummary:
    """Decode-once summary of a camera's frames (RGB or luma, one at a time)."""
    return summarize_blocks(_blocks(frames))


@dataclass(frozen=True)
class _Scale:
    """Luma of an 8-bit Y value: (clip(y, low, high) - low) * factor, and the Y values
    whose luma is black (below `dark_below`) or white (from `white_from`)."""

    low: int
    high: int
    factor: float
    dark_below: int
    white_from: int


def _scale(kind: str) -> _Scale:
    """The luma of 8-bit Y values as video_luma gives it (limited range stretched)."""
    full = np.arange(256, dtype=np.float32)
    luma = full if kind == 'full' else stretched(full)
    low, high = (0, 255) if kind == 'full' else (16, 235)
    return _Scale(low, high, 255.0 / (high - low),
                  int(np.count_nonzero(luma <= CLIP_MARGIN)),
                  256 - int(np.count_nonzero(luma >= 255 - CLIP_MARGIN)))


SCALES = {kind: _scale(kind) for kind in ('full', 'limited')}


def _figures(block: LumaBlock) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per frame of the block: mean luma, share of sampled pixels black or white (the
    larger), mean |luma - the previous frame's| (n - 1 values, within the block)."""
    if block.kind not in SCALES:
        gray = block.luma()
        pixels = gray.shape[1] * gray.shape[2]
        clipped = np.maximum(np.count_nonzero(gray <= CLIP_MARGIN, axis=(1, 2)),
                             np.count_nonzero(gray >= 255 - CLIP_MARGIN, axis=(1, 2))) / pixels
        change = np.subtract(gray[1:], gray[:-1])
        return (gray.mean(axis=(1, 2), dtype=np.float64), clipped,
                np.abs(change, out=change).mean(axis=(1, 2), dtype=np.float64))
    scale = SCALES[block.kind]
    values = np.clip(block.pixels, scale.low, scale.high)
    pixels = values.shape[1] * values.shape[2]
    luma = (values.sum(axis=(1, 2), dtype=np.int64) / pixels - scale.low) * scale.factor
    clipped = np.maximum(np.count_nonzero(values < scale.dark_below, axis=(1, 2)),
                         np.count_nonzero(values >= scale.white_from, axis=(1, 2))) / pixels
    change = np.maximum(values[1:], values[:-1])
    change -= np.minimum(values[1:], values[:-1])  # |difference|, in uint8
    diffs = change.sum(axis=(1, 2), dtype=np.int64) * (scale.factor / pixels)
    return luma, clipped, diffs


def summarize_blocks(blocks: Iterable[LumaBlock]) -> CameraSummary:
    """The summary of consecutive blocks of sampled luma (video_luma.LumaBlock): per frame its
    mean luma and the share of sampled pixels black (luma <= 2) or the share white (>= 253),
    whichever is larger (a codec rarely keeps exact 0 and 255), and its mean difference from
    the frame before. 8-bit blocks are summarized on their Y values (integer sums, scaled:
    the luma of frame_luma without a float per pixel)."""
    diffs, luma, clipped = [], [], []
    previous: np.ndarray | None = None
    for block in blocks:
        if not len(block):
            continue
        means, shares, inner = _figures(block)
        if previous is not None:
            first = LumaBlock(block.kind, block.pixels[:1]).luma()[0]
            diffs.append(np.array([np.abs(first - previous).mean(dtype=np.float64)]))
        luma.append(means)
        clipped.append(shares)
        diffs.append(inner)
        previous = LumaBlock(block.kind, block.pixels[-1:]).luma()[0]
    return CameraSummary(sum(len(part) for part in luma), _joined(diffs), _joined(luma),
                         _joined(clipped))


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts).astype(np.float64) if parts else np.zeros(0)
