"""Every key of a hand profile, declared once: type, default, meaning and check.

A hand profile (config/hands/<name>.yaml) describes one model of dexterous hand, both sides:
how it is reached (transport, message types, topics per side), each native joint (slot in the
vendor's arrays, native limits, the native value at fully open and fully closed, the canonical
channel it drives) and its tactile patches. `interop_bridge.hands.hand_profile` reads it with
these declarations; `interop profile-keys` renders them in config/README.md. Checks across
keys (open and closed inside the limits, slots used once) are in hand_profile.
"""

from __future__ import annotations

import re
from interop_bridge.hands.hand_codecs import HAND_CODECS
from interop_bridge.profile_schema import (
    LIMIT_POLICIES, NATIVE_LIMIT, RATE_MAX_HZ, TIMEOUT_MAX_S, TOPIC_NAME)
from interop_bridge.schema import (
    Key, Rule, between, list_of, non_empty, number_pair_within, one_of)

TRANSPORTS = ('vendor_dds', 'ros2')
HAND_TIMEOUT_ACTIONS = ('open', 'hold', 'relax')
TACTILE_UNITS = ('raw', 'N', 'kPa', 'mN')
TAXEL_MAX = 4096  # taxels in one patch: Inspire's largest has 112, XHand's 120
GAIN_MAX = 1e3

_TYPE = re.compile(r'[a-z][a-z0-9_]*/msg/[A-Z][A-Za-z0-9]*')
_message_type = Rule(lambda value: _TYPE.fullmatch(value) is not None,
                     "a ROS message type 'package/msg/Name'")
_native = between(-NATIVE_LIMIT, NATIVE_LIMIT)
_slot = between(0, 1023)
_PATCH = re.compile(r'(thumb|index|middle|ring|pinky)_[a-z][a-z0-9_]*|palm(_[a-z0-9_]+)?')
_patch = Rule(lambda value: _PATCH.fullmatch(value) is not None,
              "'<finger>_<part>' (finger thumb, index, middle, ring or pinky; part such as "
              "tip, pad, nail) or 'palm[_<part>]'")


_taxels = Rule(lambda value: 1 <= value <= TAXEL_MAX, f'an integer from 1 to {TAXEL_MAX}')


HAND_TOP_KEYS = (
    Key('name', str, 'hand profile name; equals the file name without .yaml', check=non_empty),
    Key('vendor', str, 'vendor, lower case (unitree, inspire, brainco ...)', check=non_empty),
    Key('model', str, 'hand model, lower case (dex3_1, rh56dfx ...)', check=non_empty),
    Key('description', str, 'one line for humans', default=''),
    Key('transport', str, "how the hand is reached: 'vendor_dds' (the vendor's DDS topics "
        "beside the robot's) or 'ros2' (a vendor ROS 2 node)", check=one_of(*TRANSPORTS)),
    Key('codec', str, 'hand codec that reads state and writes commands (hand_codecs.py)',
        check=one_of(*HAND_CODECS)),
    Key('firmware', str, "firmware generation of the hand's messages, for codecs with several "
        "('': the newest); a codec of one generation mis-decodes another", default=''),
    Key('state_type', str, 'message type of hand state (the one the codec reads)',
        check=_message_type),
    Key('command_type', str, 'message type of hand commands (the one the codec writes)',
        check=_message_type),
    Key('native_unit', str, "unit of the native joint values ('rad', or the vendor's drive "
        "unit such as 'inspire_0_1', 'brainco_0_1000')", check=non_empty),
    Key('state_rate_hz', float, 'rate at which the hand publishes state [Hz]',
        check=between(0.0, RATE_MAX_HZ, above=True)),
    Key('stamp_source', str, 'header.stamp of canonical hand state: the receive time (no hand '
        'codec has a vendor stamp to read: Dex3, Inspire and BrainCo states carry none)',
        default='receive', check=one_of('receive')),
    Key('topics', dict, 'vendor topics of each side (left, right)'),
    Key('joints', list, 'one entry per native joint of the hand', check=non_empty),
    Key('command', dict, 'how canonical hand commands become vendor commands, and safety',
        default={}),
    Key('tactile', list, 'tactile patches, the same on both sides', default=[]),
)

HAND_SIDES_KEYS = (
    Key('left', dict, 'topics of the left hand'),
    Key('right', dict, 'topics of the right hand'),
)

HAND_TOPIC_KEYS = (
    Key('state', str, "vendor hand state topic ('/dex3/left/state' is DDS "
        'rt/dex3/left/state)', check=TOPIC_NAME),
    Key('command', str, 'vendor hand command topic', check=TOPIC_NAME),
    Key('tactile', str, 'vendor tactile topic, when tactile data travels apart from the '
        "state ('': in the state message, or none)", default='',
        check=Rule(lambda value: value == '' or TOPIC_NAME(value) is None,
                   f"'' or {TOPIC_NAME.expected}")),
)

HAND_JOINT_KEYS = (
    Key('native_name', str, "vendor joint name (the hand URDF's, without the side prefix)",
        check=non_empty),
    Key('channel', str, 'canonical hand channel this joint drives (config/canonical.yaml '
        'hand_channels); several joints may drive one channel', check=non_empty),
    Key('left', dict, 'the joint on the left hand'),
    Key('right', dict, 'the joint on the right hand'),
)

HAND_SIDE_JOINT_KEYS = (
    Key('slot', int, "index of the joint in the vendor's arrays for this side", check=_slot),
    Key('open', float, 'native value with the channel fully open (closure 0)', check=_native),
    Key('closed', float, 'native value with the channel fully closed (closure 1)',
        check=_native),
    Key('position', list, 'native position limits [low, high]; open and closed lie inside',
        check=number_pair_within(-NATIVE_LIMIT, NATIVE_LIMIT), kind_name='[low, high]'),
)

HAND_COMMAND_KEYS = (
    Key('limit_policy', str, 'what to do with a closure outside [0, 1]: clamp it, or reject '
        'the command', default='clamp', check=one_of(*LIMIT_POLICIES)),
    Key('timeout_s', float, 'command age after which the safe command is sent [s]',
        default=0.5, check=between(0.0, TIMEOUT_MAX_S, above=True)),
    Key('on_timeout', str, "safe command when commands stop: 'open' the hand, 'hold' the "
        "last targets, or 'relax' (zero gains)", default='hold',
        check=one_of(*HAND_TIMEOUT_ACTIONS)),
    Key('velocity', float, "dq sent with every target (Unitree's BrainCo bridge reads it as "
        'the speed)', default=0.0, check=between(0.0, GAIN_MAX)),
    Key('stiffness', float, 'kp sent with every target (drive units of the vendor)',
        default=0.0, check=between(0.0, GAIN_MAX)),
    Key('damping', float, 'kd sent with every target', default=0.0,
        check=between(0.0, GAIN_MAX)),
)

TACTILE_KEYS = (
    Key('patch', str, "canonical patch name without the side: '<finger>_<part>' or 'palm'",
        check=_patch),
    Key('source', int, "index of the patch in the vendor's tactile array (or field order)",
        check=_slot),
    Key('native_name', str, "the vendor's name of the patch", default=''),
    Key('rows', int, 'taxel rows of the grid', check=_taxels),
    Key('cols', int, 'taxel columns of the grid (readings row-major)', check=_taxels),
    Key('unit', str, "unit of the readings ('raw': uncalibrated vendor counts)",
        check=one_of(*TACTILE_UNITS)),
    Key('no_reading', list, "the vendor's sentinel values meaning 'no reading': they become "
        'invalid taxels, never values', default=[], check=list_of(float)),
    Key('valid_range', list, 'readings outside [low, high] are invalid taxels '
        '(default: any finite reading)', default=[-NATIVE_LIMIT, NATIVE_LIMIT],
        check=number_pair_within(-NATIVE_LIMIT, NATIVE_LIMIT), kind_name='[low, high]'),
)
