"""Numpy access to CDR-serialized ROS 2 messages, from their message definitions.

A ROS 2 message on the wire (and in a rosbag2 file) is a 4-byte encapsulation header followed by
little-endian CDR: every primitive aligned to its own size (at most 8) from the start of the
payload, sequences and strings prefixed by a uint32 length. For a given *shape* (the lengths of
its sequences and strings) a message therefore has one fixed byte layout: every value sits at a
known offset, and numpy can gather the values without building any Python message object.

`layout_from_sample` builds the layout of the shape of a received message; `layout_for_lengths`
builds one from given sequence lengths (to encode). A layout records the bytes that fixed its
shape (length prefixes, string contents) as guards: any later message of the same size whose
guards match has the same layout. Vendor motor arrays (35 Unitree motors, a Booster serial
sequence) and `sensor_msgs/JointState` with a constant name list are constant layouts, so the
live bridge decodes each message with one gather, and the exporter decodes a whole batch of a
bag at once (`FieldGather.many`).

Values are addressed by dotted paths (`imu_state.quaternion`, `header.stamp.sec`); elements of
arrays of nested messages by index, and `*` selects all of them in order: `motor_state.*.q`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from interop_bridge.errors import MappingError

HEADER = b'\x00\x01\x00\x00'  # CDR little-endian encapsulation, no options
HEADER_SIZE = len(HEADER)
PRIMITIVES: dict[str, str] = {
    'bool': '?', 'byte': 'u1', 'char': 'u1', 'octet': 'u1', 'int8': 'i1', 'uint8': 'u1',
    'int16': '<i2', 'uint16': '<u2', 'int32': '<i4', 'uint32': '<u4', 'int64': '<i8',
    'uint64': '<u8', 'float32': '<f4', 'float64': '<f8'}
BASE, NAME, ARRAY, SEQUENCE = 1, 2, 3, 4  # rosbags Nodetype values

# The length of the sequence or string at a dotted path: (path, payload offset, is_string) ->
# element count (for a string: bytes including the terminating NUL).
LengthSource = Callable[[str, int, bool], int]


@dataclass(frozen=True)
class Leaf:
    """One primitive value, or a run of them, at a payload offset."""

    offset: int
    dtype: np.dtype
    count: int  # 1 for a scalar; n for a primitive array or sequence; bytes for a string


@dataclass(frozen=True)
class Layout:
    """The byte layout of one message shape."""

    typename: str
    size: int  # payload bytes (without the encapsulation header)
    leaves: Mapping[str, Leaf]
    guards: tuple[tuple[int, bytes], ...] = ()  # (payload offset, bytes) that fix the shape

    def matches(self, raw: bytes | memoryview) -> bool:
        """Whether a serialized message (with header) has exactly this layout."""
        if len(raw) - HEADER_SIZE not in (self.size, self.size + (-self.size % 4)):
            return False
        start = HEADER_SIZE
        return all(raw[start + offset:start + offset + len(expected)] == expected
                   for offset, expected in self.guards)

    def offsets(self, pattern: str) -> tuple[NDArray[np.intp], np.dtype]:
        """Payload byte offsets of every value a path pattern selects, and their dtype.

        `*` stands for one path component: an element index (`motor_state.*.q`, in index
        order) or a field name (`imu.orientation.*`, in definition order).
        """
        regex = re.compile('^' + re.escape(pattern).replace(r'\*', r'([^.]+)') + '$')
        matched = []
        for path, leaf in self.leaves.items():  # definition order
            found = regex.match(path)
            if found:
                matched.append((found.groups(), leaf))
        if not matched:
            msg = f'{self.typename} has no field {pattern!r}'
            raise MappingError(msg)
        if all(group.isdigit() for groups, _ in matched for group in groups):
            matched.sort(key=lambda item: tuple(int(group) for group in item[0]))
        dtypes = {leaf.dtype for _, leaf in matched}
        if len(dtypes) != 1 or matched[0][1].dtype.kind == 'S':
            msg = f'{self.typename}: {pattern!r} does not select numeric values of one type'
            raise MappingError(msg)
        dtype = dtypes.pop()
        offsets = [leaf.offset + k * dtype.itemsize for _, leaf in matched
                   for k in range(leaf.count)]
        return np.asarray(offsets, dtype=np.intp), dtype

    def string(self, raw: bytes | memoryview, path: str) -> str:
        """Decode one string field of a message with this layout."""
        leaf = self.leaves[path]
        start = HEADER_SIZE + leaf.offset
        return bytes(raw[start:start + leaf.count]).rstrip(b'\x00').decode()


@dataclass
class FieldGather:
    """Precomputed gather of named numeric fields of one layout: one fancy index per message.

    Fields of the same byte width share one gather (one numpy indexing operation per width for
    every field of a message), then are split into per-field views.
    """

    layout: Layout
    patterns: Mapping[str, str]
    _groups: list[tuple[NDArray[np.intp], list[tuple[str, np.dtype, int, int]]]] = field(
        init=False, repr=False)

    def __post_init__(self) -> None:
        by_width: dict[int, list[tuple[str, NDArray[np.intp], np.dtype]]] = {}
        for name, pattern in self.patterns.items():
            offsets, dtype = self.layout.offsets(pattern)
            by_width.setdefault(dtype.itemsize, []).append((name, offsets, dtype))
        self._groups = []
        for width, fields in by_width.items():
            index = np.concatenate([offsets for _, offsets, _ in fields])
            bytes_index = (index[:, None] + np.arange(width)) + HEADER_SIZE
            spans, start = [], 0
            for name, offsets, dtype in fields:
                spans.append((name, dtype, start, start + len(offsets)))
                start += len(offsets)
            self._groups.append((bytes_index, spans))

    def one(self, raw: bytes | memoryview) -> dict[str, np.ndarray]:
        """Field values of one message: name -> 1-D array."""
        buffer = np.frombuffer(raw, dtype=np.uint8)
        values = {}
        for index, spans in self._groups:
            gathered = buffer[index]  # (n, width) bytes, a fresh contiguous array
            for name, dtype, start, stop in spans:
                values[name] = gathered[start:stop].view(dtype).reshape(-1)
        return values

    def many(self, raws: Sequence[bytes]) -> dict[str, np.ndarray]:
        """Field values of many messages of this layout: name -> (messages, n) array."""
        count = len(raws)
        buffer = np.frombuffer(b''.join(raws), dtype=np.uint8).reshape(count, len(raws[0]))
        values = {}
        for index, spans in self._groups:
            gathered = buffer[:, index]  # (messages, n, width)
            for name, dtype, start, stop in spans:
                part = np.ascontiguousarray(gathered[:, start:stop])
                values[name] = part.view(dtype).reshape(count, -1)
        return values


class _Builder:
    """Walks a definition, collecting leaves at payload offsets."""

    def __init__(self, fielddefs: Mapping[str, Any], length_of: LengthSource,
                 limit: int | None = None, typename: str = '') -> None:
        self.fielddefs = fielddefs
        self.typename = typename
        self.length_of = length_of
        self.limit = limit  # payload bytes of a received message: a layout cannot be longer
        self.leaves: dict[str, Leaf] = {}
        self.length_prefixes: list[tuple[int, int]] = []  # (offset, count)
        self.strings: list[tuple[int, int]] = []  # (offset, bytes)

    def message(self, typename: str, prefix: str, offset: int) -> int:
        if typename not in self.fielddefs:
            msg = f'no definition for message type {typename!r}'
            raise MappingError(msg)
        for name, desc in self.fielddefs[typename][1]:
            offset = self.field(f'{prefix}{name}', desc, offset)
        return offset

    def field(self, path: str, desc: tuple[int, Any], offset: int) -> int:
        kind, detail = desc
        if kind == BASE:
            return self.base(path, detail[0], offset)
        if kind == NAME:
            return self.message(detail, f'{path}.', offset)
        element, count = detail
        if kind == SEQUENCE:
            offset = _align(offset, 4)
            count = self.length_of(path, offset, False)
            self.length_prefixes.append((offset, count))
            offset += 4
            if self.limit is not None and count > self.limit - offset:
                msg = (f'{self.typename}: message too short at {path!r} ({self.limit} bytes, '
                       f'a sequence of {count} elements from byte {offset}: not this type, '
                       'or corrupt)')
                raise MappingError(msg)
        return self.array(path, element, count, offset)

    def base(self, path: str, typename: str, offset: int) -> int:
        if typename in ('string', 'wstring'):
            offset = _align(offset, 4)
            length = self.length_of(path, offset, True)
            self.length_prefixes.append((offset, length))
            self.leaves[path] = Leaf(offset + 4, np.dtype('S1'), length)
            self.strings.append((offset + 4, length))
            return offset + 4 + length
        dtype = np.dtype(PRIMITIVES[typename])
        offset = _align(offset, dtype.itemsize)
        self.leaves[path] = Leaf(offset, dtype, 1)
        return offset + dtype.itemsize

    def array(self, path: str, element: tuple[int, Any], count: int, offset: int) -> int:
        kind, detail = element
        if kind == BASE and detail[0] in PRIMITIVES:
            dtype = np.dtype(PRIMITIVES[detail[0]])
            offset = _align(offset, dtype.itemsize) if count else offset
            self.leaves[path] = Leaf(offset, dtype, count)
            return offset + dtype.itemsize * count
        for index in range(count):
            offset = self.field(f'{path}.{index}', element, offset)
        return offset


def _align(offset: int, size: int) -> int:
    return offset + (-offset % min(size, 8))


def layout_from_sample(fielddefs: Mapping[str, Any], typename: str,
                       raw: bytes | memoryview) -> Layout:
    """The layout of the shape of one serialized message (with header)."""
    payload = bytes(raw[HEADER_SIZE:])

    def read_length(path: str, offset: int, _is_string: bool) -> int:
        if offset + 4 > len(payload):
            msg = f'{typename}: message too short at {path!r} ({len(payload)} bytes)'
            raise MappingError(msg)
        return int.from_bytes(payload[offset:offset + 4], 'little')

    builder = _Builder(fielddefs, read_length, len(payload), typename)
    size = builder.message(typename, '', 0)
    if size > len(payload):
        msg = f'{typename}: message has {len(payload)} bytes, its layout needs {size}'
        raise MappingError(msg)
    guards = [(offset, payload[offset:offset + 4]) for offset, _ in builder.length_prefixes]
    guards += [(offset, payload[offset:offset + length]) for offset, length in builder.strings]
    return Layout(typename, size, builder.leaves, tuple(sorted(guards)))


def layout_for_lengths(fielddefs: Mapping[str, Any], typename: str,
                       lengths: Mapping[str, int] | None = None) -> Layout:
    """The layout for given sequence lengths by dotted path (default 0; strings empty)."""
    lengths = lengths or {}
    builder = _Builder(fielddefs, lambda path, _offset, is_string:
                       lengths.get(path, 1 if is_string else 0))
    size = builder.message(typename, '', 0)
    guards = tuple((offset, int(count).to_bytes(4, 'little'))
                   for offset, count in builder.length_prefixes)
    return Layout(typename, size, builder.leaves, guards)


@dataclass
class MessageEncoder:
    """Writes numeric fields into a template message of one layout and serializes it."""

    layout: Layout
    patterns: Mapping[str, str]
    _index: dict[str, tuple[NDArray[np.intp], np.dtype]] = field(init=False, repr=False)
    _template: NDArray[np.uint8] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._index = {}
        for name, pattern in self.patterns.items():
            offsets, dtype = self.layout.offsets(pattern)
            self._index[name] = (offsets[:, None] + np.arange(dtype.itemsize), dtype)
        self._template = np.zeros(self.layout.size + (-self.layout.size % 4), dtype=np.uint8)
        for offset, expected in self.layout.guards:
            self._template[offset:offset + len(expected)] = np.frombuffer(expected, np.uint8)

    def new_buffer(self) -> NDArray[np.uint8]:
        """A fresh payload buffer holding the template (length prefixes, zeros elsewhere)."""
        return self._template.copy()

    def write(self, buffer: NDArray[np.uint8], name: str, values: Any) -> None:
        """Store values (scalar or one per selected element) into a payload buffer."""
        index, dtype = self._index[name]
        data = np.ascontiguousarray(values, dtype=dtype)
        if data.shape != (index.shape[0],):  # a scalar for every element
            data = np.ascontiguousarray(np.broadcast_to(data, (index.shape[0],)))
        buffer[index] = data.view(np.uint8).reshape(index.shape)

    def read(self, buffer: NDArray[np.uint8], name: str) -> np.ndarray:
        """Read back values from a payload buffer."""
        index, dtype = self._index[name]
        return buffer[index].view(dtype).reshape(-1)

    def serialize(self, buffer: NDArray[np.uint8]) -> bytes:
        """The message bytes (with the encapsulation header) for a payload buffer."""
        return HEADER + buffer.tobytes()
