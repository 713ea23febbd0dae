"""Validation of the data values themselves: intact files, finite and physically possible.

- Every data and episodes parquet file is read with page checksum verification (the writer
  stores a CRC per page, dataset/parquet_io.py), so a flipped bit in a page is a FAIL, not a
  silently different value.
- Every float column is finite.
- Episodes that `interop export` made from recordings (meta/interop.json `exports` entries
  with `bags`; merged ones keep theirs) hold measurements: there every canonical feature
  (matched by its names in info.json) lies inside the physical envelope of
  dataset/plausible.py, the orientation is a unit quaternion where the IMU is valid, a
  tactile taxel flagged valid holds neither its vendor's "no reading" value nor a reading
  outside its pad's valid range (the pads meta/interop.json names), and entries flagged
  invalid hold as the exporter's hold rule says. Other datasets (the library's
  own, LeRobot's) may hold any finite value.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from interop_bridge.canonical import CanonicalSpec, load_canonical
from interop_bridge.dataset import metadata
from interop_bridge.dataset.episodes_table import episode_files
from interop_bridge.dataset.features import canonical_features, hold_invalid
from interop_bridge.dataset.joint_layout import JOINT_FEATURES, canonical_layout
from interop_bridge.dataset.parquet_io import column_values
from interop_bridge.dataset.plausible import ORIENTATION_KEY, Envelope, bad_quaternion, envelopes
from interop_bridge.dataset.view import DatasetView
from interop_bridge.errors import CheckFailed, ExportError

FLOAT_TYPES = ('float32', 'float64')


@dataclass
class _Scope:
    """What the value checks of one dataset look at."""

    keys: list[str]                          # float features
    bounds: dict[str, Envelope | None]
    valid_keys: dict[str, str]               # value feature -> its mask feature
    recorded: list[int]                      # episodes made from recordings
    pads: dict[str, tuple[np.ndarray, float, float]]  # tactile feature -> sentinels, range


def check_values(view: DatasetView) -> str:
    """Checksums verified; values finite, possible, and held where flagged invalid.

    Data files are read one row group at a time; a recorded episode's rows are checked once the
    episode is complete (its rows may span row groups), so memory holds one row group and one
    episode, whatever the dataset's length.
    """
    for path in episode_files(view.root):
        _read_verified(path)
    interop = _interop(view.root)
    scope = _Scope([key for key, entry in view.info['features'].items()
                    if entry.get('dtype') in FLOAT_TYPES],
                   _bounds(view.info['features'], load_canonical()),
                   {key: valid for key, valid in interop.get('valid_keys', {}).items() if valid},
                   sorted(_recorded_episodes(interop)), _pads(interop))
    rows = measured = 0
    for path in view.data_files():
        file_rows, file_measured = _check_file(path, view.relative(path), scope)
        rows += file_rows
        measured += file_measured
    return (f'{rows} rows, {len(scope.keys)} float features: checksums verified, values finite; '
            f'{measured} recorded rows physically possible')


def _check_file(path: Path, where: str, scope: _Scope) -> tuple[int, int]:
    """One data file's rows and recorded rows, checked a row group at a time."""
    rows = measured = 0
    pending: pa.Table | None = None  # rows of the recorded episode still going on
    with pq.ParquetFile(path, page_checksum_verification=True) as parquet:
        for group in range(parquet.num_row_groups):
            table = parquet.read_row_group(group)
            keys = [key for key in scope.keys if key in table.column_names]
            for key in keys:
                values = column_values(table, key)
                values = values.reshape(len(values), -1)
                _fail_where(where, key, values, ~np.isfinite(values), 'non-finite', rows)
            table = table.append_column('_row', pa.array(np.arange(rows, rows + table.num_rows)))
            chosen = np.isin(column_values(table, 'episode_index'), scope.recorded)
            rows += table.num_rows
            if not chosen.any():
                continue
            picked = table.filter(pa.array(chosen))
            measured += picked.num_rows
            pending = picked if pending is None else pa.concat_tables([pending, picked])
            pending = _check_completed(where, pending, keys, scope)
    if pending is not None:
        _check_episodes(where, pending, [key for key in scope.keys
                                         if key in pending.column_names], scope)
    return rows, measured


def _check_completed(where: str, table: pa.Table, keys: list[str], scope: _Scope) -> pa.Table:
    """Check the episodes of `table` before its last one; the last one's rows, still open."""
    episodes = column_values(table, 'episode_index')
    earlier = np.flatnonzero(episodes != episodes[-1])
    last = int(earlier[-1]) + 1 if len(earlier) else 0
    if last:
        _check_episodes(where, table.slice(0, last), keys, scope)
    return table.slice(last)


def _check_episodes(where: str, table: pa.Table, keys: list[str], scope: _Scope) -> None:
    """The measured checks of complete recorded episodes' rows."""
    columns = {key: column_values(table, key) for key in keys}
    episodes = column_values(table, 'episode_index')
    rows = column_values(table, '_row')
    for key, values in columns.items():
        _check_measured(where, key, values, scope.bounds.get(key, False),
                        columns.get(scope.valid_keys.get(key, '')), episodes, rows)
        mask = columns.get(scope.valid_keys.get(key, ''))
        if key in scope.pads and mask is not None:
            _check_pad(where, key, values, mask, scope.pads[key], rows)


def _check_pad(where: str, key: str, values: np.ndarray, mask: np.ndarray,
               pad: tuple[np.ndarray, float, float], rows: np.ndarray) -> None:
    """No taxel flagged valid holds the vendor's "no reading" value or leaves its range."""
    sentinels, low, high = pad
    values = values.reshape(len(values), -1).astype(np.float64)
    valid = mask.reshape(len(mask), -1) > 0.5
    bad = valid & (np.isin(values, sentinels) | (values < low) | (values > high))
    _fail_where(where, key, values, bad, 'a vendor "no reading" value or outside the pad\'s '
                'valid range where flagged valid', rows)


def _pads(interop: Mapping[str, Any]) -> dict[str, tuple[np.ndarray, float, float]]:
    """Every tactile pad the exports name: its sentinels and valid range."""
    found = {}
    for export in interop.get('exports', []):
        for bag in export.get('bags', []):
            for pad in (bag.get('hands') or {}).get('pads', []):
                low, high = pad.get('valid_range', [-np.inf, np.inf])
                found[pad['feature']] = (np.asarray(pad.get('no_reading', []), np.float64),
                                         float(low), float(high))
    return found


def _read_verified(path: Path) -> pa.Table:
    """The whole file, every page's checksum verified (pq.read_table would import pandas)."""
    with pq.ParquetFile(path, page_checksum_verification=True) as parquet:
        return parquet.read()


def _bounds(features: Mapping[str, Any], spec: CanonicalSpec) -> dict[str, Envelope | None]:
    """The envelope of each feature whose names are the canonical feature's, or for a joint
    feature the canonical joints it stores (their entries of the envelope); None: unit
    quaternion."""
    expected = {feature.key: feature.names for feature in canonical_features(spec, {})}
    joints = canonical_layout(features, spec)
    found: dict[str, Envelope | None] = {}
    for key, envelope in envelopes(spec).items():
        names = tuple(features.get(key, {}).get('names') or ())
        if names == expected[key]:
            found[key] = envelope
        elif key in JOINT_FEATURES and joints is not None and names:
            found[key] = replace(envelope, low=envelope.low[list(joints)],
                                 high=envelope.high[list(joints)])
    if tuple(features.get(ORIENTATION_KEY, {}).get('names') or ()) == expected[ORIENTATION_KEY]:
        found[ORIENTATION_KEY] = None
    return found


def _interop(root: Path) -> dict[str, Any]:
    try:
        return dict(metadata.read_interop(root))
    except (ExportError, OSError, ValueError):
        return {}


def _recorded_episodes(interop: Mapping[str, Any]) -> set[int]:
    """Episode indices that `interop export` made from recordings."""
    found: set[int] = set()
    for export in interop.get('exports', []):
        first, _, end = str(export.get('episodes', '')).partition(':')
        if export.get('bags') and first.isdigit() and end.isdigit():
            found.update(range(int(first), int(end)))
    return found


def _check_measured(where: str, key: str, values: np.ndarray, envelope: Envelope | None | bool,
                    valid: np.ndarray | None, episodes: np.ndarray, rows: np.ndarray) -> None:
    """Physically possible values, held where flagged invalid (envelope False: unbounded)."""
    values = values.reshape(len(values), -1).astype(np.float64)
    flags = None if valid is None else np.repeat(valid.reshape(len(valid), -1) > 0.5,
                                                 values.shape[1] // max(valid.shape[-1], 1),
                                                 axis=1)
    if key == ORIENTATION_KEY and envelope is None:
        bad = bad_quaternion(values)
        if flags is not None:
            bad &= flags.any(axis=1)
        _fail_where(where, key, values, bad[:, None], 'not a unit quaternion where valid', rows)
    elif isinstance(envelope, Envelope):
        _fail_where(where, key, values, envelope.outside(values),
                    f'physically impossible ({envelope.reason})', rows)
    if flags is not None and flags.shape == values.shape:
        _fail_where(where, key, values, _not_held(values, flags, episodes),
                    'not held where flagged invalid (an invalid entry holds its last valid '
                    "value, before the first its first; 0.0 if the episode has none)", rows)


def _not_held(values: np.ndarray, flags: np.ndarray, episodes: np.ndarray) -> np.ndarray:
    """Invalid entries whose value is not what the hold rule gives, episode by episode."""
    bad = np.zeros(values.shape, dtype=bool)
    starts = np.flatnonzero(np.r_[True, episodes[1:] != episodes[:-1], True])
    for start, stop in zip(starts[:-1], starts[1:], strict=True):
        part, ok = values[start:stop], flags[start:stop]
        expected = hold_invalid(part, ok).astype(values.dtype)
        bad[start:stop] = ~ok & (part != expected)
    return bad


def _fail_where(where: str, key: str, values: np.ndarray, bad: np.ndarray, what: str,
                rows: np.ndarray | int) -> None:
    """CheckFailed naming the count and the first bad entry; `rows` gives the file row of each
    row of `values` (an int: the file row of its first)."""
    bad = np.broadcast_to(bad, values.shape) if bad.shape[1] == 1 else bad
    count = int(np.count_nonzero(bad))
    if not count:
        return
    row, column = (int(i) for i in next(_positions(bad)))
    file_row = row + rows if isinstance(rows, int) else int(rows[row])
    msg = (f'{where}: {key} has {count} value(s) {what}, e.g. {values[row, column]:.6g} at '
           f'row {file_row} entry {column}')
    raise CheckFailed(msg)


def _positions(bad: np.ndarray) -> Iterator[tuple[int, int]]:
    rows, columns = np.nonzero(bad)
    yield from zip(rows.tolist(), columns.tolist())
