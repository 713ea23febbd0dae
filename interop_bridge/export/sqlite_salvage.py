"""Read the messages still in a rosbag2 sqlite3 file (.db3) that was cut short or damaged.

rosbags (and SQLite itself) refuse a .db3 shorter than its header says, which is what a copy
cut short or a full disk leaves; and SQLite reaches the rows of `messages` only through interior
b-tree pages that are rewritten at the end of the file as it grows, so even a repaired header
would lose most rows. This reader goes by the file format instead (export/sqlite_pages.py): the
`topics` and `message_definitions` tables from their b-trees, then every table leaf page of the
file whose rows have the shape of a `messages` row (id, topic_id, timestamp, data) with a known
topic and a complete overflow chain. It keeps rowid, topic, time and page of each row (32 bytes
a message) and reads the bytes again, page by page, in log-time order.
"""

from __future__ import annotations

from array import array
from collections.abc import Collection, Iterator
from pathlib import Path

import numpy as np
from rosbags.interfaces import (
    Connection, ConnectionExtRosbag2, MessageDefinition, MessageDefinitionFormat)
from rosbags.rosbag2.errors import ReaderError
from rosbags.rosbag2.metadata import parse_qos

from interop_bridge.export.sqlite_pages import (
    Cell, DamagedPage, PageFile, Value, record, serial_types)

MAX_TIME = 2**63 - 1
INTEGER_TYPES = frozenset((1, 2, 3, 4, 5, 6, 8, 9))  # serial types of integers (8, 9: 0, 1)
FORMATS = {'ros2msg': MessageDefinitionFormat.MSG, 'ros2idl': MessageDefinitionFormat.IDL}


class SalvagedSqlite:
    """The readable messages of a damaged .db3 file, with rosbags' storage-reader interface."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._pages = PageFile(path)
        except DamagedPage as error:
            raise ReaderError(str(error)) from error
        self.file_bytes = self._pages.file_bytes
        self.readable_bytes = self._pages.pages * self._pages.page_size
        try:
            self.connections = self._connections()
            self._rowids, self._topics, self._times, self._where = self._scan()
        except BaseException:
            self._pages.close()
            raise
        counts = np.bincount(self._topics, minlength=max(
            [c.id for c in self.connections], default=0) + 1) if len(self._topics) else None
        self.connections = [c._replace(msgcount=int(counts[c.id]) if counts is not None else 0)
                            for c in self.connections]

    @property
    def message_count(self) -> int:
        """Messages found whole."""
        return int(len(self._rowids))

    def time_range(self) -> tuple[int, int]:
        """Log times (ns) of the first and the last readable message (inclusive)."""
        if not len(self._times):
            return 0, 0
        return int(self._times.min()), int(self._times.max())

    def close(self) -> None:
        """Close the file."""
        self._pages.close()

    def _tables(self) -> dict[str, int]:
        roots = {}
        for _, values in self._pages.table_rows(1):
            if len(values) >= 4 and values[0] == 'table' and isinstance(values[3], int):
                roots[str(values[1])] = values[3]
        if 'topics' not in roots or 'messages' not in roots:
            message = (f'{self.path}: cut short or damaged before its table list: no readable '
                       '`topics` and `messages` tables')
            raise ReaderError(message)
        return roots

    def _connections(self) -> list[Connection]:
        roots = self._tables()
        definitions: dict[str, tuple[MessageDefinition, str]] = {}
        if 'message_definitions' in roots:
            for _, values in self._pages.table_rows(roots['message_definitions']):
                if len(values) >= 4 and isinstance(values[1], str):
                    fmt = FORMATS.get(str(values[2]), MessageDefinitionFormat.NONE)
                    digest = str(values[4]) if len(values) > 4 else ''
                    definitions[values[1]] = (MessageDefinition(fmt, str(values[3])), digest)
        connections = []
        for rowid, values in sorted(self._pages.table_rows(roots['topics'])):
            connection = self._connection(rowid, values, definitions)
            if connection is not None:
                connections.append(connection)
        return connections

    def _connection(self, rowid: int, values: list[Value],
                    definitions: dict[str, tuple[MessageDefinition, str]]) -> Connection | None:
        if len(values) < 4 or not all(isinstance(value, str) for value in values[1:4]):
            return None
        topic, msgtype, serialization = str(values[1]), str(values[2]), str(values[3])
        qos = parse_qos(str(values[4])) if len(values) > 4 and values[4] else []
        msgdef, stored_digest = definitions.get(
            msgtype, (MessageDefinition(MessageDefinitionFormat.NONE, ''), ''))
        digest = str(values[5]) if len(values) > 5 and values[5] else stored_digest
        return Connection(rowid, topic, msgtype, msgdef, digest, 0,
                          ConnectionExtRosbag2(serialization, qos), self)

    def _scan(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        known = {connection.id for connection in self.connections}
        rowids, topics, times, where = array('q'), array('q'), array('q'), array('q')
        for number in range(2, self._pages.pages + 1):
            data = self._pages.page(number)
            if data is None:
                continue
            for cell in self._pages.cells(number, data):
                found = self._message_head(cell, known)
                if found is not None:
                    rowids.append(cell.rowid)
                    topics.append(found[0])
                    times.append(found[1])
                    where.append(number)
        arrays = [np.frombuffer(values, dtype=np.int64) if len(values) else
                  np.zeros(0, np.int64) for values in (rowids, topics, times, where)]
        _, first = np.unique(arrays[0], return_index=True)  # one row per rowid
        return arrays[0][first], arrays[1][first], arrays[2][first], arrays[3][first]

    def _message_head(self, cell: Cell, known: set[int]) -> tuple[int, int] | None:
        """(topic_id, timestamp) when `cell` is a whole `messages` row of a known topic."""
        try:
            types, _ = serial_types(cell.local)
            if (len(types) != 4 or types[0] != 0 or types[1] not in INTEGER_TYPES
                    or types[2] not in INTEGER_TYPES or types[3] < 12 or types[3] % 2):
                return None
            _, topic, stamp = record(cell.local, 3)
        except (DamagedPage, IndexError, ValueError):
            return None
        if not isinstance(topic, int) or not isinstance(stamp, int) or topic not in known:
            return None
        return (topic, stamp) if self._pages.chain_complete(cell) else None

    def messages(self, connections: Collection[Connection], start: int | None = None,
                 stop: int | None = None) -> Iterator[tuple[Connection, int, bytes]]:
        """Messages of `connections` with start <= log time < stop, in log-time order."""
        wanted = {connection.id: connection for connection in connections}
        low, high = (0 if start is None else start), (MAX_TIME if stop is None else stop)
        chosen = np.flatnonzero(np.isin(self._topics, list(wanted)) & (self._times >= low)
                                & (self._times < high))
        order = chosen[np.lexsort((self._rowids[chosen], self._times[chosen]))]
        cached_page, cells = -1, {}
        for index in order:
            page = int(self._where[index])
            if page != cached_page:
                data = self._pages.page(page)
                if data is None:
                    message = f'{self.path}: page {page} is gone: the file changed while read'
                    raise ReaderError(message)
                cells = {cell.rowid: cell for cell in self._pages.cells(page, data)}
                cached_page = page
            cell = cells[int(self._rowids[index])]
            values = record(self._pages.payload(cell))
            blob = values[3]
            if isinstance(blob, bytes):
                yield wanted[int(self._topics[index])], int(self._times[index]), blob
