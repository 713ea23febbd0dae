"""Format checks, the certificate, verify, signing and the CLI on a real export."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from interop_bridge.certify.certificate import (CERTIFICATE_PATH, SIGNATURE_PATH, Change,
                                                build_certificate, verify, write_certificate)
from interop_bridge.certify.rubric import all_checks, level_reached
from interop_bridge.certify.runner import load_dataset_input, run_checks
from interop_bridge.certify.signing import new_key_pair, sign_certificate, verify_signature
from interop_bridge.cli import main


def certify(root: Path) -> dict:
    checks = all_checks()
    results = run_checks(load_dataset_input(root), checks)
    certificate = build_certificate(root, results, [c.spec for c in checks])
    write_certificate(root, certificate)
    return certificate


def test_a_clean_export_passes_every_check_and_is_training_ready(dataset: Path) -> None:
    checks = all_checks()
    results = run_checks(load_dataset_input(dataset), checks)
    assert [r.check_id for r in results if not r.passed] == []
    assert level_reached(results, [c.spec for c in checks]) == ('training-ready', [])


def test_a_deleted_data_file_fails_format(dataset: Path) -> None:
    next((dataset / 'data').rglob('*.parquet')).unlink()
    checks = all_checks()
    results = {r.check_id: r for r in run_checks(load_dataset_input(dataset), checks)}
    assert not results['format.row_groups'].passed
    level, blocking = level_reached(list(results.values()), [c.spec for c in checks])
    assert level is None and 'format.row_groups' in blocking


def test_the_certificate_records_results_and_every_file(dataset: Path) -> None:
    certificate = certify(dataset)
    written = json.loads((dataset / CERTIFICATE_PATH).read_text())
    assert written['level'] == 'training-ready' and written['blocking'] == []
    assert written['rubric_version'] == certificate['rubric_version'] == '0.2.0'
    entry = next(r for r in written['results'] if r['id'] == 'format.info')
    assert entry['passed'] is True and entry['findings_count'] == 0
    files = {p.relative_to(dataset).as_posix() for p in dataset.rglob('*') if p.is_file()}
    assert set(written['files']) == files - {CERTIFICATE_PATH}
    data = next(k for k in written['files'] if k.startswith('data/'))
    assert written['files'][data]['bytes'] == (dataset / data).stat().st_size
    assert verify(dataset) == []


def test_verify_reports_a_flipped_byte_an_added_and_a_removed_file(dataset: Path) -> None:
    certify(dataset)
    data = next((dataset / 'data').rglob('*.parquet'))
    content = bytearray(data.read_bytes())
    content[len(content) // 2] ^= 0x01
    data.write_bytes(bytes(content))
    (dataset / 'meta' / 'extra.txt').write_text('x')
    (dataset / 'meta' / 'tasks.parquet').unlink()
    kinds = {(c.kind, c.path) for c in verify(dataset)}
    assert kinds == {('modified', data.relative_to(dataset).as_posix()),
                     ('added', 'meta/extra.txt'), ('removed', 'meta/tasks.parquet')}


def test_verify_without_a_certificate_says_so(dataset: Path) -> None:
    changes = verify(dataset)
    assert len(changes) == 1 and changes[0].kind == 'certificate'
    assert 'certificate unreadable' in changes[0].detail


def test_signing_round_trip_other_key_and_tampering(dataset: Path, tmp_path: Path) -> None:
    private, public = new_key_pair(tmp_path / 'keys')
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    _, other_public = new_key_pair(tmp_path / 'other')
    certificate = certify(dataset)
    sign_certificate(dataset, certificate, private)
    assert (dataset / SIGNATURE_PATH).is_file()
    assert verify(dataset) == [] and verify_signature(dataset) == []
    assert verify_signature(dataset, public) == []
    refused = verify_signature(dataset, other_public)
    assert [c.kind for c in refused] == ['signature']
    assert 'another key than the trusted' in refused[0].detail
    path = dataset / CERTIFICATE_PATH
    path.write_bytes(path.read_bytes().replace(b'"training-ready"', b'"physical"', 1))
    tampered = verify_signature(dataset, public)
    assert tampered == [Change('signature', SIGNATURE_PATH, 'does not match the certificate '
                               '(certificate or signature altered)')]


def test_an_unsigned_certificate_is_refused_when_a_key_is_trusted(dataset: Path,
                                                                  tmp_path: Path) -> None:
    _, public = new_key_pair(tmp_path / 'keys')
    certify(dataset)
    assert verify_signature(dataset) == []
    assert [c.kind for c in verify_signature(dataset, public)] == ['signature']


def test_cli_exit_codes(dataset: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
                        ) -> None:
    assert main(['certify', str(dataset), '--level', 'training-ready',
                 '--json', str(tmp_path / 'c.json')]) == 0
    out = capsys.readouterr().out
    assert 'PASS  format.info' in out and out.rstrip().endswith('level: training-ready')
    assert json.loads((tmp_path / 'c.json').read_text())['level'] == 'training-ready'
    assert main(['certify', '--new-key', str(tmp_path / 'k')]) == 0
    assert main(['certify', '--new-key', str(tmp_path / 'k')]) == 1
    assert 'error: ' in capsys.readouterr().err
    assert main(['certify', str(dataset), '--sign', str(tmp_path / 'k' / 'certify_key.pem')]) == 0
    assert main(['certify', str(dataset), '--verify', '--trusted-key',
                 str(tmp_path / 'k' / 'certify_key.pub.pem')]) == 0
    assert 'unchanged: ' in capsys.readouterr().out
    (dataset / 'meta' / 'extra.txt').write_text('x')
    assert main(['certify', str(dataset), '--verify']) == 1
    assert 'added meta/extra.txt' in capsys.readouterr().out
    (dataset / 'meta' / 'extra.txt').unlink()
    next((dataset / 'data').rglob('*.parquet')).unlink()
    assert main(['certify', str(dataset), '--level', 'format']) == 1
    out = capsys.readouterr().out
    assert 'FAIL  format.row_groups' in out
    assert 'FAILED: level format does not hold; blocking: format.row_groups' in out
    assert main(['certify', str(tmp_path / 'nothing')]) == 1
    assert 'nothing: no such file or directory' in capsys.readouterr().err
