"""startup.importing_work: imports without garbage collection, then what lives is frozen."""

from __future__ import annotations

import gc

import pytest

from interop_bridge.startup import importing_work


@pytest.fixture(autouse=True)
def _collector_restored():
    enabled = gc.isenabled()
    yield
    gc.unfreeze()  # back into the collected generations: other tests see a normal collector
    if enabled:
        gc.enable()
    else:
        gc.disable()


def test_the_block_runs_without_collections_and_what_lives_is_frozen():
    gc.enable()
    frozen_before = gc.get_freeze_count()
    with importing_work():
        assert not gc.isenabled()
        kept = [[index] for index in range(1000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= frozen_before + len(kept)


def test_a_failing_block_enables_the_collector_again_and_freezes_nothing():
    gc.enable()
    frozen_before = gc.get_freeze_count()
    message = 'no such module'
    with pytest.raises(ImportError), importing_work():
        raise ImportError(message)
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen_before


def test_a_disabled_collector_stays_disabled():
    gc.disable()
    with importing_work():
        pass
    assert not gc.isenabled()
