"""Native hand joints <-> canonical hand closure (0 = fully open, 1 = fully closed).

One core for the live bridge and the exporter, both directions, plain numpy:

- `read_closure(side, native)`: each joint's closure is (q - open) / (closed - open), from the
  hand profile's open and closed values, so every vendor's polarity and range (radians with a
  per-side sign, 0..1 with 1 = open, 0..1000 drive units) lands the same way; a channel driven
  by several joints (Dex3-1's two finger joints) reads their mean. Channels the hand lacks, and
  channels whose joints read NaN, are invalid (NaN closure), never 0.
- `command_targets(side, closure, commanded, last, policy)`: every joint of a commanded channel
  goes to open + c * (closed - open); a joint of a channel not commanded keeps `last`. A
  closure outside [0, 1] is clamped or rejects the whole command (the profile's limit_policy);
  NaN, a channel the hand lacks, or a wrong length always rejects it: `MappingError`, and
  nothing is sent. Targets always lie between open and closed, inside the native limits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from interop_bridge.errors import MappingError
from interop_bridge.hands.hand_profile import HandSide

CHANNELS = 7  # HandState.closure / HandCommand.closure (config/canonical.yaml hand_channels)


@dataclass(frozen=True)
class HandReading:
    """One hand's canonical reading."""

    closure: np.ndarray   # float32[CHANNELS], NaN where invalid
    valid: np.ndarray     # bool[CHANNELS]


def slot_count(side: HandSide) -> int:
    """How many entries the vendor's arrays of this side need (its largest slot + 1)."""
    return max(joint.slot for joint in side.joints) + 1


def side_slots(side: HandSide, count: int) -> np.ndarray:
    """A mask of the slots of `side` among `count` slots (a shared topic holds both sides)."""
    mask = np.zeros(count, dtype=bool)
    mask[[joint.slot for joint in side.joints if joint.slot < count]] = True
    return mask


def joint_closure(side: HandSide, native: Sequence[float] | np.ndarray) -> np.ndarray:
    """Each joint's closure, in the side's joint order, clipped to [0, 1] (NaN stays NaN)."""
    values = np.asarray(native, dtype=np.float64)
    if values.ndim != 1 or len(values) < slot_count(side):
        msg = (f'{side.side} hand: {slot_count(side)} native values needed (slots 0..'
               f'{slot_count(side) - 1}), got shape {values.shape}')
        raise MappingError(msg)
    slots = np.array([joint.slot for joint in side.joints])
    opened = np.array([joint.open for joint in side.joints])
    closed = np.array([joint.closed for joint in side.joints])
    closure: np.ndarray = np.clip((values[slots] - opened) / (closed - opened), 0.0, 1.0)
    return closure


def read_closure(side: HandSide, native: Sequence[float] | np.ndarray) -> HandReading:
    """The canonical closure of every channel from the native joint positions (by slot)."""
    per_joint = joint_closure(side, native)
    closure = np.full(CHANNELS, np.nan, dtype=np.float64)
    channels = np.array([joint.channel for joint in side.joints])
    for channel in np.unique(channels):
        closure[channel] = per_joint[channels == channel].mean()  # NaN if any joint is NaN
    valid = np.isfinite(closure)
    return HandReading(closure.astype(np.float32), valid)


def command_targets(side: HandSide, closure: Sequence[float] | np.ndarray,
                    commanded: Sequence[bool] | np.ndarray,
                    last: Sequence[float] | np.ndarray, limit_policy: str) -> np.ndarray:
    """Native targets by slot (float64[slot_count]) for a canonical hand command.

    `last`: the targets in force (by slot), kept for joints of channels not commanded.
    """
    wanted = _checked(side, np.asarray(closure, dtype=np.float64),
                      np.asarray(commanded, dtype=bool), limit_policy)
    targets = np.asarray(last, dtype=np.float64).copy()
    if targets.shape != (slot_count(side),):
        msg = (f'{side.side} hand: {slot_count(side)} targets in force needed, got shape '
               f'{targets.shape}')
        raise MappingError(msg)
    for joint in side.joints:
        if joint.channel in wanted:
            value = wanted[joint.channel]
            targets[joint.slot] = joint.open + value * (joint.closed - joint.open)
    return targets


def open_targets(side: HandSide) -> np.ndarray:
    """Native targets by slot that open the hand fully (the 'open' safe command)."""
    targets = np.zeros(slot_count(side))
    for joint in side.joints:
        targets[joint.slot] = joint.open
    return targets


def _checked(side: HandSide, closure: np.ndarray, commanded: np.ndarray,
             limit_policy: str) -> dict[int, float]:
    """The commanded closure per channel, checked; MappingError for a command to refuse."""
    if closure.shape != (CHANNELS,) or commanded.shape != (CHANNELS,):
        msg = (f'{side.side} hand command: closure and commanded need {CHANNELS} entries, got '
               f'{closure.shape[0] if closure.ndim else 0} and '
               f'{commanded.shape[0] if commanded.ndim else 0}')
        raise MappingError(msg)
    present = {joint.channel for joint in side.joints}
    wanted: dict[int, float] = {}
    for channel in np.flatnonzero(commanded).tolist():
        value = float(closure[channel])
        if channel not in present:
            msg = f'{side.side} hand command: channel {channel} commanded, the hand has none'
            raise MappingError(msg)
        if not np.isfinite(value):
            msg = f'{side.side} hand command: channel {channel} closure is {value}'
            raise MappingError(msg)
        if not 0.0 <= value <= 1.0:
            if limit_policy == 'reject':
                msg = (f'{side.side} hand command: channel {channel} closure {value:g} outside '
                       '[0, 1] (limit_policy: reject)')
                raise MappingError(msg)
            value = min(max(value, 0.0), 1.0)
        wanted[channel] = value
    return wanted
