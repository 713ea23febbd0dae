"""File-system failures and killed runs: one ExportError naming the cause, nothing half-written.

Failures happen at the OS boundary: a real file-size limit (RLIMIT_FSIZE: every write past it
fails with EFBIG, as a full disk fails with ENOSPC), a read-only directory (os.mkdir raising
EROFS: as root, permissions cannot make a directory read-only). Staging directories of killed
runs are real directories named by real processes: a dead one (started and reaped here), this
live process, another host.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from interop_bridge.dataset import orphans
from interop_bridge.dataset.atomic import write_dataset
from interop_bridge.dataset.validate import validate_dataset
from interop_bridge.errors import ExportError


def file_hashes(root: Path) -> dict[str, str]:
    return {path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(root.rglob('*')) if path.is_file()}


def leftovers(parent: Path) -> list[str]:
    return sorted(path.name for path in parent.iterdir() if '.staging-' in path.name
                  or '.old-' in path.name)


def export(kit, root: Path, length: int = 40, seed: int = 0):
    return write_dataset(root, kit.features_without_video, kit.fps,
                         [kit.episode(kit.features_without_video, length, 'pick', seed=seed)],
                         {'exporter': 'test'})


@contextlib.contextmanager
def file_size_limit(limit: int):
    """Writes past `limit` bytes fail with EFBIG (SIGXFSZ ignored) inside the block."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


def dead_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    process = subprocess.Popen([sys.executable, '-c', 'pass'])
    process.wait()
    return process.pid


@pytest.fixture
def existing(tmp_path, kit):
    root = tmp_path / 'ds'
    export(kit, root)
    return root


def test_a_write_past_the_file_size_limit_fails_in_one_error_and_creates_nothing(tmp_path, kit):
    root = tmp_path / 'ds'
    with file_size_limit(4096), pytest.raises(ExportError) as error:
        export(kit, root, length=300)
    assert str(error.value).startswith(f'{root}: writing failed: ')
    assert str(error.value).endswith('File too large; the dataset was not created') \
        or 'errno 27' in str(error.value)
    assert list(tmp_path.iterdir()) == []


def test_an_append_past_the_file_size_limit_leaves_the_dataset_unchanged(existing, kit):
    before = file_hashes(existing)
    with file_size_limit(4096), pytest.raises(ExportError, match='the dataset was left '
                                              'unchanged$'):
        export(kit, existing, length=300, seed=1)
    assert file_hashes(existing) == before
    assert leftovers(existing.parent) == []
    assert validate_dataset(existing).ok


def read_only(monkeypatch, directory: Path) -> None:
    """os.mkdir inside `directory` fails as on a read-only mount."""
    real_mkdir = os.mkdir

    def mkdir(path, *args, **kwargs):
        if Path(path).parent == directory:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_mkdir(path, *args, **kwargs)
    monkeypatch.setattr(os, 'mkdir', mkdir)


@pytest.mark.parametrize('append', [False, True])
def test_a_read_only_directory_gives_one_error_naming_it(tmp_path, kit, monkeypatch, append):
    root = tmp_path / 'ds'
    if append:
        export(kit, root)
    before = file_hashes(root) if append else None
    read_only(monkeypatch, tmp_path)
    with pytest.raises(ExportError) as error:
        export(kit, root, seed=2)
    assert str(error.value) == (f'{root}: cannot write beside it in {tmp_path}: '
                                'Read-only file system')
    assert (file_hashes(root) if append else None) == before
    assert leftovers(tmp_path) == []


def test_staging_folders_of_dead_runs_are_removed_and_the_others_reported(
        tmp_path, kit, caplog):
    me, gone = orphans.owner(), dead_pid()
    dead = tmp_path / f'.ds.staging-{me}-{gone}-abcd1234'
    live = tmp_path / f'.ds.staging-{me}-{os.getpid()}-efgh5678'
    remote = tmp_path / f'.ds.staging-robot_pc.4026531836-{gone}-ijkl9012'
    older = tmp_path / '.ds.staging-mnop3456'
    other_dataset = tmp_path / f'.other.staging-{me}-{gone}-qrst7890'
    for folder in (dead, live, remote, older, other_dataset):
        (folder / 'data').mkdir(parents=True)
        (folder / 'data' / 'file-000.parquet').write_bytes(b'half written')
    with caplog.at_level(logging.WARNING, logger=orphans.__name__):
        export(kit, tmp_path / 'ds')
    assert not dead.exists()
    assert live.exists() and remote.exists() and older.exists() and other_dataset.exists()
    warnings = [record.getMessage() for record in caplog.records]
    assert warnings == [
        f'{older}: left in place: left by an interrupted run of an older version; delete it '
        'if no export or merge is running',
        f'{remote}: left in place: its run (pid {gone}) was on another host or container '
        '(robot_pc.4026531836); delete it if that run has ended',
        f'{dead}: removed: an unfinished staging copy of a run that was killed '
        f'(pid {gone} is gone)']
    assert validate_dataset(tmp_path / 'ds').ok


def test_the_previous_dataset_kept_aside_is_never_removed_while_the_dataset_is_missing(
        tmp_path, kit):
    gone = dead_pid()
    kept = tmp_path / f'.ds.old-{orphans.owner()}-{gone}-abcd1234'
    (kept / 'meta').mkdir(parents=True)
    (kept / 'meta' / 'info.json').write_text('{}')
    assert [str(leftover) for leftover in orphans.clear_orphans(tmp_path / 'ds')] == [
        f'{kept}: left in place: the dataset as it was before an append that was killed '
        f'mid-commit (pid {gone}); {tmp_path / "ds"} is missing: move it back there']
    assert kept.exists()


def test_a_staging_folder_is_named_by_its_owner_and_pid(tmp_path, kit):
    seen = []

    def spy(index, episode):
        seen.extend(leftovers(tmp_path))
    write_dataset(tmp_path / 'ds', kit.features_without_video, kit.fps,
                  [kit.episode(kit.features_without_video, 5, 'pick')], {},
                  on_episode=spy)
    (name,) = seen
    assert name.startswith(f'.ds.staging-{orphans.owner()}-{os.getpid()}-')
