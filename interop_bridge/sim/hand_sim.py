"""A simulated dexterous hand pair on its vendor's wire format, for tests and demos.

`SimHands(profile)` holds both hands of a hand profile: every joint starts open and follows
the last vendor command it received with a first-order lag (time constant `LAG_S`), inside its
native limits. `state_messages(dt)` advances by dt and serializes one state message per vendor
state topic, as the hand's codec reads them (Dex3: HandState_ of the profile's firmware
generation with 3 x 4 pressure pads; Unitree's Inspire/BrainCo bridges: MotorStates_).

Tactile pads press with the closure of their finger: a pad reads its vendor baseline plus a
bump that grows with the finger's closure and moves across the pad as it closes, so a test
sees touch follow the grasp. Pads the profile names beyond `fitted_pads` read the vendor's
"no reading" value (Dex3: 30000), as unfitted pads do on the real hand.
"""

from __future__ import annotations

import numpy as np

from interop_bridge.cdr import MessageEncoder, layout_for_lengths
from interop_bridge.hands.closure import open_targets, read_closure, side_slots, slot_count
from interop_bridge.hands.hand_codecs import Dex3Codec, GoMotorsCodec, hand_codec
from interop_bridge.hands.hand_profile import HandProfile, HandSide, TactilePatch
from interop_bridge.hands.hand_wire import dex3_package, dex3_store, go_store

LAG_S = 0.05
PAD_RISE = 150000.0   # Dex3 counts added at full closure (raw, no unit)
FINGER_CHANNELS = {'thumb': (0, 1), 'index': (2,), 'middle': (3,), 'ring': (4,),
                   'pinky': (5,), 'palm': (2, 3, 4, 5)}


class SimHands:
    """Both hands of one hand profile, on their vendor topics."""

    def __init__(self, profile: HandProfile, fitted_pads: int = 6) -> None:
        self.profile = profile
        self.codec = hand_codec(profile.codec, profile.firmware)
        self.fitted_pads = fitted_pads
        self.topics = sorted({side.state_topic for side in profile.sides})
        count = {topic: max(slot_count(side) for side in profile.sides
                            if side.state_topic == topic) for topic in self.topics}
        self.position = {topic: np.zeros(count[topic]) for topic in self.topics}
        for side in profile.sides:
            self.position[side.state_topic][:slot_count(side)] += np.where(
                side_slots(side, slot_count(side)), open_targets(side), 0.0)
        self.target = {topic: values.copy() for topic, values in self.position.items()}
        self.commands = 0

    def apply_command(self, topic: str, raw: bytes) -> None:
        """Take one vendor command (its enabled slots' targets, clipped to the limits)."""
        targets = self.codec.decode_command(raw)
        for side in self.profile.sides:
            if side.command_topic != topic:
                continue
            for joint in side.joints:
                if joint.slot < len(targets.position) and targets.enabled[joint.slot]:
                    self.target[side.state_topic][joint.slot] = min(
                        max(float(targets.position[joint.slot]), joint.low), joint.high)
        self.commands += 1

    def state_messages(self, dt: float) -> dict[str, bytes]:
        """Advance dt seconds; one serialized state message per vendor state topic."""
        blend = 1.0 - np.exp(-max(dt, 0.0) / LAG_S)
        for topic in self.topics:
            self.position[topic] += (self.target[topic] - self.position[topic]) * blend
        return {topic: self._encode(topic) for topic in self.topics}

    def _encode(self, topic: str) -> bytes:
        position = self.position[topic]
        if isinstance(self.codec, Dex3Codec):
            side = next(side for side in self.profile.sides if side.state_topic == topic)
            return _dex3_state(self.codec.generation, position, self._pads(side))
        assert isinstance(self.codec, GoMotorsCodec)
        encoder = MessageEncoder(layout_for_lengths(go_store().fielddefs,
                                                    GoMotorsCodec.state_type,
                                                    {'states': len(position)}),
                                 {'q': 'states.*.q', 'mode': 'states.*.mode'})
        buffer = encoder.new_buffer()
        encoder.write(buffer, 'q', position)
        encoder.write(buffer, 'mode', 1)
        data: bytes = encoder.serialize(buffer)
        return data

    def _pads(self, side: HandSide) -> np.ndarray:
        """(patches, 12) Dex3 pressure in the vendor's counts."""
        closure = np.nan_to_num(read_closure(side, self.position[side.state_topic]).closure)
        rows = max((patch.source for patch in self.profile.tactile), default=-1) + 1
        pads = np.full((rows, 12), 30000.0)
        for patch in self.profile.tactile:
            if patch.source < self.fitted_pads:
                pads[patch.source] = _pad_reading(patch, closure)
        return pads


def _pad_reading(patch: TactilePatch, closure: np.ndarray) -> np.ndarray:
    """A bump on the pad: height with the finger's closure, centre moving along the rows."""
    finger = patch.patch.split('_')[0]
    amount = float(np.mean(closure[list(FINGER_CHANNELS.get(finger, (2,)))]))
    rows, cols = np.mgrid[0:patch.rows, 0:patch.cols]
    centre_row = amount * (patch.rows - 1)
    bump = np.exp(-((rows - centre_row) ** 2 + (cols - (patch.cols - 1) / 2) ** 2) / 2.0)
    return np.asarray(100000.0 + PAD_RISE * amount * bump, dtype=np.float64).reshape(-1)


def _dex3_state(generation: str, position: np.ndarray, pads: np.ndarray) -> bytes:
    package = dex3_package(generation)
    patterns = {'q': 'motor_state.*.q', 'mode': 'motor_state.*.mode'}
    if len(pads):
        patterns.update(pressure='press_sensor_state.*.pressure',
                        temperature='press_sensor_state.*.temperature')
    encoder = MessageEncoder(layout_for_lengths(
        dex3_store(generation).fielddefs, f'{package}/msg/HandState',
        {'motor_state': len(position), 'press_sensor_state': len(pads)}), patterns)
    buffer = encoder.new_buffer()
    encoder.write(buffer, 'q', position)
    encoder.write(buffer, 'mode', 1)
    if len(pads):
        encoder.write(buffer, 'pressure', pads.reshape(-1))
        encoder.write(buffer, 'temperature', 30.0)
    data: bytes = encoder.serialize(buffer)
    return data
