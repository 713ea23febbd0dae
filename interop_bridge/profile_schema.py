"""Every key of a robot profile, declared once: type, default, meaning and check.

`interop_bridge.profile` reads profiles with these declarations; `interop profile-keys` renders
them as the reference table in config/README.md. Every number has a finite range here (the
schema refuses NaN and infinities before any check): limits far beyond any robot, but bounded,
so nothing the bridge computes from a profile overflows the float32 fields of a vendor message.
Checks across keys (defaults within maxima, slots, names used once) are in profile_checks.
"""

from __future__ import annotations

import re
from typing import Any

from interop_bridge.schema import (
    Key, Rule, between, list_of, non_empty, number_pair_within, one_of)
from interop_bridge.vendors.registry import ADAPTERS, sections

ORIENTATIONS = ('quaternion_wxyz', 'quaternion_xyzw', 'rpy', 'none')
ADAPTER_ORIENTATION = ''  # imu.orientation default: what the adapter's IMU message gives
LIMIT_POLICIES = ('clamp', 'reject')
TIMEOUT_ACTIONS = ('damp', 'hold')
UNCOMMANDED_ACTIONS = ('hold_measured', 'hold_last', 'damp')
STAMP_SOURCES = ('receive', 'vendor')
NATIVE_LIMIT = 1e6  # native positions and gripper values: any unit, but float32-safe
SCALE_RANGE = (1e-6, 1e6)  # |scale|
OFFSET_LIMIT = 10.0  # [rad]
RATE_MAX_HZ = 10_000.0
TIMEOUT_MAX_S = 5.0  # a longer watchdog is no watchdog
VELOCITY_MAX = 1e4  # native velocity limit
EFFORT_MAX = 1e4  # [N*m]
STIFFNESS_MAX = 1e4  # [N*m/rad]
DAMPING_MAX = 1e3  # [N*m*s/rad]

_sign = Rule(lambda value: value in (1, -1), '+1 or -1')
_scale = Rule(lambda value: SCALE_RANGE[0] <= abs(value) <= SCALE_RANGE[1],
              f'a number with {SCALE_RANGE[0]:g} <= |scale| <= {SCALE_RANGE[1]:g}')
_native = between(-NATIVE_LIMIT, NATIVE_LIMIT)
_stiffness = between(0.0, STIFFNESS_MAX)
_damping = between(0.0, DAMPING_MAX)
_timeout = between(0.0, TIMEOUT_MAX_S, above=True)
# A ROS 2 topic name (rcl's rules): '/'-separated tokens of letters, digits and '_', none
# starting with a digit, optionally absolute ('/') or private ('~/').
_TOPIC = re.compile(r'(~/|/)?[A-Za-z_][A-Za-z0-9_]*(/[A-Za-z_][A-Za-z0-9_]*)*')
_topic = Rule(lambda value: _TOPIC.fullmatch(value) is not None,
              "a ROS topic name ('/'-separated tokens of letters, digits and '_', none "
              'starting with a digit)')
TOPIC_NAME = _topic  # the same rule for hand profiles
_topic_or_none = Rule(lambda value: value == '' or _TOPIC.fullmatch(value) is not None,
                      f"'' or {_topic.expected}")


def _source(value: Any) -> str | None:
    if isinstance(value, bool):
        return 'a slot index (integer >= 0) or a native joint name (string)'
    if isinstance(value, int) and value < 0:
        return 'a slot index >= 0'
    if isinstance(value, str) and not value:
        return 'a non-empty native joint name'
    return None


def _euler_order(value: Any) -> str | None:
    ok = isinstance(value, str) and sorted(value.lower()) == ['x', 'y', 'z'] and \
        (value.islower() or value.isupper())
    return None if ok else ("three axes, lower case for extrinsic (fixed frame, e.g. 'xyz' = "
                            "roll, then pitch, then yaw about fixed axes) or upper case for "
                            "intrinsic ('ZYX')")


def _adapter_sections() -> tuple[Key, ...]:
    """One top-level key per adapter options section (interop_bridge.vendors.registry)."""
    keys = []
    for section in sections():
        names = ', '.join(name for name, adapter in ADAPTERS.items()
                          if adapter.section == section)
        keys.append(Key(section, dict, f'options of adapter {names}', default={}))
    return tuple(keys)


TOP_KEYS = (
    Key('name', str, 'profile name; equals the file name without .yaml', check=non_empty),
    Key('vendor', str, 'vendor, lower case (unitree, booster, pal ...)', check=non_empty),
    Key('model', str, 'robot model, lower case (g1_29dof, t1 ...)', check=non_empty),
    Key('description', str, 'one line for humans', default=''),
    Key('adapter', str, 'vendor codec that reads state and writes commands',
        check=one_of(*ADAPTERS)),
    Key('state_rate_hz', float, 'rate at which the vendor publishes state [Hz]',
        check=between(0.0, RATE_MAX_HZ, above=True)),
    Key('stamp_source', str, 'header.stamp of canonical state: receive time, or the vendor '
        'stamp where the vendor message has one', default='receive',
        check=one_of(*STAMP_SOURCES)),
    Key('topics', dict, "vendor topic names: absolute ('/lowstate') as the vendor publishes "
        'them, whatever namespace the bridge runs in; relative ones resolve in the '
        "bridge's namespace (canonical topics always do)"),
    Key('imu', dict, 'base IMU conventions', default={}),
    Key('joint_defaults', dict, 'values every joint entry inherits unless it sets them',
        default={}),
    Key('joints', list, 'one entry per canonical joint the robot has', check=non_empty),
    Key('extra', list, 'vendor-only joints published as extras', default=[]),
    Key('wrenches', list, 'force/torque sensors', default=[]),
    Key('grippers', list, 'grippers read from the joint state', default=[]),
    Key('command', dict, 'how canonical commands become vendor commands, and safety'),
    Key('kinematics', dict, "the robot's kinematic model and where canonical frames sit on it "
        '(profile_kinematics.py)', default={}),
    *_adapter_sections(),
)

TOPIC_KEYS = (
    Key('state', str, "vendor state topic ('/lowstate' is DDS rt/lowstate; /joint_states "
        'for ros2_control)', check=_topic),
    Key('command', str, "vendor command topic ('/lowcmd' is DDS rt/lowcmd)", check=_topic),
    Key('imu', str, 'separate sensor_msgs/Imu topic (ros2_control)', default='',
        check=_topic_or_none),
)

IMU_KEYS = (
    Key('present', bool, 'whether the robot reports a base IMU', default=True),
    Key('frame', str, 'frame of the base IMU', default='imu_link', check=non_empty),
    Key('orientation', str, "how the vendor gives orientation ('': what the adapter's IMU "
        'message gives; none: no orientation, NaN)', default=ADAPTER_ORIENTATION,
        check=one_of(ADAPTER_ORIENTATION, *ORIENTATIONS)),
    Key('euler_order', str, 'axis order of vendor roll/pitch/yaw angles (orientation: rpy)',
        default='ZYX', check=_euler_order),
)

JOINT_KEYS = (
    Key('canonical', str, 'canonical joint name (config/canonical.yaml)', check=non_empty),
    Key('source', (int, str), 'vendor slot index, or native joint name for name-addressed '
        'robots', check=_source, kind_name='integer or string'),
    Key('native_name', str, 'vendor URDF joint name', check=non_empty),
    Key('sign', int, 'canonical = sign * scale * native + offset', default=1, check=_sign),
    Key('scale', float, 'unit factor native -> canonical (pi/180 for degrees)', default=1.0,
        check=_scale),
    Key('offset', float, 'canonical value of the native zero [rad]', default=0.0,
        check=between(-OFFSET_LIMIT, OFFSET_LIMIT)),
    Key('position', list, 'native position limits [low, high]',
        check=number_pair_within(-NATIVE_LIMIT, NATIVE_LIMIT), kind_name='[low, high]'),
    Key('velocity', float, 'native velocity limit [rad/s], symmetric',
        check=between(0.0, VELOCITY_MAX, above=True)),
    Key('effort', float, 'native effort limit [N*m], symmetric',
        check=between(0.0, EFFORT_MAX, above=True)),
    Key('stiffness', float, 'default kp [N*m/rad] when a command leaves stiffness empty; '
        'at most stiffness_max', default=0.0, check=_stiffness),
    Key('damping', float, 'default kd [N*m*s/rad] when a command leaves damping empty; '
        'at most damping_max', default=0.0, check=_damping),
    Key('stiffness_max', float, 'largest kp the bridge forwards', default=500.0,
        check=_stiffness),
    Key('damping_max', float, 'largest kd the bridge forwards', default=50.0,
        check=_damping),
)

EXTRA_KEYS = (
    Key('name', str, "extra joint name '<vendor>/<native_name>'", check=non_empty),
    Key('source', (int, str), 'vendor slot index or native joint name', check=_source,
        kind_name='integer or string'),
)

WRENCH_KEYS = (
    Key('frame', str, 'canonical wrench frame (l_sole, r_sole, l_wrist, r_wrist)',
        check=non_empty),
    Key('topic', str, 'geometry_msgs/WrenchStamped topic', check=_topic),
    Key('force_axes', list, 'sign of each raw force axis to reach the canonical frame',
        default=[1, 1, 1], check=list_of(int)),
    Key('torque_axes', list, 'sign of each raw torque axis', default=[1, 1, 1],
        check=list_of(int)),
)

GRIPPER_KEYS = (
    Key('side', str, 'which hand', check=one_of('left', 'right')),
    Key('source', (int, str), 'vendor slot index or native joint name', check=_source,
        kind_name='integer or string'),
    Key('open', float, 'native value when fully open', check=_native),
    Key('closed', float, 'native value when fully closed', check=_native),
)

COMMAND_KEYS = (
    Key('limit_policy', str, 'what to do with a command outside the limits',
        default='clamp', check=one_of(*LIMIT_POLICIES)),
    Key('timeout_s', float, 'command age after which the safe command is sent [s]',
        default=0.1, check=_timeout),
    Key('state_timeout_s', float, 'vendor state age after which commands are refused and '
        'the safe command is sent [s]', default=0.1, check=_timeout),
    Key('on_timeout', str, 'safe command when commands stop', default='damp',
        check=one_of(*TIMEOUT_ACTIONS)),
    Key('timeout_damping', float, 'kd of the damping safe command [N*m*s/rad]; at most '
        "every joint's damping_max", default=2.0, check=_damping),
    Key('uncommanded', str, 'target of joints a command does not drive',
        default='hold_measured', check=one_of(*UNCOMMANDED_ACTIONS)),
)
