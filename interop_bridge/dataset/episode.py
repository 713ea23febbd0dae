"""What the exporter hands to the dataset writer: one resampled episode."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np

from interop_bridge.errors import ExportError
from interop_bridge.dataset.records import EpisodeMeta

ROBOT_SEPARATOR = '+'  # info.json robot_type joins several robots with it

# A camera's frames: a callable that yields exactly `length` RGB frames (H, W, 3) uint8, in
# order, one per dataset row; called once, when the writer encodes that camera.
FrameSource = Callable[[], Iterator[np.ndarray]]


@dataclass(frozen=True)
class Episode:
    """One episode on the dataset grid (timestamp = frame_index / fps).

    `columns` holds every non-video feature of the schema as an array of shape
    (length, *feature.shape), float32, already on the grid. `videos` holds one FrameSource per
    video feature key. `robot_type` names the robot that produced it (its profile name); the
    episodes of one dataset may come from different robots, and info.json's robot_type joins
    them. `meta` is our own per-episode provenance (source bags, resampling report); it goes
    to meta/interop.json, never into LeRobot's files.
    """

    task: str
    length: int
    columns: Mapping[str, np.ndarray]
    videos: Mapping[str, FrameSource] = field(default_factory=dict)
    meta: EpisodeMeta = field(default_factory=lambda: EpisodeMeta())
    robot_type: str | None = None


def checked_robot_type(episode: Episode, index: int) -> str | None:
    """The episode's robot: None, or one name (a non-empty string without '+').

    Raises:
        ExportError: naming the episode index and the bad value.
    """
    robot_type: object = episode.robot_type
    if robot_type is None:
        return None
    if not isinstance(robot_type, str) or not robot_type.strip() \
            or ROBOT_SEPARATOR in robot_type:
        message = (f'episode {index} robot_type {robot_type!r}: expected None or one robot '
                   f'name (a non-empty string without {ROBOT_SEPARATOR!r})')
        raise ExportError(message)
    return robot_type
