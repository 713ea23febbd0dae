"""`interop certify BAGS --manifest M`: every bag graded by its own task, as `interop certify
BAG` grades it alone; reruns skip what is certified; a bag that fails fails alone.

The reference is `interop certify BAG`, one bag at a time, on a copy of the same bags.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from interop_bridge.cli import main
from interop_bridge.scale.manifest import read_manifest

pytestmark = pytest.mark.timeout(300)
NAMES = ('a_g1', 'b_t1', 'c_h1')


def certificate(bag: Path) -> dict:
    return json.loads(bag.with_name(f'{bag.name}.certificate.json').read_text())


def graded(document: dict) -> list[tuple]:
    """What a certificate says of its bag: every check's id, verdict and figure, the level."""
    results = [(entry['id'], entry['passed'], entry['skipped'], entry['figure'])
               for entry in document['results']]
    return [document['level'], tuple(document['blocking']), *results]


@pytest.fixture(scope='module')
def certified(corpus, tmp_path_factory) -> tuple[Path, Path, Path, str]:
    """The corpus certified with a manifest (2 jobs) and, on a copy, one bag at a time."""
    base = tmp_path_factory.mktemp('certify')
    many, alone = (Path(shutil.copytree(corpus, base / name)) for name in ('many', 'alone'))
    manifest = base / 'cert.jsonl'
    with pytest.MonkeyPatch.context():
        code = main(['certify', str(many), '--manifest', str(manifest), '--jobs', '2'])
        assert code == 0
        for name in NAMES:
            assert main(['certify', str(alone / name)]) in (0, 1)
    return many, alone, manifest, ''


def test_every_bag_gets_the_certificate_it_gets_alone(certified):
    many, alone, _, _ = certified
    for name in NAMES:
        assert graded(certificate(many / name)) == graded(certificate(alone / name)), name
        assert certificate(many / name)['files'].keys() == \
            certificate(alone / name)['files'].keys()


def test_the_manifest_records_each_bag_done_with_its_level(certified):
    many, _, manifest, _ = certified
    records = {Path(record.bag).name: record for record in read_manifest(manifest).values()}
    assert sorted(records) == list(NAMES)
    for name, record in records.items():
        assert record.status == 'done'
        assert record.shard == str(many / f'{name}.certificate.json')
        assert record.level == (certificate(many / name)['level'] or '')
        assert record.episodes >= 1 and record.frames > 0


def test_a_rerun_grades_nothing(certified, capsys):
    many, _, manifest, _ = certified
    assert main(['certify', str(many), '--manifest', str(manifest)]) == 0
    captured = capsys.readouterr()
    assert '3 bag(s): 3 certified already, 0 to certify' in captured.err
    assert '0 graded in this run' in captured.out


def test_a_corrupt_bag_fails_alone(corpus, tmp_path, capsys):
    bags = Path(shutil.copytree(corpus, tmp_path / 'bags'))
    (bags / 'd_broken.mcap').write_bytes(b'\x89MCAP0\r\n' + bytes(range(256)) * 8)
    manifest = tmp_path / 'cert.jsonl'
    assert main(['certify', str(bags), '--manifest', str(manifest), '--jobs', '2']) == 1
    captured = capsys.readouterr()
    assert f'error: {bags / "d_broken.mcap"}: ' in captured.err
    records = {Path(record.bag).name: record for record in read_manifest(manifest).values()}
    assert records['d_broken.mcap'].status == 'failed' and records['d_broken.mcap'].error
    assert sorted(name for name, record in records.items() if record.status == 'done') == \
        list(NAMES)
    assert all((bags / f'{name}.certificate.json').is_file() for name in NAMES)


def test_a_dataset_or_a_one_bag_option_is_refused_with_a_manifest(tmp_path, capsys, certified):
    many, _, _, _ = certified
    dataset = tmp_path / 'ds'
    (dataset / 'meta').mkdir(parents=True)
    (dataset / 'meta' / 'info.json').write_text('{}')
    assert main(['certify', str(dataset), '--manifest', str(tmp_path / 'm.jsonl')]) == 1
    assert f'{dataset} is a dataset (certify it without --manifest)' in capsys.readouterr().err
    assert main(['certify', str(many), '--manifest', str(tmp_path / 'm.jsonl'),
                 '--json', str(tmp_path / 'c.json')]) == 1
    assert '--json takes one dataset or bag; --manifest certifies many' in \
        capsys.readouterr().err
