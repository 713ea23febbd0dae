"""Read an exported dataset's rows as a consumer does: joint columns placed by their names.

A dataset stores, by default, only its robots' joints (their canonical names in info.json's
`names`, in canonical order). `read_rows` reads every data row with pyarrow and puts each
joint-wide column at its index in config/canonical.yaml's joint list (read here with PyYAML,
not through the exporter), 0.0 where a joint is not stored, so tests compare with ground truth
at canonical indices whatever the layout.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import yaml

CANONICAL_YAML = Path(__file__).resolve().parents[1] / 'config' / 'canonical.yaml'
JOINT_FEATURES = ('observation.state', 'observation.velocity', 'observation.effort', 'action',
                  'valid.observation.state', 'valid.action')


def canonical_joint_names() -> list[str]:
    """The canonical joints in order, from config/canonical.yaml."""
    return [joint['name'] for joint in yaml.safe_load(CANONICAL_YAML.read_text())['joints']]


def stored_names(root: Path, key: str = 'observation.state') -> list[str]:
    """The joint names a feature of the dataset declares in meta/info.json."""
    info = json.loads((root / 'meta' / 'info.json').read_text())
    return list(info['features'][key]['names'])


def raw_rows(root: Path) -> dict[str, np.ndarray]:
    """Every data row, every column as stored: (rows,) or (rows, width)."""
    tables = [pq.read_table(path) for path in sorted((root / 'data').rglob('*.parquet'))]
    columns = {}
    for name in tables[0].column_names:
        parts = [np.stack(table[name].to_numpy(zero_copy_only=False))
                 if str(table[name].type).startswith('fixed_size_list')
                 else table[name].to_numpy() for table in tables]
        columns[name] = np.concatenate(parts)
    return columns


def read_rows(root: Path) -> dict[str, np.ndarray]:
    """Every data row; joint-wide columns at canonical width (absent joints 0.0)."""
    rows = raw_rows(root)
    canonical = canonical_joint_names()
    for key in JOINT_FEATURES:
        if key not in rows:
            continue
        names = stored_names(root, key)
        wide = np.zeros((len(rows[key]), len(canonical)), dtype=rows[key].dtype)
        for column, name in enumerate(names):
            wide[:, canonical.index(name)] = rows[key][:, column]
        rows[key] = wide
    return rows
