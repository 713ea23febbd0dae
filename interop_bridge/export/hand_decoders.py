"""Recorded vendor hand topics -> the dataset's hand values, through the bridge's hand core.

A vendor recording (`ros2 bag record` of a robot with dexterous hands) holds the hands' own
topics beside the body's (Dex3-1: /dex3/<side>/state and /cmd). `find_hand_profile` picks the
shipped hand profile whose every state topic is recorded with its state type; the decoders
read those topics with the hand's codec and closure mapping (hands/closure.py, the same as the
live bridge):

- state -> `hand` (both sides' 14 channels; this topic's sides filled, NaN elsewhere and where
  invalid) and `hand_valid` (this topic's sides' channels 0/1, NaN elsewhere: another topic
  says), plus per tactile pad `tactile.<side>.<patch>` (NaN where a taxel gave no reading)
  and `tactile.<side>.<patch>_valid`;
- commands -> `action.hand` (the closure each enabled joint's target stands for, a channel's
  joints averaged) and `action.hand_valid`.
Hand states carry no vendor stamp: they are resampled by their recorded (receive) times.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from interop_bridge.canonical import CanonicalSpec
from interop_bridge.export.topic_decoders import Chunk
from interop_bridge.hands.closure import CHANNELS, joint_closure, read_closure
from interop_bridge.hands.hand_codecs import hand_codec
from interop_bridge.hands.hand_profile import (
    HandProfile, HandSide, load_hand_profile, shipped_hand_profiles)
from interop_bridge.hands.tactile import read_tactile


def tactile_key(side: str, patch: str) -> str:
    """The decoded value name of one tactile pad."""
    return f'tactile.{side}.{patch}'


def find_hand_profile(topics: Mapping[str, Any], where: Any) -> HandProfile | None:
    """The shipped hand profile whose state topics are all recorded with its state type.

    `where(topic)` gives the recorded name of a profile topic (the robot's namespace rules).
    """
    for name in shipped_hand_profiles():
        profile = load_hand_profile(name)
        states = {where(side.state_topic) for side in profile.sides}
        if all(topic in topics and topics[topic].msgtype == profile.state_type
               for topic in states):
            return profile
    return None


class _HandTopicDecoder:
    """A vendor hand topic read by `sides` of a hand profile, into both sides' 14 columns."""

    def __init__(self, profile: HandProfile, sides: list[HandSide], spec: CanonicalSpec,
                 typename: str) -> None:
        self.profile, self.sides, self.typename = profile, sides, typename
        self.codec = hand_codec(profile.codec, profile.firmware)
        self._offsets = {side.side: spec.hand_sides.index(side.side) * CHANNELS
                         for side in sides}


class VendorHandStateDecoder(_HandTopicDecoder):
    """One vendor hand state topic -> closures, validity and tactile pads of its sides."""

    def __init__(self, profile: HandProfile, sides: list[HandSide], spec: CanonicalSpec) -> None:
        super().__init__(profile, sides, spec, profile.state_type)

    def decode(self, raws: list[bytes]) -> Chunk:
        """Decode hand states; the other topics' columns are NaN."""
        count = len(raws)
        closure = np.full((count, 2 * CHANNELS), np.nan)
        valid = np.full((count, 2 * CHANNELS), np.nan)
        pads: dict[str, np.ndarray] = {}
        for row, raw in enumerate(raws):
            native = self.codec.decode_state(raw)
            for side in self.sides:
                columns = slice(self._offsets[side.side], self._offsets[side.side] + CHANNELS)
                reading = read_closure(side, native.position)
                present = _channels(side)
                closure[row, columns] = np.where(reading.valid, reading.closure, np.nan)
                valid[row, columns] = np.where(present, reading.valid, 0.0)
                for found in read_tactile(self.profile.tactile, native.pressure,
                                          native.temperature):
                    key = tactile_key(side.side, found.patch)
                    pads.setdefault(key, np.zeros((count, found.values.size)))[row] = \
                        found.values
                    pads.setdefault(f'{key}_valid', np.zeros((count, found.valid.size)))[
                        row] = found.valid
        return Chunk({'hand': closure, 'hand_valid': valid, **pads}, None)


class VendorHandCommandDecoder(_HandTopicDecoder):
    """One vendor hand command topic -> the closures its targets stand for."""

    def __init__(self, profile: HandProfile, sides: list[HandSide], spec: CanonicalSpec) -> None:
        super().__init__(profile, sides, spec, profile.command_type)

    def decode(self, raws: list[bytes]) -> Chunk:
        """Decode hand commands: a channel is commanded when all its joints are enabled."""
        count = len(raws)
        action = np.full((count, 2 * CHANNELS), np.nan)
        commanded = np.full((count, 2 * CHANNELS), np.nan)
        for row, raw in enumerate(raws):
            targets = self.codec.decode_command(raw)
            for side in self.sides:
                start = self._offsets[side.side]
                per_joint = joint_closure(side, targets.position)
                enabled = np.array([bool(targets.enabled[joint.slot]) for joint in side.joints])
                commanded[row, start:start + CHANNELS] = 0.0
                for channel in {joint.channel for joint in side.joints}:
                    mine = np.array([joint.channel == channel for joint in side.joints])
                    if enabled[mine].all():
                        action[row, start + channel] = per_joint[mine].mean()
                        commanded[row, start + channel] = 1.0
        return Chunk({'action.hand': action, 'action.hand_valid': commanded}, None)


def _channels(side: HandSide) -> np.ndarray:
    present = np.zeros(CHANNELS, dtype=bool)
    present[[joint.channel for joint in side.joints]] = True
    return present
