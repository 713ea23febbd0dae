"""Open one or many rosbag2 recordings and stream their messages as raw records, in time order.

`open_bags(paths)` finds every bag under the paths (bag directories, bare .mcap/.db3 files,
directories holding several bags), opens them with rosbags (sqlite3 and mcap, metadata
versions up to 9) and builds one typestore from the definitions stored in the bags, so a
vendor's bag decodes on a machine without the vendor's packages or ROS. Types a bag does not
define fall back to rosbags' ROS 2 Jazzy types and this repository's interop_msgs, with a
warning. MCAP files cut short (recorder killed) are salvaged up to their last complete record,
and sqlite3 files cut short or damaged down to the messages still whole in their pages, each
with one warning saying how much was read; a sqlite3 file with a `-journal` or `-wal` beside it
(recorder killed mid-transaction) gets a warning too. Warnings are in `Recording.warnings`, for
the caller to show once (they are logged at debug level only). `Recording.messages()` merges
all bags lazily: memory does not grow with the length of the recording.
"""

from __future__ import annotations

import heapq
import logging
import operator
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import MappingProxyType, TracebackType

from rosbags.interfaces import Connection, ConnectionExtRosbag2, Qos
from rosbags.serde import SerdeError
from rosbags.typesys.store import Typestore

from interop_bridge.errors import BagError
from interop_bridge.export.bag_sources import (
    BagFile, OpenBag, discover_bags, file_digest, open_bag)
from interop_bridge.export.bag_types import TypeResolution, resolve_types

LOG = logging.getLogger(__name__)
__all__ = ['BagError', 'BagFile', 'BagSource', 'Record', 'Recording', 'TopicInfo', 'open_bags']


@dataclass(frozen=True, slots=True)
class Record:
    """One message as stored: topic, type, log (receive) time in ns, raw CDR bytes."""

    topic: str
    msgtype: str
    log_ns: int
    data: bytes


@dataclass(frozen=True)
class TopicInfo:
    """One topic of the recording, over all bags."""

    name: str
    msgtype: str
    count: int
    # 'stored' (the bag's own definition), 'builtin' (Jazzy / interop_msgs fallback) or
    # 'missing' (cannot be decoded; its raw bytes can still be read).
    definition: str
    offered_qos: tuple[Qos, ...]


@dataclass
class BagSource:
    """One bag that went into the recording, for provenance."""

    path: Path
    storage: str
    metadata_version: int | None
    complete: bool
    message_count: int
    paths: tuple[Path, ...]  # its storage files

    @cached_property
    def files(self) -> tuple[BagFile, ...]:
        """Size and SHA-256 of each storage file, read when first asked for (the export
        record: a parallel export's driver plans every bag but never needs them)."""
        return tuple(file_digest(path) for path in self.paths)


class Recording:
    """Every message of one or many bags, read lazily in log-time order."""

    def __init__(self, bags: list[OpenBag], types: TypeResolution,
                 notes: tuple[str, ...] = ()) -> None:
        self._bags = bags
        self._known_types = frozenset(types.origin)
        self._sources: tuple[BagSource, ...] | None = None
        self.typestore: Typestore = types.typestore
        self.topics: Mapping[str, TopicInfo] = MappingProxyType(_topics(bags, types))
        self.warnings: tuple[str, ...] = notes + tuple(
            warning for bag in bags for warning in bag.warnings) + types.warnings
        connections = [c for bag in bags for reader in bag.readers for c in reader.connections]
        self.message_count = sum(c.msgcount for c in connections)
        # Log times of the first and the last message (both inclusive), over all bags.
        self.start_ns, self.end_ns = _time_range(bags)

    @property
    def sources(self) -> tuple[BagSource, ...]:
        """The bags read (their files' size and SHA-256 computed when first asked for)."""
        if self._sources is None:
            self._sources = tuple(_source(bag) for bag in self._bags)
        return self._sources

    def messages(self, topics: Iterable[str] | None = None, start_ns: int | None = None,
                 stop_ns: int | None = None) -> Iterator[Record]:
        """Records of `topics` (all when None) with start_ns <= log time < stop_ns, in order.

        Raises:
            BagError: (at the call, not at the first record) a requested topic is not in the
                recording, or its type is unknown.
        """
        wanted = self._wanted_topics(topics)
        streams = []
        for bag in self._bags:
            for reader in bag.readers:
                connections = [c for c in reader.connections if c.topic in wanted]
                if connections:
                    streams.append(reader.messages(connections, start_ns, stop_ns))
        return _records(streams)

    def _wanted_topics(self, topics: Iterable[str] | None) -> set[str]:
        if topics is None:
            return set(self.topics)
        wanted = set(topics)
        if missing := sorted(wanted - set(self.topics)):
            msg = (f'topics not in the recording: {missing}; recorded topics: '
                   f'{sorted(self.topics)}')
            raise BagError(msg)
        for name in sorted(wanted):
            self._require_type(self.topics[name].msgtype, name)
        return wanted

    def _require_type(self, msgtype: str, topic: str) -> None:
        if msgtype not in self._known_types:
            msg = (f'topic {topic!r}: type {msgtype!r} has no stored definition and is '
                   'not a ROS 2 Jazzy or interop_msgs type; it cannot be decoded')
            raise BagError(msg)

    def deserialize(self, record: Record) -> object:
        """Decode one record's CDR bytes into a rosbags message object.

        Raises:
            BagError: The type is unknown, or the bytes do not match the definition.
        """
        return self.deserialize_raw(record.data, record.msgtype, record.topic)

    def deserialize_raw(self, data: bytes, msgtype: str, topic: str = '?') -> object:
        """Decode CDR bytes of `msgtype` (see `deserialize`)."""
        if msgtype not in self._known_types:
            self._require_type(msgtype, topic)
        try:
            return self.typestore.deserialize_cdr(data, msgtype)
        except (SerdeError, ValueError, IndexError, AssertionError) as error:
            msg = (f'topic {topic!r}: {len(data)} bytes do not decode as {msgtype!r}: '
                   f'{error}')
            raise BagError(msg) from error

    def close(self) -> None:
        """Close every bag."""
        for bag in self._bags:
            bag.close()

    def __enter__(self) -> Recording:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


def _records(streams: list[Iterator[tuple[Connection, int, bytes]]]) -> Iterator[Record]:
    merged = streams[0] if len(streams) == 1 else heapq.merge(
        *streams, key=operator.itemgetter(1))
    for connection, log_ns, data in merged:
        yield Record(connection.topic, connection.msgtype, log_ns, data)


def open_bags(paths: Iterable[Path | str] | Path | str) -> Recording:
    """Open every bag under `paths` as one recording (use as a context manager).

    Args:
        paths: Bag directories, .mcap/.db3 files, or directories that hold bags.

    Raises:
        BagError: A path is not a bag, a bag cannot be read, every bag is empty, a topic has
            different types in different bags, or stored definitions conflict.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    bags: list[OpenBag] = []
    try:
        for path in discover_bags(paths):
            bags.append(open_bag(path))
        notes = _drop_empty(bags)
        types = resolve_types([c for bag in bags for r in bag.readers for c in r.connections])
        recording = Recording(bags, types, notes)
    except BaseException:
        for bag in bags:
            bag.close()
        raise
    for warning in recording.warnings:  # the caller reports them (Recording.warnings), once
        LOG.debug('%s', warning)
    return recording


def _drop_empty(bags: list[OpenBag]) -> tuple[str, ...]:
    def count(bag: OpenBag) -> int:
        return sum(c.msgcount for reader in bag.readers for c in reader.connections)

    if all(count(bag) == 0 for bag in bags):
        names = ', '.join(str(bag.path) for bag in bags)
        msg = f'empty bag: {names} holds no messages'
        raise BagError(msg)
    notes = []
    for bag in [bag for bag in bags if count(bag) == 0]:
        bag.close()
        bags.remove(bag)
        notes.append(f'{bag.path}: empty bag (no messages), skipped')
    return tuple(notes)


def _topics(bags: list[OpenBag], types: TypeResolution) -> dict[str, TopicInfo]:
    grouped: dict[str, list[Connection]] = {}
    for bag in bags:
        for reader in bag.readers:
            for connection in reader.connections:
                grouped.setdefault(connection.topic, []).append(connection)
    topics = {}
    for name, connections in sorted(grouped.items()):
        msgtypes = sorted({c.msgtype for c in connections})
        if len(msgtypes) > 1:
            msg = f'topic {name!r} has different types in the bags: {msgtypes}'
            raise BagError(msg)
        qos = tuple(q for c in connections if isinstance(c.ext, ConnectionExtRosbag2)
                    for q in c.ext.offered_qos_profiles)
        topics[name] = TopicInfo(name, msgtypes[0], sum(c.msgcount for c in connections),
                                 types.origin.get(msgtypes[0], 'missing'), qos)
    return topics


def _time_range(bags: list[OpenBag]) -> tuple[int, int]:
    ranges = [reader.time_range() for bag in bags for reader in bag.readers
              if any(c.msgcount for c in reader.connections)]
    if not ranges:
        return 0, 0
    return min(first for first, _ in ranges), max(last for _, last in ranges)


def _source(bag: OpenBag) -> BagSource:
    count = sum(c.msgcount for reader in bag.readers for c in reader.connections)
    paths = tuple(path for path in bag.files if path.exists())
    return BagSource(bag.path, bag.storage, bag.metadata_version, bag.complete, count, paths)
