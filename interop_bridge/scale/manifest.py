"""The manifest of a sharded export: one record per bag, keyed by what decides its output.

A bag's key is the SHA-256 of its storage files' contents (names sorted, metadata.yaml
included), of the export settings that change what is written (everything in the request but
the bag list and the output path), and of the exporter version: the same bag exported the
same way by the same exporter has the same key wherever it lives, so a rerun skips it, and a
changed setting or exporter exports it again. The manifest is JSON Lines, one record per line,
rewritten whole (temporary file, then rename) by the driver only after every completion.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from interop_bridge.errors import ExportError
from interop_bridge.export.bag_sources import METADATA_FILE, STORAGE_SUFFIXES
from interop_bridge.export.planning import ExportRequest
from interop_bridge.export.provenance import EXPORTER_VERSION

STATUSES = ('done', 'failed')


@dataclass(frozen=True)
class ShardRecord:
    """What became of one bag: its shard dataset (a certified bag: its certificate), or the
    error that stopped it."""

    key: str
    bag: str
    status: str  # done | failed
    shard: str = ''  # the shard dataset's directory (done)
    episodes: int = 0
    frames: int = 0
    seconds: float = 0.0  # wall time of the export
    data_seconds: float = 0.0  # recorded time exported (frames / fps)
    error: str = ''  # failed: 'ExportError: ...'
    attempt: str = ''  # the process that wrote it (host:pid)
    level: str = ''  # a certified bag (scale/certify_tasks.py): the level reached ('' none)

    def line(self) -> str:
        """The record as one JSON line."""
        return json.dumps(dataclasses.asdict(self), sort_keys=True)


def settings_digest(request: ExportRequest) -> str:
    """SHA-256 of every request setting but the bags and the output."""
    settings = dataclasses.asdict(request)
    for unused in ('bags', 'out'):
        settings.pop(unused)
    text = json.dumps(settings, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def bag_files(bag: Path) -> list[Path]:
    """The files whose content is the bag: metadata.yaml and every storage file."""
    if bag.is_file():
        return [bag]
    files = sorted(path for path in bag.iterdir()
                   if path.name == METADATA_FILE or path.suffix in STORAGE_SUFFIXES)
    if not files:
        msg = f'{bag}: no {METADATA_FILE} or storage file to key the bag by'
        raise ExportError(msg)
    return files


def bag_key(bag: Path, settings: str) -> str:
    """The key of one bag under the given settings digest (hex, 64 characters)."""
    digest = hashlib.sha256()
    for path in bag_files(bag):
        digest.update(path.name.encode() + b'\0')
        with path.open('rb') as stream:
            while block := stream.read(1 << 20):
                digest.update(block)
    digest.update(f'\0{settings}\0{EXPORTER_VERSION}'.encode())
    return digest.hexdigest()


def read_manifest(path: Path) -> dict[str, ShardRecord]:
    """The records of a manifest by key ({} when the file does not exist yet)."""
    if not path.is_file():
        return {}
    records: dict[str, ShardRecord] = {}
    for number, text in enumerate(path.read_text().splitlines(), start=1):
        if text.strip():
            record = _record(json.loads(text), f'{path}:{number}')
            records[record.key] = record
    return records


def _record(raw: Any, where: str) -> ShardRecord:
    names = {field.name for field in dataclasses.fields(ShardRecord)}
    if not isinstance(raw, dict) or set(raw) - names or not {'key', 'bag', 'status'} <= set(raw):
        msg = f'{where}: not a manifest record (keys {sorted(names)})'
        raise ExportError(msg)
    if raw['status'] not in STATUSES:
        msg = f'{where}: status {raw["status"]!r}, expected one of {list(STATUSES)}'
        raise ExportError(msg)
    return ShardRecord(**raw)


def write_manifest(path: Path, records: Mapping[str, ShardRecord] | Iterable[ShardRecord]) -> None:
    """Rewrite the manifest atomically with these records (sorted by bag, then key)."""
    values = list(records.values()) if isinstance(records, Mapping) else list(records)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = ''.join(record.line() + '\n'
                   for record in sorted(values, key=lambda item: (item.bag, item.key)))
    handle, temporary = tempfile.mkstemp(prefix=f'.{path.name}.', dir=path.parent)
    try:
        with os.fdopen(handle, 'w') as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
