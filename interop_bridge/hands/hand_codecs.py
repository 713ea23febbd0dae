"""Hand codecs: a hand's wire messages <-> native joint values, tactile readings and targets.

Each codec reads state bytes into a `HandNative` (positions, velocities, efforts by slot;
tactile pressure, temperature and per-patch loss counters where the message has them) and
writes `HandTargets` (targets by slot) into command bytes, and reads recorded commands back,
all with the numpy CDR gather (interop_bridge/cdr.py) the body codecs use, for the live bridge
(one message) and the exporter (a batch). Two codecs:

- `unitree_dex3`: unitree_hg `HandState_` / `HandCmd_` (no CRC), one firmware generation each
  (hand_wire.py). A motor's `mode` is the bit field id (bits 0-3) | status (bits 4-6, 1 = FOC)
  | timeout (bit 7), as Unitree's SDK example and xr_teleoperate write it.
- `unitree_go_motors`: unitree_go `MotorStates_` / `MotorCmds_`, the motor arrays of Unitree's
  Inspire and BrainCo bridges (mode 1 = enabled); no tactile.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from interop_bridge.cdr import FieldGather, Layout, layout_from_sample
from interop_bridge.errors import MappingError
from interop_bridge.hands.hand_wire import (
    DEX3_GENERATIONS, NEWEST_DEX3, dex3_package, dex3_store, go_store)
from interop_bridge.vendors.codec import command_encoder, require_finite

FOC = 1                 # Dex3 status "FOC" (0 = lock)
TIMEOUT_BIT = 1 << 7    # Dex3: the firmware's own ~1 s command timeout
TAXELS = 12             # Dex3 PressSensorState_: 3 x 4


@dataclass(frozen=True)
class HandNative:
    """One hand's state in the vendor's units, by slot (a leading message axis when batched)."""

    position: np.ndarray
    velocity: np.ndarray
    effort: np.ndarray
    pressure: np.ndarray      # (patches, taxels); (0, 0) without tactile
    temperature: np.ndarray   # like pressure
    lost: np.ndarray          # (patches,) loss counters; empty when the message has none


@dataclass(frozen=True)
class HandTargets:
    """A hand command by slot, in the vendor's units."""

    position: np.ndarray
    velocity: np.ndarray
    stiffness: np.ndarray
    damping: np.ndarray
    enabled: np.ndarray       # bool


class _ShapeGather:
    """The named fields of one message type, the gather re-derived when the shape changes;
    fields a shape lacks (an empty tactile sequence) read as empty."""

    def __init__(self, fielddefs: Mapping[str, Any], typename: str,
                 patterns: Mapping[str, str]) -> None:
        self._fielddefs, self._typename, self._patterns = fielddefs, typename, dict(patterns)
        self._gather: FieldGather | None = None

    def one(self, raw: bytes | memoryview) -> dict[str, np.ndarray]:
        gather = self._gather_for(raw)
        values = gather.one(raw)
        return {name: values.get(name, np.zeros(0)) for name in self._patterns}

    def _gather_for(self, raw: bytes | memoryview) -> FieldGather:
        if self._gather is None or not self._gather.layout.matches(raw):
            try:
                layout = layout_from_sample(self._fielddefs, self._typename, raw)
            except MappingError as error:
                msg = f'{self._typename}: not this firmware generation\'s layout ({error})'
                raise MappingError(msg) from error
            self._gather = FieldGather(layout, _present(layout, self._patterns))
        return self._gather


def _present(layout: Layout, patterns: Mapping[str, str]) -> dict[str, str]:
    found = {}
    for name, pattern in patterns.items():
        try:
            layout.offsets(pattern)
        except MappingError:
            continue
        found[name] = pattern
    return found


class Dex3Codec:
    """unitree_hg HandState_ / HandCmd_ of one firmware generation."""

    state_type = 'unitree_hg/msg/HandState'
    command_type = 'unitree_hg/msg/HandCmd'

    def __init__(self, generation: str = NEWEST_DEX3) -> None:
        if generation not in DEX3_GENERATIONS:
            msg = f'Dex3 firmware {generation!r}: expected one of {list(DEX3_GENERATIONS)}'
            raise MappingError(msg)
        self.generation = generation
        self._package = dex3_package(generation)
        self._store = dex3_store(generation)
        self._state = _ShapeGather(self._store.fielddefs, f'{self._package}/msg/HandState', {
            'position': 'motor_state.*.q', 'velocity': 'motor_state.*.dq',
            'effort': 'motor_state.*.tau_est', 'pressure': 'press_sensor_state.*.pressure',
            'temperature': 'press_sensor_state.*.temperature',
            'lost': 'press_sensor_state.*.lost'})
        self._commands = _ShapeGather(self._store.fielddefs, f'{self._package}/msg/HandCmd', {
            'mode': 'motor_cmd.*.mode', 'position': 'motor_cmd.*.q',
            'velocity': 'motor_cmd.*.dq', 'stiffness': 'motor_cmd.*.kp',
            'damping': 'motor_cmd.*.kd'})

    def decode_state(self, raw: bytes | memoryview) -> HandNative:
        """One serialized HandState_ -> HandNative."""
        values = self._state.one(raw)
        pressure = values['pressure'].reshape(-1, TAXELS) if values['pressure'].size else \
            np.zeros((0, 0), np.float32)
        return HandNative(values['position'].astype(np.float64),
                          values['velocity'].astype(np.float64),
                          values['effort'].astype(np.float64), pressure=pressure,
                          temperature=values['temperature'].reshape(pressure.shape),
                          lost=values['lost'])

    def encode_command(self, targets: HandTargets) -> bytes:
        """HandTargets -> one serialized HandCmd_ (a motor per slot)."""
        count = _checked_targets(targets, self.command_type)
        encoder = _encoder(self._store.fielddefs, f'{self._package}/msg/HandCmd',
                           'motor_cmd', count)
        modes = np.arange(count) | np.where(targets.enabled, FOC << 4, 0)
        return _encode(encoder, targets, modes)

    def decode_command(self, raw: bytes | memoryview) -> HandTargets:
        """One serialized HandCmd_ -> HandTargets (enabled: status FOC)."""
        values = self._commands.one(raw)
        status = (values['mode'].astype(np.int64) >> 4) & 0b111
        return _targets(values, status == FOC)


class GoMotorsCodec:
    """unitree_go MotorStates_ / MotorCmds_ (Unitree's Inspire and BrainCo bridges)."""

    state_type = 'unitree_go/msg/MotorStates'
    command_type = 'unitree_go/msg/MotorCmds'

    def __init__(self, generation: str = '') -> None:
        del generation  # one wire format
        self._store = go_store()
        self._state = _ShapeGather(self._store.fielddefs, self.state_type, {
            'position': 'states.*.q', 'velocity': 'states.*.dq', 'effort': 'states.*.tau_est'})
        self._commands = _ShapeGather(self._store.fielddefs, self.command_type, {
            'mode': 'cmds.*.mode', 'position': 'cmds.*.q', 'velocity': 'cmds.*.dq',
            'stiffness': 'cmds.*.kp', 'damping': 'cmds.*.kd'})

    def decode_state(self, raw: bytes | memoryview) -> HandNative:
        """One serialized MotorStates_ -> HandNative (no tactile)."""
        values = self._state.one(raw)
        empty = np.zeros((0, 0), np.float32)
        return HandNative(values['position'].astype(np.float64),
                          values['velocity'].astype(np.float64),
                          values['effort'].astype(np.float64), pressure=empty,
                          temperature=empty, lost=np.zeros(0, np.uint32))

    def encode_command(self, targets: HandTargets) -> bytes:
        """HandTargets -> one serialized MotorCmds_ (a motor per slot)."""
        count = _checked_targets(targets, self.command_type)
        encoder = _encoder(self._store.fielddefs, self.command_type, 'cmds', count)
        return _encode(encoder, targets, targets.enabled.astype(np.int64))

    def decode_command(self, raw: bytes | memoryview) -> HandTargets:
        """One serialized MotorCmds_ -> HandTargets (enabled: mode 1)."""
        values = self._commands.one(raw)
        return _targets(values, values['mode'] == 1)


HandCodec = Dex3Codec | GoMotorsCodec


@dataclass(frozen=True)
class HandCodecInfo:
    """A hand codec as hand profiles name it."""

    state_type: str
    command_type: str
    generations: tuple[str, ...]   # firmware generations ('' : one wire format)
    build: Callable[[str], HandCodec]


HAND_CODECS: Mapping[str, HandCodecInfo] = {
    'unitree_dex3': HandCodecInfo(Dex3Codec.state_type, Dex3Codec.command_type,
                                  tuple(DEX3_GENERATIONS), Dex3Codec),
    'unitree_go_motors': HandCodecInfo(GoMotorsCodec.state_type, GoMotorsCodec.command_type,
                                       ('',), GoMotorsCodec),
}


def _checked_targets(targets: HandTargets, typename: str) -> int:
    """The slot count; MappingError for non-finite values (nothing is encoded)."""
    for name in ('position', 'velocity', 'stiffness', 'damping'):
        values = np.asarray(getattr(targets, name), dtype=np.float64)
        require_finite(values[targets.enabled], name, typename)
    return int(targets.position.shape[0])


def _encoder(fielddefs: Mapping[str, Any], typename: str, sequence: str, count: int) -> Any:
    return command_encoder(fielddefs, typename, {
        'mode': f'{sequence}.*.mode', 'position': f'{sequence}.*.q',
        'velocity': f'{sequence}.*.dq', 'stiffness': f'{sequence}.*.kp',
        'damping': f'{sequence}.*.kd'}, {sequence: count})


def _encode(encoder: Any, targets: HandTargets, modes: np.ndarray) -> bytes:
    buffer = encoder.new_buffer()
    encoder.write(buffer, 'mode', modes)
    for name in ('position', 'velocity', 'stiffness', 'damping'):
        encoder.write(buffer, name, np.where(targets.enabled, getattr(targets, name), 0.0))
    data: bytes = encoder.serialize(buffer)
    return data


def _targets(values: Mapping[str, np.ndarray], enabled: np.ndarray) -> HandTargets:
    position, velocity, stiffness, damping = (
        values[name].astype(np.float64) for name in ('position', 'velocity', 'stiffness',
                                                     'damping'))
    return HandTargets(position, velocity, stiffness, damping, np.asarray(enabled, dtype=bool))


def hand_codec(name: str, generation: str) -> HandCodec:
    """The codec a hand profile names, for its firmware generation ('' : the newest)."""
    info = HAND_CODECS[name]
    return info.build(generation or info.generations[-1])
