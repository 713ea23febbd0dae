"""Certifying recordings: bags graded through a scratch export, certificates beside the bag."""

from __future__ import annotations

import hashlib
import json
import shutil
import struct
import tempfile
from pathlib import Path

import physical_bags
import pytest
import recorder_bags

from interop_bridge.certify.certificate import recording_subject, verify
from interop_bridge.certify.checks_recording import (RecordingComplete, RecordingReadout,
                                                     StorageReadout)
from interop_bridge.certify.model import DatasetInput
from interop_bridge.cli import main

G1 = 'unitree_g1_29dof'
# physical_bags: 500 Hz state, 50 Hz commands, 30 Hz camera over 3 s (both ends), 3 events.
VENDOR_MESSAGES = (3 * 500 + 1) + (3 * 50 + 1) + (3 * 30 + 1) + 3


@pytest.fixture(scope='module')
def bags(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp('recordings')
    return {'vendor': physical_bags.write_physical_bag(base / 'vendor'),
            'recorder': recorder_bags.write_recorder_bag(base / 'recorder')}


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where temporary directories go during the test (to see that none is left behind)."""
    directory = tmp_path / 'tmp'
    directory.mkdir()
    monkeypatch.setattr(tempfile, 'tempdir', str(directory))
    return directory


def copy(bags: dict[str, Path], kind: str, tmp_path: Path) -> Path:
    return Path(shutil.copytree(bags[kind], tmp_path / 'bags' / kind))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def certificate_of(bag: Path) -> dict:
    return json.loads(bag.with_name(f'{bag.name}.certificate.json').read_text())


def result(certificate: dict, check_id: str) -> dict:
    return next(entry for entry in certificate['results'] if entry['id'] == check_id)


def chunk_starts_and_messages(mcap: Path) -> list[tuple[int, int]]:
    """(file offset, message count) of every chunk, from the MCAP records (spec: mcap.dev)."""
    data, offset, chunks = mcap.read_bytes(), 8, []
    while offset < len(data) - 8:
        opcode, (length,) = data[offset], struct.unpack_from('<Q', data, offset + 1)
        if opcode == 0x06:  # Chunk
            chunks.append([offset, 0])
        elif opcode == 0x07:  # MessageIndex: channel id (2), then 16 bytes per message
            chunks[-1][1] += struct.unpack_from('<I', data, offset + 9 + 2)[0] // 16
        elif opcode == 0x02:  # Footer
            break
        offset += 9 + length
    return [(start, count) for start, count in chunks]


def test_a_recorder_bag_certifies_training_ready_with_its_files_hashed_beside_it(
        bags, tmp_path, scratch, capsys):
    bag = copy(bags, 'recorder', tmp_path)
    before = {path: sha256(path) for path in bag.iterdir()}
    assert main(['certify', str(bag), '--level', 'training-ready']) == 0
    out = capsys.readouterr().out
    assert 'PASS  provenance.recording_complete' in out
    assert out.rstrip().endswith('level: training-ready')
    certificate = certificate_of(bag)
    assert certificate['subject'] == 'recording' and certificate['blocking'] == []
    assert {name: entry['sha256'] for name, entry in certificate['files'].items()} == {
        path.name: digest for path, digest in before.items()}
    assert {path: sha256(path) for path in bag.iterdir()} == before  # the bag is untouched
    episode = certificate['recording']['episodes']['0']
    assert episode['canonical_input'] is True and episode['profile_from'] == 'embodiment'
    assert episode['resampling']['/interop/state:position']['rate_hz'] == 500.0
    assert list(scratch.iterdir()) == []  # the scratch dataset is gone


def test_a_vendor_bag_certifies_with_its_profile_and_verify_sees_a_changed_byte(
        bags, tmp_path, scratch, capsys):
    bag = copy(bags, 'vendor', tmp_path)
    assert main(['certify', str(bag), '--profile', G1]) == 0
    assert capsys.readouterr().out.rstrip().endswith('level: training-ready')
    recording = certificate_of(bag)['recording']
    assert recording['complete'] is True and recording['percent_read'] == 100.0
    assert recording['messages_read'] == recording['messages_listed'] == VENDOR_MESSAGES
    assert main(['certify', str(bag), '--verify']) == 0
    assert 'unchanged: 2 files match vendor.certificate.json (level training-ready' in \
        capsys.readouterr().out
    mcap = next(bag.glob('*.mcap'))
    content = bytearray(mcap.read_bytes())
    content[len(content) // 2] ^= 0x01
    mcap.write_bytes(bytes(content))
    (bag / 'notes.txt').write_text('x')
    assert main(['certify', str(bag), '--verify']) == 1
    out = capsys.readouterr().out
    assert f'modified {mcap.name}: sha256 ' in out and 'added notes.txt' in out
    assert 'CHANGED: 2 difference(s) from vendor.certificate.json' in out
    assert list(scratch.iterdir()) == []


def test_a_bag_cut_short_is_graded_on_what_is_readable_and_says_how_much(
        bags, tmp_path, scratch, capsys):
    bag = copy(bags, 'vendor', tmp_path)
    mcap = next(bag.glob('*.mcap'))
    chunks = chunk_starts_and_messages(mcap)
    assert len(chunks) == 7 and sum(count for _, count in chunks) == VENDOR_MESSAGES
    cut = chunks[4][0] + 5  # a recorder killed 5 bytes into writing the fifth chunk
    mcap.write_bytes(mcap.read_bytes()[:cut])
    read = sum(count for _, count in chunks[:4])
    assert main(['certify', str(bag), '--profile', G1, '--level', 'training-ready']) == 1
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if "recording_complete  " in line)
    percent = int(1000 * chunks[4][0] / cut) / 10
    assert line.startswith(f'FAIL  provenance.recording_complete  {percent:g} %  truncated: ')
    assert f'{read} of {VENDOR_MESSAGES} messages listed in metadata.yaml' in line
    assert 'level: physical (next level blocked by: provenance.recording_complete)' in out
    certificate = certificate_of(bag)
    assert certificate['level'] == 'physical'
    recording = certificate['recording']
    assert (recording['complete'], recording['messages_read']) == (False, read)
    assert recording['storage_files'][0]['readable_bytes'] == chunks[4][0]
    assert 'truncated MCAP' in recording['storage_files'][0]['problem']
    assert any('truncated MCAP' in w for w in recording['export']['bags'][0]['warnings'])
    assert result(certificate, 'provenance.recording_complete')['findings_count'] == 1
    assert verify(recording_subject(bag)) == []
    assert list(scratch.iterdir()) == []


def test_a_lone_mcap_gets_its_certificate_beside_it_and_signs_and_verifies(
        bags, tmp_path, scratch, capsys):
    lone = tmp_path / 'take.mcap'
    shutil.copyfile(next(bags['vendor'].glob('*.mcap')), lone)
    assert main(['certify', '--new-key', str(tmp_path / 'keys')]) == 0
    assert main(['certify', str(lone), '--profile', G1,
                 '--sign', str(tmp_path / 'keys' / 'certify_key.pem')]) == 0
    assert 'signed take.mcap.certificate.json (take.mcap.certificate.sig' in \
        capsys.readouterr().out
    certificate = json.loads((tmp_path / 'take.mcap.certificate.json').read_text())
    assert list(certificate['files']) == ['take.mcap']
    assert certificate['recording']['messages_listed'] is None  # no metadata.yaml
    trusted = str(tmp_path / 'keys' / 'certify_key.pub.pem')
    assert main(['certify', str(lone), '--verify', '--trusted-key', trusted]) == 0
    assert '(level training-ready, rubric 0.2.0, signed)' in capsys.readouterr().out
    main(['certify', '--new-key', str(tmp_path / 'other')])
    other = str(tmp_path / 'other' / 'certify_key.pub.pem')
    assert main(['certify', str(lone), '--verify', '--trusted-key', other]) == 1
    assert 'signature take.mcap.certificate.sig: signed by another key' in \
        capsys.readouterr().out
    assert sorted(path.name for path in scratch.iterdir()) == []


def test_keep_dataset_keeps_the_graded_export(bags, tmp_path, scratch, capsys):
    bag = copy(bags, 'vendor', tmp_path)
    kept = tmp_path / 'graded'
    assert main(['certify', str(bag), '--profile', G1, '--keep-dataset', str(kept)]) == 0
    assert (kept / 'meta' / 'info.json').is_file()
    assert main(['certify', str(kept)]) == 0  # the kept dataset grades the same
    assert capsys.readouterr().out.rstrip().endswith('level: training-ready')
    assert main(['certify', str(bag), '--profile', G1, '--keep-dataset', str(kept)]) == 1
    assert 'exists (a new directory is needed)' in capsys.readouterr().err


def test_every_bag_under_a_directory_gets_its_own_certificate(bags, tmp_path, scratch, capsys):
    copy(bags, 'recorder', tmp_path)
    shutil.copytree(bags['recorder'], tmp_path / 'bags' / 'again')
    assert main(['certify', str(tmp_path / 'bags')]) == 0
    assert sorted(p.name for p in (tmp_path / 'bags').glob('*.certificate.json')) == [
        'again.certificate.json', 'recorder.certificate.json']
    assert main(['certify', str(tmp_path / 'bags'), '--json', str(tmp_path / 'c.json')]) == 1
    assert '--json takes one dataset or bag; 2 were given or found' in capsys.readouterr().err


def test_a_vendor_bag_without_its_profile_or_with_another_robot_is_refused(
        bags, tmp_path, scratch, capsys):
    bag = copy(bags, 'vendor', tmp_path)
    assert main(['certify', str(bag)]) == 1
    (error,) = [line for line in capsys.readouterr().err.splitlines() if 'error' in line]
    assert error.startswith(f'error: {bag}: cannot be graded: the exporter refused it: ')
    assert error.endswith('no --profile: give the robot profile to export vendor topics')
    assert main(['certify', str(bag), '--profile', 'unitree_h1']) == 1
    assert ('/lowstate holds unitree_hg/msg/LowState, but profile unitree_h1 reads '
            'unitree_go/msg/LowState: wrong --profile?') in capsys.readouterr().err
    assert main(['certify', str(bag), '--profile', 'no_such_robot']) == 1
    assert capsys.readouterr().err.startswith('error: --profile no_such_robot: ')
    assert not bag.with_name('vendor.certificate.json').exists()
    assert list(scratch.iterdir()) == []


def test_a_dataset_takes_a_profile_of_its_robot_and_refuses_another(dataset, capsys):
    assert main(['certify', str(dataset), '--profile', G1]) == 0
    assert capsys.readouterr().out.rstrip().endswith('level: training-ready')
    assert main(['certify', str(dataset), '--profile', 'booster_t1']) == 1
    assert (f'error: {dataset}: its episodes are of {G1} (unitree g1_29dof), but --profile '
            'booster_t1 is booster t1') in capsys.readouterr().err.lower()


def test_a_path_that_is_neither_a_dataset_nor_a_bag_is_an_error(tmp_path, capsys):
    (tmp_path / 'notes.txt').write_text('not a bag')
    (tmp_path / 'empty').mkdir()
    for path in (tmp_path / 'notes.txt', tmp_path / 'empty'):
        assert main(['certify', str(path)]) == 1
        err = capsys.readouterr().err
        assert err.startswith(f'error: {path}: neither a LeRobot dataset (no meta/info.json) '
                              'nor a bag: expected a rosbag2 directory')
    assert main(['certify', str(tmp_path / 'missing')]) == 1
    assert 'no such file or directory' in capsys.readouterr().err
    assert main(['certify']) == 1
    assert 'a dataset directory or a bag is needed' in capsys.readouterr().err


def readout(*files: StorageReadout, listed: int | None = 100) -> RecordingReadout:
    return RecordingReadout('bag', 'mcap', files, 60, listed)


def test_the_check_counts_a_file_left_unclosed_as_incomplete_even_when_read_whole():
    data = DatasetInput(Path('.'), {}, {}, {}, 30, ())
    whole = RecordingComplete(readout(StorageReadout('a.db3', 10, 10))).result(data)
    assert (whole.passed, whole.figure) == (True, 100.0)
    unclosed = StorageReadout('b.db3', 10, 10, 'b.db3: b.db3-wal beside it')
    left = RecordingComplete(readout(unclosed)).result(data)
    assert (left.passed, left.figure) == (False, 100.0)
    assert left.detail.startswith('incomplete: 1 of 1 storage file(s) not read whole')
    cut = StorageReadout('c.mcap', 3000, 1000, 'c.mcap: truncated MCAP')
    short = RecordingComplete(readout(StorageReadout('a.mcap', 1000, 1000), cut)).result(data)
    assert (short.passed, short.figure) == (False, 50.0)
    assert '60 of 100 messages listed in metadata.yaml (60.0%)' in short.detail
    empty = RecordingComplete(readout(listed=None)).result(data)
    assert empty.figure == 0.0
