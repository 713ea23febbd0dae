"""What a vendor codec is, and the numpy pieces every codec shares.

A codec turns one adapter's wire messages into vendor-native records and back, in both
directions, with the same functions for the live bridge (one message) and the exporter (a batch
of recorded messages). The registry (interop_bridge.vendors.registry) builds one per profile.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import numpy as np

from interop_bridge.cdr import (
    FieldGather, Layout, MessageEncoder, layout_for_lengths, layout_from_sample)
from interop_bridge.errors import MappingError
from interop_bridge.vendors.native import NativeCommand, NativeState

FieldDefs = Mapping[str, Any]  # rosbags field definitions by type name
COMMAND_FIELDS = ('position', 'velocity', 'effort', 'stiffness', 'damping')


class VendorCodec(Protocol):
    """State in and commands out for the bridge; state and commands in for the exporter."""

    @property
    def state_type(self) -> str:
        """ROS type of the vendor state message ('unitree_hg/msg/LowState')."""

    @property
    def command_type(self) -> str:
        """ROS type of the vendor command message."""

    def decode_state(self, raw: bytes | memoryview) -> NativeState:
        """One serialized vendor state message -> NativeState."""

    def decode_states(self, raws: Sequence[bytes]) -> NativeState:
        """Serialized vendor state messages -> NativeState with a leading message dimension."""

    def encode_command(self, command: NativeCommand, slots: np.ndarray,
                       state: NativeState) -> bytes:
        """A checked command over the profile's joints (at `slots`) -> serialized command."""

    def decode_commands(self, raws: Sequence[bytes]) -> NativeCommand:
        """Serialized vendor commands -> NativeCommand over the wire's slots, batched."""


class CachedGather:
    """Gathers named fields of one message type, re-deriving the layout when the shape changes.

    A vendor state message keeps one shape for the life of a robot (fixed arrays, constant
    sequence lengths), so the layout is derived once from the first message and then only
    verified per message (a few byte comparisons).
    """

    def __init__(self, fielddefs: FieldDefs, typename: str,
                 patterns: Mapping[str, str]) -> None:
        self.fielddefs = fielddefs
        self.typename = typename
        self.patterns = dict(patterns)
        self._gather: FieldGather | None = None

    @property
    def layout(self) -> Layout | None:
        """The layout of the last message decoded."""
        return self._gather.layout if self._gather else None

    def layout_for(self, raw: bytes | memoryview) -> Layout:
        """The layout of one message (derived from it when its shape is new)."""
        return self._gather_for(raw).layout

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


def command_encoder(fielddefs: FieldDefs, typename: str, patterns: Mapping[str, str],
                    lengths: Mapping[str, int] | None = None) -> MessageEncoder:
    """An encoder for a vendor command type with the given sequence lengths."""
    return MessageEncoder(layout_for_lengths(fielddefs, typename, lengths), patterns)


def check_finite_command(command: NativeCommand, typename: str) -> None:
    """Last guard before bytes go to a robot: every value of an enabled joint is finite."""
    for name in COMMAND_FIELDS:
        values = np.asarray(getattr(command, name), dtype=np.float64)
        require_finite(values[command.enabled], name, typename)


def require_finite(values: np.ndarray, name: str, typename: str) -> None:
    """Refuse to encode non-finite values (MappingError naming the field and the values)."""
    bad = ~np.isfinite(values)
    if bad.any():
        msg = (f'{typename}: refusing to encode a non-finite {name} '
               f'({np.asarray(values)[bad].tolist()[:4]} at {np.flatnonzero(bad).tolist()[:4]})')
        raise MappingError(msg)


def spread_to_slots(command: NativeCommand, slots: np.ndarray, count: int,
                    typename: str) -> dict[str, np.ndarray]:
    """Per-slot arrays of every command field (0 at disabled slots), and 'enabled'."""
    if slots.shape != command.position.shape or (slots < 0).any() or (slots >= count).any():
        msg = f'{typename}: command slots {slots.tolist()} do not fit {count} motors'
        raise MappingError(msg)
    out = {}
    for name in COMMAND_FIELDS:
        full = np.zeros(count)
        full[slots] = np.where(command.enabled, getattr(command, name), 0.0)
        out[name] = full
    enabled = np.zeros(count, dtype=bool)
    enabled[slots] = command.enabled
    out['enabled'] = enabled
    return out
