"""Write serialized messages into one rosbag2 bag with their definitions (rosbags' Writer).

Crash safety: `flush()` (the recorder calls it every second) makes everything written so far
durable: for mcap it closes the pending chunk and flushes the file, so a recorder killed with
SIGKILL leaves an MCAP cut after its last complete chunk, which `open_bags` salvages; for
sqlite3 it commits the transaction. This reaches into rosbags' storage writers (McapWriter
`close_chunk`/`bio`, Sqlite3Writer `conn`), checked against the rosbags version pinned in
requirements.txt by test/unit/recording/test_bag_writer.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from rosbags.interfaces import (
    Connection, Qos, QosDurability, QosHistory, QosLiveliness, QosReliability, QosTime)
from rosbags.rosbag2 import StoragePlugin, Writer, WriterError
from rosbags.rosbag2.storage_mcap import McapWriter
from rosbags.rosbag2.storage_sqlite3 import Sqlite3Writer

from interop_bridge.errors import RecordingError
from interop_bridge.recording.definitions import DefinitionLibrary

STORAGES = {'mcap': StoragePlugin.MCAP, 'sqlite3': StoragePlugin.SQLITE3}
# rosbag2 metadata version written: 8, what Jazzy's rosbag2 writes.
BAG_VERSION: Literal[8, 9] = 8  # the versions rosbags' Writer writes
_NO_TIME = QosTime(0, 0)


def bag_qos(reliability: str, durability: str, depth: int) -> Qos:
    """A rosbags QoS record (for the bag's offered_qos_profiles) from plain names."""
    reliable = reliability == 'reliable'
    latched = durability == 'transient_local'
    return Qos(QosHistory.KEEP_LAST, depth,
               QosReliability.RELIABLE if reliable else QosReliability.BEST_EFFORT,
               QosDurability.TRANSIENT_LOCAL if latched else QosDurability.VOLATILE,
               _NO_TIME, _NO_TIME, QosLiveliness.AUTOMATIC, _NO_TIME, False)


class BagWriter:
    """One bag being recorded: topics added on the fly, messages counted per topic."""

    def __init__(self, path: Path, storage: str = 'mcap',
                 library: DefinitionLibrary | None = None,
                 version: Literal[8, 9] = BAG_VERSION) -> None:
        if storage not in STORAGES:
            msg = f'storage: got {storage!r}, expected one of {sorted(STORAGES)}'
            raise RecordingError(msg)
        self.path = Path(path)
        self.storage = storage
        self.library = library or DefinitionLibrary()
        self.counts: dict[str, int] = {}
        self._connections: dict[str, Connection] = {}
        try:
            self._writer = Writer(self.path, version=version, storage_plugin=STORAGES[storage])
            self._writer.open()
        except (WriterError, OSError) as error:
            msg = f'{self.path}: cannot create the bag: {error}'
            raise RecordingError(msg) from error
        self._open = True
        self._unflushed = False

    @property
    def is_open(self) -> bool:
        """Whether messages can still be written."""
        return self._open

    def add_topic(self, name: str, msgtype: str, offered_qos: Sequence[Qos] = ()) -> None:
        """Declare a topic, storing the full definition of its type.

        Raises:
            DefinitionError: The type's definition cannot be found.
        """
        definition = self.library.definition(msgtype)
        self._connections[name] = self._writer.add_connection(
            name, msgtype, msgdef=definition.text, rihs01=definition.rihs01,
            offered_qos_profiles=list(offered_qos))
        self.counts[name] = 0
        self._unflushed = True

    def write(self, name: str, log_ns: int, data: bytes) -> None:
        """Append one serialized message of a declared topic."""
        self._writer.write(self._connections[name], log_ns, data)
        self.counts[name] += 1
        self._unflushed = True

    def flush(self) -> None:
        """Make everything written so far durable (see the module docstring)."""
        storage = self._writer.storage
        if not self._open or not self._unflushed or storage is None:
            return
        if isinstance(storage, McapWriter):
            if storage.chunk.bio.tell():
                storage.close_chunk()
            storage.bio.flush()
        elif isinstance(storage, Sqlite3Writer):
            storage.conn.commit()
        self._unflushed = False

    def close(self) -> None:
        """Finish the bag (index, summary, metadata.yaml). Safe to call twice."""
        if not self._open:
            return
        self._open = False
        self._writer.close()

    def summary(self) -> str:
        """One line per topic with its message count."""
        total = sum(self.counts.values())
        lines = [f'{self.path}: {total} messages ({self.storage})']
        lines += [f'  {name}: {count}' for name, count in sorted(self.counts.items())]
        return '\n'.join(lines)
