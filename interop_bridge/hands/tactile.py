"""Vendor tactile readings -> canonical tactile patches with per-taxel validity.

`read_tactile(patches, pressure, temperature)` takes a hand codec's tactile arrays (one row per
vendor patch, in the vendor's order) and the hand profile's patches (`TactilePatch`: which
vendor row, grid shape, unit, "no reading" sentinels, valid range) and gives one
`TactileReading` per profile patch: the readings as float32 with NaN where a taxel is invalid,
and the validity. A taxel is invalid where the vendor sent one of its sentinels (Dex3: 30000),
a reading outside the valid range, a non-finite reading, or where the message lacks the
patch altogether (a hand fitted with fewer pads than its profile names): never a value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from interop_bridge.errors import MappingError
from interop_bridge.hands.hand_profile import TactilePatch


@dataclass(frozen=True)
class TactileReading:
    """One patch of one sample."""

    patch: str
    rows: int
    cols: int
    unit: str
    values: np.ndarray        # float32[rows * cols], NaN where invalid
    valid: np.ndarray         # bool[rows * cols]
    temperature: np.ndarray   # float32[rows * cols], or empty


def taxel_validity(patch: TactilePatch, readings: np.ndarray) -> np.ndarray:
    """Which readings are measurements (not sentinels, inside the valid range, finite)."""
    low, high = patch.valid_range
    valid = np.isfinite(readings) & (readings >= low) & (readings <= high)
    if patch.no_reading:
        valid &= ~np.isin(readings, np.asarray(patch.no_reading, dtype=readings.dtype))
    return np.asarray(valid, dtype=bool)


def read_tactile(patches: Sequence[TactilePatch], pressure: np.ndarray,
                 temperature: np.ndarray | None = None) -> list[TactileReading]:
    """Every profile patch from the vendor's (patches, taxels) readings."""
    rows_given = pressure.shape[0] if pressure.ndim == 2 else 0
    readings = []
    for patch in patches:
        taxels = patch.rows * patch.cols
        if patch.source >= rows_given:  # not in this message: every taxel invalid
            readings.append(TactileReading(patch.patch, patch.rows, patch.cols, patch.unit,
                                           np.full(taxels, np.nan, np.float32),
                                           np.zeros(taxels, bool), np.zeros(0, np.float32)))
            continue
        raw = np.asarray(pressure[patch.source], dtype=np.float64)
        if raw.shape != (taxels,):
            msg = (f'tactile patch {patch.patch}: {taxels} readings ({patch.rows} x '
                   f'{patch.cols}) expected, the message has {raw.shape[0]}')
            raise MappingError(msg)
        valid = taxel_validity(patch, raw)
        heat = np.zeros(0, np.float32) if temperature is None or temperature.size == 0 else \
            np.asarray(temperature[patch.source], dtype=np.float32)
        readings.append(TactileReading(patch.patch, patch.rows, patch.cols, patch.unit,
                                       np.where(valid, raw, np.nan).astype(np.float32), valid,
                                       heat))
    return readings
