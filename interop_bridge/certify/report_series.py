"""Compact plot series for the certify report: binned to a bounded number of points, and a
bounded pick of the worst episodes, so what the report keeps does not grow with the data.

A per-frame quantity of an episode of n frames becomes at most MAX_POINTS points: frames are
split into MAX_POINTS nearly equal consecutive bins and each bin is reduced (mean, min or max
of its finite values; NaN where a bin has none). x is the bin centre in seconds.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import numpy as np
from numpy.typing import NDArray

MAX_POINTS = 400   # points per plotted line
KEPT_EPISODES = 4  # episodes whose per-frame series a plot shows (the worst ones)
REDUCTIONS = ('mean', 'min', 'max')

T = TypeVar('T')


@dataclass(frozen=True)
class Series:
    """One plotted line: x [s] and y, at most MAX_POINTS long."""

    label: str
    x: tuple[float, ...]
    y: tuple[float, ...]


def bin_edges(frames: int, points: int = MAX_POINTS) -> NDArray[np.int64]:
    """Start of every bin and the end of the last, for `frames` frames in <= `points` bins."""
    bins = max(1, min(frames, points))
    return np.linspace(0, frames, bins + 1).round().astype(np.int64)


def binned(values: NDArray[np.float64], fps: float, reduction: str = 'mean',
           points: int = MAX_POINTS) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(bin centres [s], each bin's reduction of its finite values) of a per-frame series."""
    if reduction not in REDUCTIONS:
        msg = f'reduction {reduction!r}, expected one of {REDUCTIONS}'
        raise ValueError(msg)
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    if not values.size:
        return np.zeros(0), np.zeros(0)
    edges = bin_edges(values.size, points)
    starts = edges[:-1]
    finite = np.isfinite(values)
    counts = np.add.reduceat(finite.astype(np.int64), starts)
    if reduction == 'mean':
        totals = np.add.reduceat(np.where(finite, values, 0.0), starts)
        reduced = totals / np.maximum(counts, 1)
    elif reduction == 'min':
        reduced = np.minimum.reduceat(np.where(finite, values, np.inf), starts)
    else:
        reduced = np.maximum.reduceat(np.where(finite, values, -np.inf), starts)
    reduced = np.where(counts > 0, reduced, np.nan)
    centres = (starts + edges[1:] - 1) / 2.0 / fps
    return centres, reduced


def series(label: str, values: NDArray[np.float64], fps: float, reduction: str = 'mean',
           points: int = MAX_POINTS) -> Series:
    """A labelled binned series of a per-frame quantity."""
    x, y = binned(values, fps, reduction, points)
    return Series(label, tuple(float(v) for v in x), tuple(float(v) for v in y))


@dataclass(order=True)
class _Entry(Generic[T]):
    badness: float
    tiebreak: int  # -episode index: among equals the earlier episode is kept
    item: T = field(compare=False)


class Worst(Generic[T]):
    """The `size` items with the highest badness seen (ties: the earliest episode; a NaN
    badness counts as the least bad)."""

    def __init__(self, size: int = KEPT_EPISODES) -> None:
        self.size = size
        self._heap: list[_Entry[T]] = []

    def offer(self, badness: float, episode: int, item: T) -> None:
        """Keep `item` if it is among the worst so far."""
        value = float(badness)
        entry = _Entry(value if math.isfinite(value) else -math.inf, -episode, item)
        if len(self._heap) < self.size:
            heapq.heappush(self._heap, entry)
        elif entry > self._heap[0]:
            heapq.heapreplace(self._heap, entry)

    def items(self) -> list[T]:
        """The kept items, worst first."""
        return [entry.item for entry in sorted(self._heap, reverse=True)]
