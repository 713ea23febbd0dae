"""The decoded values of an episode's topics: which dataset feature each feeds, which of its
columns a robot can have, and how several topics feeding one value combine.

A topic decoder (export/topic_decoders.py, export/hand_decoders.py) gives named values
('position', 'hand', 'tactile.left.index_tip' ...); `FEATURE_OF` and `decoded_key` map them to
the dataset's features, `present_columns` says which columns the robot's profile (and hand
profile) maps, and `combine_sources` joins values several topics feed (two hand sides, two
wrench sensors).
"""

from __future__ import annotations

import numpy as np

from interop_bridge.canonical import CanonicalSpec
from interop_bridge.dataset.features import MASK_PREFIX, mask_key
from interop_bridge.hands.hand_profile import HandProfile
from interop_bridge.profile import Profile

HOLD_KEYS = ('valid', 'imu_valid', 'wrench_valid', 'hand_valid', 'action', 'action_valid',
             'action.hand', 'action.hand_valid')
JOINT_VALUE_KEYS = ('position', 'velocity', 'effort', 'action')
FEATURE_OF = {  # decoded value -> dataset feature
    'position': 'observation.state', 'valid': mask_key('observation.state'),
    'velocity': 'observation.velocity', 'effort': 'observation.effort',
    'orientation': 'observation.imu.orientation',
    'angular_velocity': 'observation.imu.angular_velocity',
    'linear_acceleration': 'observation.imu.linear_acceleration',
    'imu_valid': mask_key('observation.imu'), 'wrench': 'observation.wrench',
    'wrench_valid': mask_key('observation.wrench'), 'hand': 'observation.hand',
    'hand_valid': mask_key('observation.hand'), 'action': 'action',
    'action_valid': mask_key('action'), 'action.hand': 'action.hand',
    'action.hand_valid': mask_key('action.hand'),
    'eef.position': 'observation.eef.position', 'eef.orientation': 'observation.eef.orientation',
    'eef_valid': mask_key('observation.eef')}


TACTILE = 'observation.tactile.'
_DECODED = {feature: key for key, feature in FEATURE_OF.items()}


def decoded_key(feature_key: str) -> str | None:
    """The decoded value a feature is made from ('observation.tactile.left.index_tip' from
    'tactile.left.index_tip', its mask from 'tactile.left.index_tip_valid'), None if none."""
    if feature_key.startswith(TACTILE):
        return 'tactile.' + feature_key[len(TACTILE):]
    if feature_key.startswith(mask_key(TACTILE)):
        return 'tactile.' + feature_key[len(mask_key(TACTILE)):] + '_valid'
    return _DECODED.get(feature_key)


def has_pad(hands: HandProfile | None, feature_key: str) -> bool:
    """Whether the hands of a robot have the tactile pad of a tactile feature."""
    if hands is None:
        return False
    side, _, patch = feature_key.removeprefix(MASK_PREFIX).removeprefix(TACTILE).partition('.')
    return side in {hand.side for hand in hands.sides} and \
        patch in {pad.patch for pad in hands.tactile}


def present_columns(profile: Profile, spec: CanonicalSpec, key: str, width: int,
                    hands: HandProfile | None = None) -> np.ndarray | None:
    """The columns of a decoded value the robot has (its profile maps them), None for all.

    Joint values and actions: the profile's canonical joints; hand closures: its grippers'
    columns and the channels of its hand profile's hands; wrenches: its sensors' six
    entries. NaN elsewhere is by design, never counted.
    """
    if key in JOINT_VALUE_KEYS:
        columns = [joint.index for joint in profile.joints]
    elif key in ('hand', 'action.hand'):
        channels = len(spec.hand_channels)
        columns = [spec.hand_sides.index(gripper.side) * channels + channels - 1
                   for gripper in profile.grippers]
        if hands is not None:
            columns += [spec.hand_sides.index(side.side) * channels + channel
                        for side in hands.sides for channel in hands.channels]
    elif key == 'wrench':
        slots = [spec.wrench_frames.index(sensor.frame) for sensor in profile.wrenches]
        columns = [6 * slot + entry for slot in slots for entry in range(6)]
    else:
        return None
    present = np.zeros(width, dtype=bool)
    present[[column for column in columns if column < width]] = True
    return present


def combine_sources(key: str, parts: list[np.ndarray], length: int) -> np.ndarray:
    """Several topics feeding one value (two hand sides, two wrench sensors): first valid wins;
    a validity flag is set where any topic sets it (NaN: the topic does not say)."""
    if len(parts) == 1:
        return parts[0][:length]  # a view: most values have one source
    if key.endswith('_valid'):
        return np.asarray(np.fmax.reduce([part[:length] for part in parts]))
    values = parts[0][:length].copy()
    for part in parts[1:]:
        fill = np.isnan(values)
        values[fill] = part[:length][fill]
    return values
