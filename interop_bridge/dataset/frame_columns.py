"""One episode's per-frame columns: checked against the schema, default columns added."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from interop_bridge.errors import ExportError
from interop_bridge.dataset.episode import Episode
from interop_bridge.dataset.features import Feature, expand_validity, is_mask
from interop_bridge.dataset.stats import FeatureStats, value_stats

Columns = dict[str, np.ndarray]


def episode_columns(episode: Episode, features: Sequence[Feature], fps: int, episode_index: int,
                    first_frame: int, task_index: int) -> Columns:
    """Every parquet column of one episode, in schema order, then the five default columns.

    The defaults follow LeRobot: timestamp = frame_index / fps (float32), frame_index
    0..length-1, episode_index, the global index continuing from `first_frame`, task_index.

    Raises:
        ExportError: a column is missing, unexpected, of the wrong shape, or holds a
            non-finite value in a valid entry; a camera has no frame source.
    """
    length = episode.length
    if not isinstance(length, (int, np.integer)) or length <= 0:
        msg = f'episode {episode_index}: length {length!r}, expected a positive int'
        raise ExportError(msg)
    value_features = [feature for feature in features if not feature.is_video]
    _require_keys(f'episode {episode_index} columns', set(episode.columns),
                  {feature.key for feature in value_features})
    _require_keys(f'episode {episode_index} videos', set(episode.videos),
                  {feature.key for feature in features if feature.is_video})
    columns: Columns = {}
    for feature in value_features:
        columns[feature.key] = _checked(episode, feature, episode_index)
    for feature in value_features:
        _require_finite(columns, feature, episode_index)
        if is_mask(feature.key):
            _require_flags(columns[feature.key], feature.key, episode_index)
    frames = np.arange(length, dtype=np.int64)
    columns['timestamp'] = (frames / fps).astype(np.float32)
    columns['frame_index'] = frames
    columns['episode_index'] = np.full(length, episode_index, dtype=np.int64)
    columns['index'] = frames + first_frame
    columns['task_index'] = np.full(length, task_index, dtype=np.int64)
    return columns


def _require_keys(what: str, have: set[str], want: set[str]) -> None:
    if have != want:
        msg = (f'{what}: missing {sorted(want - have)!r}, '
               f'unexpected {sorted(have - want)!r}')
        raise ExportError(msg)


def _checked(episode: Episode, feature: Feature, episode_index: int) -> np.ndarray:
    values = np.asarray(episode.columns[feature.key])
    expected = (episode.length, *feature.shape)
    if feature.shape == (1,) and values.shape == (episode.length,):
        values = values.reshape(expected)
    if values.shape != expected:
        msg = (f'episode {episode_index} column {feature.key!r}: shape '
               f'{values.shape}, expected {expected}')
        raise ExportError(msg)
    return values.astype(np.dtype(feature.dtype), copy=False)


def validity(columns: Columns, feature: Feature) -> np.ndarray | None:
    """Boolean (frames, width) mask of the valid entries of a feature, or None (all valid)."""
    if feature.valid_key is None:
        return None
    return expand_validity(feature, columns[feature.valid_key]) > 0.5


def _require_flags(values: np.ndarray, key: str, episode_index: int) -> None:
    """A validity mask holds 1.0 (valid) or 0.0 (invalid) only."""
    bad = (values != 0.0) & (values != 1.0)
    if bad.any():
        frame, *entry = (int(position) for position in np.argwhere(bad)[0])
        msg = (f'episode {episode_index} mask {key!r}: frame {frame} entry {entry} is '
               f'{float(values[(frame, *entry)])}, expected 1.0 (valid) or 0.0 (invalid)')
        raise ExportError(msg)


def _require_finite(columns: Columns, feature: Feature, episode_index: int) -> None:
    values = columns[feature.key]
    if not np.issubdtype(values.dtype, np.floating):
        return
    bad = ~np.isfinite(values)
    mask = validity(columns, feature)
    if mask is not None:
        bad &= mask.reshape(bad.shape)
    if bad.any():
        frame, *entry = (int(position) for position in np.argwhere(bad)[0])
        value = float(values[(frame, *entry)])
        msg = (f'episode {episode_index} column {feature.key!r}: frame {frame} entry '
               f'{entry} is {value} but flagged valid; valid entries must be finite')
        raise ExportError(msg)


def episode_stats(columns: Columns, features: Sequence[Feature]) -> dict[str, FeatureStats]:
    """Per-episode statistics of every parquet column, over valid entries only."""
    by_key = {feature.key: feature for feature in features}
    stats = {}
    for key, values in columns.items():
        feature = by_key.get(key)
        mask = validity(columns, feature) if feature is not None else None
        stats[key] = value_stats(values, mask)
    return stats
