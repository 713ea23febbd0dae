"""interop certify on a few items of the seeded-defect corpus (test/seeded_corpus.py): each
seeded defect is caught by the check its seed makes fail, nothing fails on the clean items.

The items are real recordings exported by `interop export` in a fresh process; the expected
check of each comes from the seed's physics (a joint 0.3 rad past its stop, an accelerometer
30 deg off the vertical of an upright robot), written in the corpus, not from certify.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import seeded_corpus as sc

from interop_bridge.certify.rubric import all_checks
from interop_bridge.certify.runner import load_dataset_input, run_checks

SUBSET = ('state_gap', 'clock_skew', 'position_beyond_limit', 'accelerometer_tilted',
          'command_lag', 'black_frames', 'nan_in_action', 'duplicate_episode')
ITEMS = tuple(item for item in sc.ITEMS if item.clean or item.name in SUBSET)


@pytest.fixture(scope='module')
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp('seeded')
    manifest = sc.build_all(root, ITEMS, progress=lambda line: None)
    return {str(entry['name']): Path(str(entry['dataset'])) for entry in manifest}


def not_passed(dataset: Path) -> set[str]:
    return {result.check_id for result in run_checks(load_dataset_input(dataset), all_checks())
            if not result.passed}


@pytest.mark.timeout(150)
def test_the_subset_is_built_with_one_defect_per_item_and_a_manifest(corpus):
    assert set(corpus) == {item.name for item in ITEMS}
    assert all((path / 'meta' / 'info.json').exists() for path in corpus.values())
    described = json.loads((corpus['clean_g1'].parent / 'item.json').read_text())
    assert described['clean'] and described['bag'] and described['hours'] == pytest.approx(
        79 / 30 / 3600)  # 0.2..2.8 s of the episode on the 30 fps grid, both ends included


@pytest.mark.parametrize('name', ['clean_g1', 'clean_talos'])
def test_nothing_fails_or_warns_on_a_clean_recording(corpus, name):
    assert not_passed(corpus[name]) == set()


@pytest.mark.parametrize('name', SUBSET)
def test_each_seeded_defect_is_caught_by_its_expected_check(corpus, name):
    expected = set(sc.by_name(name).expected)
    assert expected and expected <= not_passed(corpus[name])


def test_a_duplicate_export_holds_two_episodes(corpus):
    info = json.loads((corpus['duplicate_episode'] / 'meta' / 'info.json').read_text())
    assert info['total_episodes'] == 2


def test_an_unknown_item_name_is_refused():
    with pytest.raises(StopIteration):
        sc.by_name('no_such_defect')
