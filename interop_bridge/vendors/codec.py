"""Shared pieces of the vendor codecs: cached numpy layouts for decoding and encoding."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from interop_bridge.cdr import (
    FieldGather, Layout, MessageEncoder, layout_for_lengths, layout_from_sample)
from interop_bridge.errors import MappingError


class CachedGather:
    """Gathers named fields of one message type, re-deriving the layout when the shape changes.

    A vendor state message keeps one shape for the life of a robot (fixed arrays, constant
    sequence lengths), so the layout is derived once from the first message and then only
    verified per message (a few byte comparisons).
    """

    def __init__(self, fielddefs: Mapping[str, Any], typename: str,
                 patterns: Mapping[str, str]) -> None:
        self.fielddefs = fielddefs
        self.typename = typename
        self.patterns = dict(patterns)
        self._gather: FieldGather | None = None

    @property
    def layout(self) -> Layout | None:
        """The layout of the last message decoded."""
        return self._gather.layout if self._gather else None

    def _gather_for(self, raw: bytes | memoryview) -> FieldGather:
        if self._gather is None or not self._gather.layout.matches(raw):
            layout = layout_from_sample(self.fielddefs, self.typename, raw)
            self._gather = FieldGather(layout, self.patterns)
        return self._gather

    def one(self, raw: bytes | memoryview) -> dict[str, np.ndarray]:
        """Field values of one message."""
        return self._gather_for(raw).one(raw)

    def many(self, raws: Sequence[bytes]) -> dict[str, np.ndarray]:
        """Field values of many messages, (messages, n) each; messages may differ in shape."""
        groups: list[tuple[FieldGather, list[int]]] = []
        for index, raw in enumerate(raws):
            gather = self._gather_for(raw)
            if not groups or groups[-1][0] is not gather:
                groups.append((gather, []))
            groups[-1][1].append(index)
        if len(groups) == 1:
            return groups[0][0].many(raws)
        parts = [(gather.many([raws[i] for i in indices]), indices) for gather, indices in groups]
        return {name: _stack_parts(parts, name, len(raws)) for name in self.patterns}


def _stack_parts(parts: list[tuple[dict[str, np.ndarray], list[int]]], name: str,
                 count: int) -> np.ndarray:
    widths = {values[name].shape[1] for values, _ in parts}
    if len(widths) != 1:
        msg = f'field {name!r} changes length within one stream: {sorted(widths)}'
        raise MappingError(msg)
    first = parts[0][0][name]
    out = np.empty((count, first.shape[1]), dtype=first.dtype)
    for values, indices in parts:
        out[indices] = values[name]
    return out


def command_encoder(fielddefs: Mapping[str, Any], typename: str,
                    patterns: Mapping[str, str],
                    lengths: Mapping[str, int] | None = None) -> MessageEncoder:
    """An encoder for a vendor command type with the given sequence lengths."""
    return MessageEncoder(layout_for_lengths(fielddefs, typename, lengths), patterns)


def scatter_slots(slot_count: int, slots: np.ndarray, values: np.ndarray,
                  fill: float = 0.0) -> np.ndarray:
    """An array over all vendor slots with `values` at `slots` and `fill` elsewhere."""
    out = np.full(slot_count, fill, dtype=np.float64)
    out[slots] = values
    return out


def check_finite_command(values: Mapping[str, np.ndarray], typename: str) -> None:
    """Last guard before bytes go to a robot: every value must be finite."""
    for name, array in values.items():
        if not np.isfinite(np.asarray(array, dtype=np.float64)).all():
            msg = f'{typename}: refusing to encode a non-finite {name}'
            raise MappingError(msg)
