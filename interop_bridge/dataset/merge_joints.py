"""Merging datasets that store different canonical joints: the merge stores their union.

Each source episode's joint-wide columns (dataset/joint_layout.py) are placed at their
positions in the union; a joint its robot does not have is 0.0 and flagged invalid there, with
neutral statistics (dataset/stats.py), exactly as an export with `--joints canonical` writes
it. Every other feature is compared as before (dataset/compat.py).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence

import numpy as np
import pyarrow as pa

from interop_bridge.canonical import CanonicalSpec
from interop_bridge.dataset.joint_layout import (JOINT_FEATURES, JOINT_MASK_FEATURES,
                                                 canonical_layout, widen)
from interop_bridge.dataset.parquet_io import arrow_column, column_values
from interop_bridge.dataset.records import DatasetInfo
from interop_bridge.dataset.stats import NEUTRAL, FeatureStats


def union_joints(infos: Sequence[DatasetInfo], spec: CanonicalSpec) -> tuple[int, ...] | None:
    """The canonical joints the merge stores: the union of its sources' (None when a source's
    joint features are not named by canonical joints: the schemas are compared as they are)."""
    layouts = [canonical_layout(info['features'], spec) for info in infos]
    if any(layout is None for layout in layouts):
        return None
    return tuple(sorted({index for layout in layouts if layout is not None for index in layout}))


def with_joints(info: DatasetInfo, joints: Sequence[int], spec: CanonicalSpec) -> DatasetInfo:
    """A copy of `info` whose joint features store `joints`."""
    widened = copy.deepcopy(info)
    names = [spec.joint_names[index] for index in joints]
    for key, entry in widened['features'].items():
        if key in JOINT_FEATURES:
            entry['names'], entry['shape'] = list(names), [len(names)]
    return widened


def positions_in(stored: Sequence[int], joints: Sequence[int]) -> list[int]:
    """Where each of a source's stored joints goes among the merge's `joints`."""
    return [list(joints).index(index) for index in stored]


def widen_table(table: pa.Table, positions: Sequence[int], width: int) -> pa.Table:
    """The episode's rows with every joint-wide column at the merge's width."""
    for key in JOINT_FEATURES:
        if key not in table.column_names:
            continue
        values = widen(column_values(table, key), positions, width)
        table = table.set_column(table.schema.get_field_index(key), key,
                                 arrow_column(values, (width,), 'float32'))
    return table


def widen_stats(stats: Mapping[str, FeatureStats], positions: Sequence[int],
                width: int) -> dict[str, FeatureStats]:
    """Per-episode statistics at the merge's width: a joint the source does not store gets
    neutral statistics (a mask: 0, never valid)."""
    widened = dict(stats)
    for key in JOINT_FEATURES:
        if key not in stats:
            continue
        widened[key] = {stat: values if stat == 'count' else
                        _placed(values, positions, width, _filler(key, stat))
                        for stat, values in stats[key].items()}
    return widened


def _filler(key: str, stat: str) -> float:
    return 0.0 if key in JOINT_MASK_FEATURES else NEUTRAL[stat]


def _placed(values: np.ndarray, positions: Sequence[int], width: int,
            filler: float) -> np.ndarray:
    wide = np.full(width, filler, dtype=np.float64)
    wide[list(positions)] = np.asarray(values, dtype=np.float64).reshape(-1)
    return wide
