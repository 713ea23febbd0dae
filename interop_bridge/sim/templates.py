"""Pre-serialized message templates: a message laid out once, its changing values rewritten.

A template is a CDR payload buffer for one message shape (fixed sequence lengths and fixed
strings, laid out by `interop_bridge.cdr`) plus where each named value sits, so publishing
costs a few numpy writes (slices where the values are contiguous) and one `bytes` copy instead
of building a Python message object.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from interop_bridge.cdr import HEADER, Layout, MessageEncoder, layout_for_lengths
from interop_bridge.errors import MappingError
from interop_bridge.export.typestore import TypeDefinitions

NANOSECONDS = 1_000_000_000


@dataclass(frozen=True)
class _Target:
    """Where one named value (or run of values) sits in the payload."""

    dtype: np.dtype
    count: int
    start: int  # first byte, when the values are contiguous (else -1)
    index: np.ndarray | None  # byte index for scattered values


class MessageTemplate:
    """One message shape with its fixed strings written; numeric values are set by name."""

    def __init__(self, layout: Layout, patterns: Mapping[str, str | Sequence[str]]) -> None:
        self.layout = layout
        encoder = MessageEncoder(layout, {})
        self.buffer = encoder.new_buffer()  # the CDR payload, without the header
        self._targets = {name: self._target(paths) for name, paths in patterns.items()}

    def _target(self, paths: str | Sequence[str]) -> _Target:
        wanted = [paths] if isinstance(paths, str) else paths
        selected = [self.layout.offsets(path) for path in wanted]
        dtype = selected[0][1]
        if any(other != dtype for _, other in selected):
            msg = f'{self.layout.typename}: {paths!r} mixes value types'
            raise MappingError(msg)
        offsets = np.concatenate([found for found, _ in selected])
        if np.array_equal(offsets, offsets[0] + dtype.itemsize * np.arange(offsets.size)):
            return _Target(dtype, offsets.size, int(offsets[0]), None)
        index = (offsets[:, None] + np.arange(dtype.itemsize)).reshape(-1)
        return _Target(dtype, offsets.size, -1, index)

    def write(self, name: str, values: object) -> None:
        """Store the values of one named field: a scalar, or one value per element."""
        target = self._targets[name]
        array = np.asarray(values, dtype=target.dtype)
        if array.size != target.count:
            array = np.broadcast_to(array, (target.count,))
        raw = np.ascontiguousarray(array).reshape(-1).view(np.uint8)
        if target.index is None:
            self.buffer[target.start:target.start + raw.size] = raw
        else:
            self.buffer[target.index] = raw

    def write_block(self, path: str, data: np.ndarray) -> None:
        """Store a primitive array or sequence field by path, as raw bytes (images)."""
        leaf = self.layout.leaves[path]
        raw = np.ascontiguousarray(data).reshape(-1).view(np.uint8)
        self.buffer[leaf.offset:leaf.offset + raw.size] = raw

    def write_stamp(self, stamp_ns: int, path: str = 'header.stamp') -> None:
        """Store a builtin_interfaces/Time from integer nanoseconds."""
        seconds, nanoseconds = divmod(stamp_ns, NANOSECONDS)
        self.write(f'{path}.sec', seconds)
        self.write(f'{path}.nanosec', nanoseconds)

    def serialize(self) -> bytes:
        """The message as published: encapsulation header + payload."""
        return HEADER + self.buffer.tobytes()


def message_template(definitions: TypeDefinitions, typename: str,
                     patterns: Mapping[str, str | Sequence[str]], *,
                     lengths: Mapping[str, int] | None = None,
                     texts: Mapping[str, str] | None = None,
                     stamp_path: str | None = 'header.stamp') -> MessageTemplate:
    """Lay out one message shape and write its fixed strings.

    Args:
        definitions: rosbags parse trees of the type and its nested types.
        typename: The type ('pkg/msg/Name').
        patterns: Named numeric values to write later: a dotted path (`*` for all elements)
            or a list of paths of one type, written as one run (e.g. the x, y, z of a Vector3).
        lengths: Sequence lengths by dotted path (default 0).
        texts: Fixed string contents by dotted path (their lengths are derived).
        stamp_path: Path of a builtin_interfaces/Time to write with `write_stamp` (or None).

    Returns:
        The template, with length prefixes and strings in place and every number 0.
    """
    texts = dict(texts or {})
    all_lengths = dict(lengths or {})
    all_lengths.update({path: len(text.encode()) + 1 for path, text in texts.items()})
    layout = layout_for_lengths(definitions, typename, all_lengths)
    all_patterns = dict(patterns)
    if stamp_path:
        all_patterns.update({f'{stamp_path}.{part}': f'{stamp_path}.{part}'
                             for part in ('sec', 'nanosec')})
    template = MessageTemplate(layout, all_patterns)
    for path, text in texts.items():
        data = np.frombuffer(text.encode(), dtype=np.uint8)
        offset = layout.leaves[path].offset
        template.buffer[offset:offset + data.size] = data
    return template
