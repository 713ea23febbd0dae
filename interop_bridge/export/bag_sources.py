"""Find rosbag2 recordings under the paths a user gives, and open each one's storage files."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import apsw
import yaml
from rosbags.interfaces import Connection
from rosbags.rosbag2 import Reader, ReaderError

from interop_bridge.errors import BagError
from interop_bridge.export.salvage import salvage, salvageable, unclosed
from interop_bridge.export.sqlite_pages import cut_short

METADATA_FILE = 'metadata.yaml'
STORAGE_SUFFIXES = {'.mcap': 'mcap', '.db3': 'sqlite3'}
# What rosbags' Reader raises for a file it cannot read (apsw: its SQLite binding).
READ_ERRORS = (ReaderError, OSError, sqlite3.Error, apsw.Error)
NOT_A_BAG = ('expected a rosbag2 directory (with metadata.yaml), a .mcap or .db3 file, or a '
             'directory that contains bags')


class StorageReader(Protocol):
    """What rosbags' Reader and SalvagedMcap have in common."""

    connections: Any

    def messages(self, connections: Sequence[Connection], start: int | None = None,
                 stop: int | None = None) -> Iterator[tuple[Connection, int, bytes]]:
        """Messages of `connections` in log-time order."""

    def time_range(self) -> tuple[int, int]:
        """Log times of the first and the last message (inclusive)."""

    def close(self) -> None:
        """Close the storage."""


@dataclass(frozen=True)
class BagFile:
    """One storage file of a bag, with its size and SHA-256 (hex)."""

    path: Path
    size: int
    sha256: str


@dataclass
class OpenBag:
    """One bag (directory or bare file) with its open storage readers."""

    path: Path
    storage: str
    metadata_version: int | None
    files: tuple[Path, ...]
    readers: list[StorageReader]
    complete: bool = True
    warnings: list[str] = field(default_factory=list)

    def close(self) -> None:
        """Close every storage reader."""
        for reader in self.readers:
            reader.close()
        self.readers.clear()


def discover_bags(paths: Iterable[Path | str]) -> list[Path]:
    """Every bag under `paths`: bag directories (metadata.yaml) and bare .mcap/.db3 files.

    A directory with metadata.yaml is one bag. Any other directory is searched recursively:
    bag directories inside it, and storage files not inside a bag directory, are bags.

    Raises:
        BagError: A path does not exist, or holds no bag.
    """
    found: list[Path] = []
    for raw_path in paths:
        path = Path(raw_path)
        if not path.exists():
            msg = f'{path}: no such file or directory; {NOT_A_BAG}'
            raise BagError(msg)
        bags = list(_bags_under(path))
        if not bags:
            msg = f'{path}: not a bag: {NOT_A_BAG}'
            raise BagError(msg)
        found.extend(bag for bag in bags if bag not in found)
    return found


def _bags_under(path: Path) -> Iterator[Path]:
    if path.is_file():
        if path.suffix in STORAGE_SUFFIXES:
            yield path
        return
    if (path / METADATA_FILE).is_file():
        yield path
        return
    for child in sorted(path.iterdir()):
        if child.is_dir() or child.suffix in STORAGE_SUFFIXES:
            yield from _bags_under(child)


def open_bag(path: Path) -> OpenBag:
    """Open one bag found by `discover_bags`; salvage storage files cut short (salvage.py).

    Raises:
        BagError: The bag cannot be read at all.
    """
    if path.is_dir():
        return _open_directory(path)
    storage = STORAGE_SUFFIXES[path.suffix]
    bag = OpenBag(path, storage, None, (path,), [])
    bag.readers.append(_open_file(path, bag))
    return bag


def _open_directory(path: Path) -> OpenBag:
    metadata = _read_metadata(path)
    storage = str(metadata.get('storage_identifier', ''))
    files = tuple(path / Path(name).name for name in metadata.get('relative_file_paths', []))
    bag = OpenBag(path, storage, metadata.get('version'), files, [])
    reader = Reader(path)
    try:
        if any(cut_short(file) for file in files):
            msg = 'a storage file is shorter than its header says'
            raise ReaderError(msg)
        reader.open()
    except READ_ERRORS as error:
        if not files or not all(salvageable(file) for file in files):
            msg = f'{path}: cannot be read as a rosbag2 bag: {error}'
            raise BagError(msg) from error
        bag.readers.extend(_open_file(file, bag) for file in files)
        listed = metadata.get('message_count')
        bag.warnings.append(f'{path}: metadata.yaml lists {listed} messages; '
                            f'{_count(bag)} were readable')
        return bag
    bag.readers.append(_ClosingReader(reader, path))
    bag.warnings.extend(warning for file in files if (warning := unclosed(file)))
    return bag


def _count(bag: OpenBag) -> int:
    return sum(c.msgcount for reader in bag.readers for c in reader.connections)


def _read_metadata(path: Path) -> dict[str, Any]:
    metadata_path = path / METADATA_FILE
    try:
        content = yaml.safe_load(metadata_path.read_text())
    except (OSError, yaml.YAMLError) as error:
        msg = f'{metadata_path}: cannot be read as YAML: {error}'
        raise BagError(msg) from error
    information = (content or {}).get('rosbag2_bagfile_information') if isinstance(
        content, dict) else None
    if not isinstance(information, dict):
        msg = f'{metadata_path}: no rosbag2_bagfile_information mapping; {NOT_A_BAG}'
        raise BagError(msg)
    return information


def _open_file(path: Path, bag: OpenBag) -> StorageReader:
    reader = Reader(path)
    try:
        if cut_short(path):
            msg = 'shorter than its header says'
            raise ReaderError(msg)
        reader.open()
    except READ_ERRORS as error:
        if not salvageable(path):
            msg = f'{path}: cannot be read as a rosbag2 storage file: {error}'
            raise BagError(msg) from error
        return salvage(path, bag)
    if warning := unclosed(path):
        bag.warnings.append(warning)
    return _ClosingReader(reader, path)


class _ClosingReader:
    """rosbags' Reader with the storage-reader interface (connections, messages, close)."""

    def __init__(self, reader: Reader, path: Path) -> None:
        self._reader = reader
        self._path = path
        self.connections = list(reader.connections)

    def messages(self, connections: Sequence[Connection], start: int | None = None,
                 stop: int | None = None) -> Iterator[tuple[Connection, int, bytes]]:
        count = 0
        try:
            for message in self._reader.messages(connections, start, stop):
                count += 1
                yield message
        except (sqlite3.Error, apsw.Error, ReaderError) as error:
            msg = (f'{self._path}: damaged storage: reading failed after {count} messages: '
                   f'{error}')
            raise BagError(msg) from error

    def time_range(self) -> tuple[int, int]:
        return self._reader.start_time, self._reader.end_time - 1

    def close(self) -> None:
        self._reader.close()


def file_digest(path: Path) -> BagFile:
    """Size and SHA-256 of one file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open('rb') as stream:
        while block := stream.read(1 << 20):
            digest.update(block)
    return BagFile(path, path.stat().st_size, digest.hexdigest())
