"""Fixtures for the dataset writer tests: the canonical schema and episode factories."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import av
import numpy as np
import pytest
from spelled_frames import spelled_code, spelling_frame

from interop_bridge.canonical import load_canonical
from interop_bridge.dataset.episode import Episode
from interop_bridge.dataset.features import Feature, canonical_features

FPS = 10
CAMERA = 'observation.images.head'
HEIGHT, WIDTH = 48, 64


def frame_for(index: int) -> np.ndarray:
    """A frame that spells `index` (test/spelled_frames.py)."""
    return spelling_frame(index, HEIGHT, WIDTH)


def index_of(frame: np.ndarray) -> int:
    """The index a decoded `frame_for` frame spells."""
    return spelled_code(frame)


def decoded_indices(path: Path) -> list[int]:
    """The frame indices spelled by every frame of an MP4, in order."""
    with av.open(str(path)) as container:
        return [index_of(frame.to_ndarray(format='rgb24'))
                for frame in container.decode(video=0)]


class DatasetKit:
    """What the export tests share: constants, the episode factory, frame decoding."""

    fps = FPS
    camera = CAMERA
    height = HEIGHT
    width = WIDTH
    frame_for = staticmethod(frame_for)
    index_of = staticmethod(index_of)
    decoded_indices = staticmethod(decoded_indices)

    def __init__(self) -> None:
        self.spec = load_canonical()
        self.features = canonical_features(self.spec, {'head': (HEIGHT, WIDTH)})
        self.features_without_video = canonical_features(self.spec, {})

    def episode(self, features: Sequence[Feature], length: int, task: str, seed: int = 0,
                invalid_joints: Sequence[int] = (), fail_at: int | None = None,
                first_frame: int = 0, meta: dict | None = None,
                robot_type: str | None = 'unitree_g1_29dof') -> Episode:
        """A deterministic episode of `robot_type` (see build_episode)."""
        episode = build_episode(features, length, task, seed, invalid_joints, fail_at,
                                first_frame,
                                meta if meta is not None else {'source_bag': f'bag{seed}.mcap'})
        return dataclasses.replace(episode, robot_type=robot_type)


@pytest.fixture(scope='session')
def kit() -> DatasetKit:
    return DatasetKit()


def build_episode(features: Sequence[Feature], length: int, task: str, seed: int,
                  invalid_joints: Sequence[int], fail_at: int | None, first_frame: int,
                  meta: dict) -> Episode:
    """Deterministic values: column k, frame t, entry j = seed * 100 + k + t / 10 + j / 1000.

    Joints in `invalid_joints` are flagged 0.0 (and hold a large junk value) in the state,
    velocity and effort columns. Frames spell first_frame + t; with `fail_at` the frame
    source raises RuntimeError at that frame.
    """
    columns = {}
    frames = np.arange(length, dtype=np.float32)[:, None]
    for number, feature in enumerate(f for f in features if not f.is_video):
        width = feature.shape[0]
        if feature.key.startswith('valid.'):
            values = np.ones((length, width), dtype=np.float32)
        else:
            values = (seed * 100 + number + frames / 10
                      + np.arange(width, dtype=np.float32)[None, :] / 1000).astype(np.float32)
        if feature.key == 'valid.observation.state':
            values[:, list(invalid_joints)] = 0.0
        if feature.valid_key == 'valid.observation.state':
            values[:, list(invalid_joints)] = 1e6
        columns[feature.key] = values
    videos = {feature.key: _frame_source(length, first_frame, fail_at)
              for feature in features if feature.is_video}
    return Episode(task=task, length=length, columns=columns, videos=videos, meta=meta)


def _frame_source(length: int, first_frame: int, fail_at: int | None
                  ) -> Callable[[], Iterator[np.ndarray]]:
    def frames() -> Iterator[np.ndarray]:
        for index in range(length):
            if index == fail_at:
                msg = f'camera driver died at frame {index}'
                raise RuntimeError(msg)
            yield frame_for(first_frame + index)
    return frames
