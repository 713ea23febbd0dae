"""What the exporter hands to the dataset writer: one resampled episode."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# A camera's frames: a callable that yields exactly `length` RGB frames (H, W, 3) uint8, in
# order, one per dataset row; called once, when the writer encodes that camera.
FrameSource = Callable[[], Iterator[np.ndarray]]


@dataclass(frozen=True)
class Episode:
    """One episode on the dataset grid (timestamp = frame_index / fps).

    `columns` holds every non-video feature of the schema as an array of shape
    (length, *feature.shape), float32, already on the grid. `videos` holds one FrameSource per
    video feature key. `meta` is our own per-episode provenance (source bags, resampling
    report); it goes to meta/interop.json, never into LeRobot's files.
    """

    task: str
    length: int
    columns: Mapping[str, np.ndarray]
    videos: Mapping[str, FrameSource] = field(default_factory=dict)
    meta: Mapping[str, Any] = field(default_factory=dict)
