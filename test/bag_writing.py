"""Write small rosbag2 bags for tests with rosbags' Writer (real files, real definitions)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rosbags.rosbag2 import CompressionFormat, CompressionMode, StoragePlugin, Writer
from rosbags.typesys.store import Typestore

from interop_bridge.export.typestore import interop_typestore

STORAGE_PLUGINS = {'mcap': StoragePlugin.MCAP, 'sqlite3': StoragePlugin.SQLITE3}
JOINT_STATE = 'sensor_msgs/msg/JointState'
EPISODE_EVENT = 'interop_msgs/msg/EpisodeEvent'
STRING = 'std_msgs/msg/String'
_STORE: Typestore | None = None


def store() -> Typestore:
    """Jazzy + interop_msgs types (built once per test session)."""
    global _STORE
    if _STORE is None:
        _STORE = interop_typestore()
    return _STORE


@dataclass(frozen=True)
class Entry:
    """One message to write: topic, type, log time and the message object (or raw bytes)."""

    topic: str
    msgtype: str
    log_ns: int
    message: Any


def write_bag(path: Path, entries: Iterable[Entry], *, storage: str = 'mcap', version: int = 9,
              typestore: Typestore | None = None, topics: Sequence[tuple[str, str]] = (),
              zstd_chunks: bool = False) -> Path:
    """Write `entries` into a new bag directory; `topics` adds topics even without messages."""
    typestore = typestore or store()
    writer = Writer(path, version=version, storage_plugin=STORAGE_PLUGINS[storage])
    if zstd_chunks:
        writer.set_compression(CompressionMode.STORAGE, CompressionFormat.ZSTD)
    with writer:
        connections: dict[str, Any] = {}
        for topic, msgtype in topics:
            connections[topic] = writer.add_connection(topic, msgtype, typestore=typestore)
        for entry in entries:
            if entry.topic not in connections:
                connections[entry.topic] = writer.add_connection(entry.topic, entry.msgtype,
                                                                 typestore=typestore)
            data = entry.message if isinstance(entry.message, (bytes, memoryview)) else (
                typestore.serialize_cdr(entry.message, entry.msgtype))
            writer.write(connections[entry.topic], entry.log_ns, bytes(data))
    return path


def stamp(ns: int) -> Any:
    """builtin_interfaces/Time for a time in ns."""
    time_class = store().types['builtin_interfaces/msg/Time']
    return time_class(sec=ns // 1_000_000_000, nanosec=ns % 1_000_000_000)


def header(ns: int, frame_id: str = '') -> Any:
    """std_msgs/Header stamped at ns."""
    return store().types['std_msgs/msg/Header'](stamp=stamp(ns), frame_id=frame_id)


def joint_state(stamp_ns: int, positions: Sequence[float]) -> Any:
    """sensor_msgs/JointState with names j0.. and the given positions."""
    count = len(positions)
    return store().types[JOINT_STATE](
        header=header(stamp_ns), name=[f'j{i}' for i in range(count)],
        position=np.asarray(positions, dtype=np.float64), velocity=np.zeros(count),
        effort=np.zeros(count))


def episode_event(stamp_ns: int, kind: int, episode_id: str = '', task: str = '',
                  text: str = '') -> Any:
    """interop_msgs/EpisodeEvent."""
    return store().types[EPISODE_EVENT](header=header(stamp_ns), type=kind,
                                        episode_id=episode_id, task=task, text=text)


def joint_entries(topic: str, count: int, start_ns: int, period_ns: int,
                  width: int = 3) -> list[Entry]:
    """`count` JointState entries, position[i] = sample index + i / 10, header = log time."""
    return [Entry(topic, JOINT_STATE, start_ns + k * period_ns,
                  joint_state(start_ns + k * period_ns, [k + i / 10 for i in range(width)]))
            for k in range(count)]
