"""The C struct image of a fixed-size message, gathered straight from its CDR bytes.

Vendors that checksum a message (Unitree's CRC-32 over LowState and LowCmd) compute it over the
message as their C++ SDK holds it in memory: a struct with natural alignment (each primitive
aligned to its size, a nested struct to its largest member, every struct padded to a multiple
of its alignment, padding bytes zero). CDR aligns primitives the same way but does not pad
nested structs, so the two byte images differ. `StructImage` precomputes, for one message type
without sequences or strings, which CDR byte lands at which struct byte: building the image of
a message is then one numpy gather (and one per batch of recorded messages).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from interop_bridge.cdr import ARRAY, BASE, HEADER_SIZE, NAME, PRIMITIVES, layout_for_lengths
from interop_bridge.errors import MappingError

# (size, alignment, payload path -> offset inside the struct) of one struct type
_Struct = tuple[int, int, dict[str, int]]


def _align(offset: int, alignment: int) -> int:
    return offset + (-offset % alignment)


def _member(fielddefs: Mapping[str, Any], typename: str, path: str,
            desc: tuple[int, Any]) -> _Struct:
    """(size, alignment, leaf offsets relative to the member) of one member."""
    kind, detail = desc
    if kind == BASE and detail[0] in PRIMITIVES:
        size = np.dtype(PRIMITIVES[detail[0]]).itemsize
        return size, size, {path: 0}
    if kind == NAME:
        return struct_layout(fielddefs, detail, f'{path}.')
    if kind == ARRAY:
        element, count = detail
        if element[0] == BASE and element[1][0] in PRIMITIVES:  # one CDR leaf, like cdr.py
            size = np.dtype(PRIMITIVES[element[1][0]]).itemsize
            return size * count, size, {path: 0}
        size, alignment, _ = _member(fielddefs, typename, path, element)
        leaves: dict[str, int] = {}
        for index in range(count):
            _, _, inner = _member(fielddefs, typename, f'{path}.{index}', element)
            leaves.update({name: index * size + at for name, at in inner.items()})
        return size * count, alignment, leaves
    msg = f'{typename}.{path}: a sequence or string has no fixed C struct image'
    raise MappingError(msg)


def struct_layout(fielddefs: Mapping[str, Any], typename: str, prefix: str = '') -> _Struct:
    """Size, alignment and leaf offsets of a message type as a naturally aligned C struct."""
    if typename not in fielddefs:
        msg = f'no definition for message type {typename!r}'
        raise MappingError(msg)
    offset, alignment, leaves = 0, 1, {}
    for name, desc in fielddefs[typename][1]:
        size, member_alignment, inner = _member(fielddefs, typename, f'{prefix}{name}', desc)
        offset = _align(offset, member_alignment)
        leaves.update({path: offset + at for path, at in inner.items()})
        offset += size
        alignment = max(alignment, member_alignment)
    return _align(offset, alignment), alignment, leaves


def _runs(gather: NDArray[np.intp], padding: int) -> list[tuple[int, int, int]]:
    """The gather as block copies: (image start, payload start, width), padding left out."""
    runs: list[tuple[int, int, int]] = []
    for position, source in enumerate(gather.tolist()):
        if source == padding:
            continue
        if runs and runs[-1][0] + runs[-1][2] == position and \
                runs[-1][1] + runs[-1][2] == source:
            start, first, width = runs[-1]
            runs[-1] = (start, first, width + 1)
        else:
            runs.append((position, source, 1))
    return runs


class StructImage:
    """CDR bytes of one fixed-size message type -> its C struct image (uint8)."""

    def __init__(self, fielddefs: Mapping[str, Any], typename: str) -> None:
        self.typename = typename
        self.layout = layout_for_lengths(fielddefs, typename)
        self.size, _, struct_offsets = struct_layout(fielddefs, typename)
        # Payload byte to copy into each struct byte; padding reads the zero byte appended
        # after the payload.
        gather = np.full(self.size, self.layout.size, dtype=np.intp)
        for path, leaf in self.layout.leaves.items():
            width = leaf.dtype.itemsize * leaf.count
            start = struct_offsets[path]
            gather[start:start + width] = leaf.offset + np.arange(width)
        self._gather: NDArray[np.intp] = gather
        self._runs = _runs(gather, self.layout.size)

    def matches(self, raw: bytes | memoryview) -> bool:
        """Whether a serialized message (with header) has this type's one layout."""
        return self.layout.matches(raw)

    def of_payload(self, payload: NDArray[np.uint8]) -> NDArray[np.uint8]:
        """The image of one CDR payload (without the encapsulation header)."""
        padded = np.zeros(self.layout.size + 1, dtype=np.uint8)
        padded[:-1] = payload[:self.layout.size]
        image: NDArray[np.uint8] = padded[self._gather]
        return image

    def one(self, raw: bytes | memoryview) -> NDArray[np.uint8]:
        """The image of one serialized message (with header)."""
        self._require(raw)
        payload = np.frombuffer(raw, dtype=np.uint8)[HEADER_SIZE:]
        return self.of_payload(payload)

    def many(self, raws: Sequence[bytes]) -> NDArray[np.uint8]:
        """Images of serialized messages, (messages, size); every message must match."""
        for raw in raws:
            self._require(raw)
        return self.many_matching(raws)

    def many_matching(self, raws: Sequence[bytes]) -> NDArray[np.uint8]:
        """`many` for messages the caller has already checked with `matches`."""
        if len({len(raw) for raw in raws}) == 1:  # the usual case: one copy of all payloads
            payloads = np.frombuffer(b''.join(raws), dtype=np.uint8).reshape(len(raws), -1)
        else:
            payloads = np.stack([np.frombuffer(raw, dtype=np.uint8, count=self.layout.size
                                               + HEADER_SIZE) for raw in raws])
        images = np.zeros((len(raws), self.size), dtype=np.uint8)  # padding stays zero
        for start, source, width in self._runs:  # a few dozen block copies, all rows at once
            begin = HEADER_SIZE + source
            images[:, start:start + width] = payloads[:, begin:begin + width]
        return images

    def _require(self, raw: bytes | memoryview) -> None:
        if not self.layout.matches(raw):
            msg = (f'{self.typename}: {len(raw)} bytes do not have its layout '
                   f'({self.layout.size} payload bytes)')
            raise MappingError(msg)
