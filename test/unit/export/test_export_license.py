"""`interop export --license` names the data's licence: in meta/interop.json as given and in
the dataset card's front matter as the Hugging Face Hub spells it; 'other' when none is given."""

from __future__ import annotations

import json
from pathlib import Path

import bag_factory as bf
import pytest
import yaml

from interop_bridge.cli import main

G1 = 'unitree_g1_29dof'


@pytest.fixture(scope='module')
def bag(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bf.write_vendor_bag(tmp_path_factory.mktemp('license') / 'bag', G1, duration_s=1.0,
                               camera=False)


def export(bag: Path, out: Path, *options: str) -> int:
    return main(['export', str(bag), '--out', str(out), '--profile', G1, '--task', 'stand',
                 '--vcodec', 'libx264', *options])


def card_header(root: Path) -> dict:
    card = (root / 'README.md').read_text()
    return yaml.safe_load(card[4:card.index('\n---\n')])


def export_licenses(root: Path) -> list[str]:
    interop = json.loads((root / 'meta' / 'interop.json').read_text())
    return [export['license'] for export in interop['exports']]


def test_the_given_licence_is_recorded_and_the_card_declares_it(bag, tmp_path):
    assert export(bag, tmp_path / 'ds', '--license', 'CC-BY-4.0') == 0
    assert export_licenses(tmp_path / 'ds') == ['CC-BY-4.0']
    header = card_header(tmp_path / 'ds')
    assert header['license'] == 'cc-by-4.0'
    assert header['robot_type'] == [G1] and G1 in header['tags']


def test_without_a_licence_the_card_says_other(bag, tmp_path):
    assert export(bag, tmp_path / 'ds') == 0
    assert export_licenses(tmp_path / 'ds') == ['other']
    assert card_header(tmp_path / 'ds')['license'] == 'other'


def test_appending_under_another_licence_makes_the_dataset_other(bag, tmp_path):
    assert export(bag, tmp_path / 'ds', '--license', 'MIT') == 0
    assert export(bag, tmp_path / 'ds', '--license', 'Apache-2.0') == 0
    assert export_licenses(tmp_path / 'ds') == ['MIT', 'Apache-2.0']
    assert card_header(tmp_path / 'ds')['license'] == 'other'
    assert 'the exports differ: episodes 0:1 MIT, episodes 1:2 Apache-2.0' in \
        (tmp_path / 'ds' / 'README.md').read_text()


def test_a_licence_that_is_not_an_identifier_is_one_error_and_nothing_is_written(
        bag, tmp_path, capsys):
    assert export(bag, tmp_path / 'ds', '--license', 'CC BY 4.0') == 1
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "error: license 'CC BY 4.0': expected an SPDX identifier such as Apache-2.0, MIT or "
        "CC-BY-4.0 (or 'other')")
    assert not (tmp_path / 'ds').exists()
