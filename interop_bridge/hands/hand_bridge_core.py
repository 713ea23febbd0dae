"""The hand part of the bridge, without rclpy: vendor hand bytes in, canonical hand samples
out; canonical hand commands in, vendor hand bytes out, with the body's safety.

One `HandPairCore` serves both hands of one hand profile. Sides may share topics (Unitree's
Inspire service carries both hands in one 12-motor message): a state message is read by every
side on its topic, and a command message always carries every slot of its topic, the other
side's at their targets in force.

Safety, as for body commands (interop_bridge/command_safety.py):
- a command is refused (MappingError, nothing sent) when it holds NaN, drives a channel the
  hand lacks, has a closure outside [0, 1] under `limit_policy: reject` (clamped otherwise), or
  arrives before any hand state: joints a command does not drive keep their measured
  positions, which must be known;
- targets always lie between each joint's open and closed values, inside its native limits
  (measured positions a command keeps are clipped to the limits);
- when a side's commands stop for `timeout_s`, its safe command is sent once (`open`: every
  joint to open; `hold`: the targets in force again; `relax`: zero gains), until the next
  command.
Hand state messages carry no vendor stamp for any shipped hand: samples are stamped on
receipt (`stamp_source` says so).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from interop_bridge.errors import MappingError
from interop_bridge.hands.closure import (
    command_targets, open_targets, read_closure, side_slots, slot_count)
from interop_bridge.hands.hand_codecs import HandNative, HandTargets, hand_codec
from interop_bridge.hands.hand_profile import SIDES, HandProfile, HandSide
from interop_bridge.hands.tactile import TactileReading, read_tactile


@dataclass(frozen=True)
class HandSample:
    """One side's canonical reading of one vendor state message."""

    side: str
    stamp_s: float
    closure: np.ndarray          # float32[7], NaN where invalid
    valid: np.ndarray            # bool[7]
    native_name: tuple[str, ...]
    native_position: np.ndarray  # the side's joints, in slot order
    native_velocity: np.ndarray
    native_effort: np.ndarray
    tactile: list[TactileReading]


@dataclass
class _SideState:
    last_command_s: float | None = None
    safe_sent: bool = False


class HandPairCore:
    """Both hands of one hand profile."""

    def __init__(self, profile: HandProfile, sides: tuple[str, ...] = SIDES) -> None:
        self.profile = profile
        self.codec = hand_codec(profile.codec, profile.firmware)
        self.sides = {name: profile.side(name) for name in sides}
        self._slots = {topic: max(slot_count(side) for side in self.sides.values()
                                  if side.command_topic == topic)
                       for topic in {side.command_topic for side in self.sides.values()}}
        self._targets: dict[str, np.ndarray | None] = dict.fromkeys(self._slots)
        self._measured: dict[str, np.ndarray | None] = dict.fromkeys(self.sides)
        self._state = {name: _SideState() for name in self.sides}

    def state_topics(self) -> dict[str, list[str]]:
        """Vendor state topic -> the sides read from it."""
        found: dict[str, list[str]] = {}
        for name, side in self.sides.items():
            found.setdefault(side.state_topic, []).append(name)
        return found

    def on_state(self, topic: str, raw: bytes | memoryview, now_s: float) -> list[HandSample]:
        """The samples of every side read from one vendor state message."""
        native = self.codec.decode_state(raw)
        return [self._sample(name, native, now_s) for name in self.state_topics()[topic]]

    def _sample(self, name: str, native: HandNative, now_s: float) -> HandSample:
        side = self.sides[name]
        reading = read_closure(side, native.position)
        slots = np.array([joint.slot for joint in side.joints])
        self._measured[name] = native.position.copy()
        return HandSample(name, now_s, reading.closure, reading.valid,
                          tuple(joint.native_name for joint in side.joints),
                          native.position[slots], _take(native.velocity, slots),
                          _take(native.effort, slots),
                          read_tactile(self.profile.tactile, native.pressure,
                                       native.temperature))

    def on_command(self, name: str, closure: np.ndarray, commanded: np.ndarray,
                   now_s: float) -> tuple[str, bytes]:
        """(vendor command topic, bytes) for one side's canonical command, or MappingError."""
        side = self.sides[name]
        last = self._in_force(side, name)
        targets = command_targets(side, closure, commanded, last[:slot_count(side)],
                                  self.profile.command.limit_policy)
        last[:slot_count(side)] = targets
        raw = self._encode(side.command_topic, last)
        self._targets[side.command_topic] = last
        self._state[name] = _SideState(now_s, False)
        return side.command_topic, raw

    def check_timeouts(self, now_s: float) -> list[tuple[str, str, bytes]]:
        """(side, topic, bytes) of the safe command of every side whose commands stopped."""
        sent = []
        for name, state in self._state.items():
            if state.last_command_s is None or state.safe_sent or \
                    now_s - state.last_command_s < self.profile.command.timeout_s:
                continue
            side = self.sides[name]
            topic, raw = self._safe_command(side)
            state.safe_sent = True
            sent.append((name, topic, raw))
        return sent

    def _safe_command(self, side: HandSide) -> tuple[str, bytes]:
        targets = self._targets[side.command_topic]
        assert targets is not None  # a command was sent before its timeout can run out
        action = self.profile.command.on_timeout
        if action == 'open':
            count = slot_count(side)
            targets[:count] = np.where(side_slots(side, count), open_targets(side),
                                       targets[:count])
        gains = 0.0 if action == 'relax' else None
        return side.command_topic, self._encode(side.command_topic, targets, gains)

    def _in_force(self, side: HandSide, name: str) -> np.ndarray:
        """The targets in force on the side's command topic (measured where none yet)."""
        current = self._targets[side.command_topic]
        if current is not None:
            return current.copy()
        measured = self._measured[name]
        if measured is None:
            msg = (f'{name} hand command refused: no hand state received yet (joints a '
                   'command does not drive keep their measured positions)')
            raise MappingError(msg)
        # The whole message's positions: on a shared topic the other side's slots too.
        in_force = np.zeros(self._slots[side.command_topic])
        count = min(len(measured), len(in_force))
        in_force[:count] = measured[:count]
        for other in self.sides.values():  # a measured position past a limit is not sent
            if other.command_topic == side.command_topic:
                for joint in other.joints:
                    in_force[joint.slot] = min(max(in_force[joint.slot], joint.low), joint.high)
        return in_force

    def _encode(self, topic: str, targets: np.ndarray, gains: float | None = None) -> bytes:
        command = self.profile.command
        count = len(targets)
        stiffness = command.stiffness if gains is None else gains
        damping = command.damping if gains is None else gains
        return self.codec.encode_command(HandTargets(
            position=targets, velocity=np.full(count, command.velocity),
            stiffness=np.full(count, stiffness), damping=np.full(count, damping),
            enabled=np.ones(count, dtype=bool)))


def _take(values: np.ndarray, slots: np.ndarray) -> np.ndarray:
    return values[slots] if values.size > int(slots.max()) else np.full(len(slots), np.nan)
