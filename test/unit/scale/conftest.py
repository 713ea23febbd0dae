"""The corpus the sharded and parallel export tests share: three robots, cameras, events."""

from __future__ import annotations

import shutil
import json
from pathlib import Path

import bag_factory as bf
import embodied_bags as eb
import numpy as np
import pytest

CORPUS = (  # name, profile, storage, episodes (start, end, task)
    ('a_g1', 'unitree_g1_29dof', 'mcap', ((0.2, 0.9, 'wave'), (1.1, 1.8, 'rest'))),
    ('b_t1', 'booster_t1', 'sqlite3', ((0.3, 1.2, 'wave'),)),
    ('c_h1', 'unitree_h1', 'mcap', ((0.2, 1.0, 'bow'),)),
)


@pytest.fixture(scope='session')
def corpus(tmp_path_factory) -> Path:
    """Three bags of three robots (one with two episodes), all with a camera, each holding
    the embodiment the recorder latches (so they export together without --profile)."""
    base = tmp_path_factory.mktemp('corpus')
    for name, profile, storage, episodes in CORPUS:
        events = tuple(bf.EventSpec(start, end, task) for start, end, task in episodes)
        eb.embodied_vendor_bag(base / 'bags' / name, profile, storage=storage, events=events)
        shutil.rmtree(base / 'bags' / f'{name}-vendor-only')  # the copy without embodiment
    return base / 'bags'


def corpus_frames() -> int:
    """Frames of every episode of the corpus at 30 fps (ends included)."""
    return sum(round((end - start) * 30) + 1
               for *_, episodes in CORPUS for start, end, _ in episodes)


def assert_same_stats(expected: Path, found: Path, keys: tuple[str, ...]) -> None:
    """meta/stats.json of `found` holds the features of `expected`'s, and for `keys` the same
    values (float tolerance: re-aggregated in another order)."""
    one, many = (json.loads((root / 'meta' / 'stats.json').read_text())
                 for root in (expected, found))
    assert set(one) == set(many)
    for key in keys:
        for stat, value in one[key].items():
            np.testing.assert_allclose(many[key][stat], value, rtol=1e-9, atol=1e-12,
                                       err_msg=f'{key}/{stat}')
