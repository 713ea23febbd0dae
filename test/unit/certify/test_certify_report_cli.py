"""`interop certify --html DIR`, and the level the dataset card records (hashed with the rest)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from interop_bridge.cli import main


def front_matter(card: Path) -> dict[str, object]:
    text = card.read_text(encoding='utf-8')
    header = yaml.safe_load(text[4:text.index('\n---\n', 3)])
    assert isinstance(header, dict)
    return header


def test_html_report_and_card_level_of_a_dataset(dataset: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert 'certificate' not in front_matter(dataset / 'README.md')  # as exported
    assert main(['certify', str(dataset), '--html', str(tmp_path / 'reports')]) == 0
    page = (tmp_path / 'reports' / f'{dataset.name}.html').read_text(encoding='utf-8')
    certificate = json.loads((dataset / 'meta' / 'certificate.json').read_text())
    assert certificate['level'] == 'training-ready'
    assert len(re.findall(r'data-plot="', page)) >= 5
    assert 'training-ready' in page
    assert front_matter(dataset / 'README.md')['certificate'] == {
        'level': 'training-ready', 'rubric_version': certificate['rubric_version']}
    assert 'README.md' in certificate['files']  # the card was updated before hashing
    capsys.readouterr()
    assert main(['certify', str(dataset), '--verify']) == 0
    assert 'unchanged' in capsys.readouterr().out


def test_a_lower_level_replaces_the_one_the_card_said(dataset: Path) -> None:
    assert main(['certify', str(dataset)]) == 0
    for path in sorted((dataset / 'data').rglob('*.parquet')):
        path.unlink()  # no data: only the format level could be judged, and it fails
    main(['certify', str(dataset)])
    card = front_matter(dataset / 'README.md')['certificate']
    assert isinstance(card, dict) and card['level'] is None
    text = (dataset / 'README.md').read_text(encoding='utf-8')
    assert text.count('## Certificate') == 1 and 'no level reached' in text


def test_html_report_of_a_bag_is_titled_with_the_bag(tmp_path: Path) -> None:
    import physical_bags

    bag = physical_bags.write_physical_bag(tmp_path / 'wave_bag', duration_s=1.5)
    assert main(['certify', str(bag), '--profile', 'unitree_g1_29dof',
                 '--html', str(tmp_path / 'reports')]) == 0
    page = (tmp_path / 'reports' / 'wave_bag.html').read_text(encoding='utf-8')
    assert 'interop certify: wave_bag' in page
    assert (tmp_path / 'wave_bag.certificate.json').is_file()
