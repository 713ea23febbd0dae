"""`interop check-profile`, `interop profiles`, `interop profile-keys`: robot profiles offline.

The profile modules are imported by the commands, not here: they import every vendor adapter
(and those numpy, scipy), which `interop --help` and the other commands do not need.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from interop_bridge.errors import Problem, ProfileError
from interop_bridge.schema import Key, describe_keys

KeySections = tuple[tuple[str, Sequence[Key]], ...]


def key_sections() -> KeySections:
    """(title, keys) of every profile section, the vendor adapters' own sections last."""
    from interop_bridge.profile_schema import (
        COMMAND_KEYS, EXTRA_KEYS, GRIPPER_KEYS, IMU_KEYS, JOINT_KEYS, TOP_KEYS, TOPIC_KEYS,
        WRENCH_KEYS)
    from interop_bridge.hands import hand_schema as hand
    from interop_bridge.profile_kinematics import FRAME_LINK_KEYS, KINEMATICS_KEYS
    from interop_bridge.vendors.registry import sections

    return (('top level', TOP_KEYS), ('topics', TOPIC_KEYS), ('imu', IMU_KEYS),
            ('joints[] (and joint_defaults)', JOINT_KEYS), ('extra[]', EXTRA_KEYS),
            ('wrenches[]', WRENCH_KEYS), ('grippers[]', GRIPPER_KEYS),
            ('command', COMMAND_KEYS), ('kinematics', KINEMATICS_KEYS),
            ('kinematics.frames[]', FRAME_LINK_KEYS), *sections().items(),
            ('hand profile: top level', hand.HAND_TOP_KEYS),
            ('hand profile: topics', hand.HAND_SIDES_KEYS),
            ('hand profile: topics.left, topics.right', hand.HAND_TOPIC_KEYS),
            ('hand profile: joints[]', hand.HAND_JOINT_KEYS),
            ('hand profile: joints[].left, joints[].right', hand.HAND_SIDE_JOINT_KEYS),
            ('hand profile: command', hand.HAND_COMMAND_KEYS),
            ('hand profile: tactile[]', hand.TACTILE_KEYS))


def __getattr__(name: str) -> KeySections:
    """`SECTIONS`, built on first use (see key_sections)."""
    if name == 'SECTIONS':
        return key_sections()
    msg = f'module {__name__!r} has no attribute {name!r}'
    raise AttributeError(msg)


def run_check(args: argparse.Namespace) -> int:
    """Check profiles; print one line per good profile, every problem of the bad ones."""
    from interop_bridge.profile import load_profile, shipped_profiles

    if args.urdf is not None:
        return run_kinematic_check(args)
    from interop_bridge.hands.hand_profile import load_hand_profile, shipped_hand_profiles

    hands = shipped_hand_profiles()
    problems: list[Problem] = []
    for name in args.profiles or [*shipped_profiles(), *hands]:
        try:
            if name in hands:
                hand = load_hand_profile(name)
                print(f'ok: hand {hand.name} ({hand.vendor} {hand.model}, {hand.codec} '
                      f"firmware {hand.firmware or '-'}, {len(hand.sides[0].joints)} joints "
                      f'per side, {len(hand.tactile)} tactile pads) {hand.source_file}')
                continue
            profile = load_profile(name)
        except ProfileError as err:
            problems.extend(err.problems)
            continue
        print(f'ok: {profile.name} ({profile.vendor} {profile.model}, {profile.adapter}, '
              f'{len(profile.joints)} canonical joints, {len(profile.extra)} extras) '
              f'{profile.source_file}')
    if problems:
        raise ProfileError(problems)
    return 0


def run_kinematic_check(args: argparse.Namespace) -> int:
    """`check-profile PROFILE --urdf MODEL`: one line per problem; exit 1 on any."""
    from interop_bridge.errors import KinematicsError
    from interop_bridge.kinematics.model import load_model
    from interop_bridge.kinematics.profile_check import check_profile_kinematics
    from interop_bridge.profile import load_profile
    from interop_bridge.profile_model import FrameLink

    if len(args.profiles) != 1:
        msg = f'--urdf checks exactly one profile, got {len(args.profiles)}'
        raise KinematicsError(msg)
    profile = load_profile(args.profiles[0])
    model = load_model(args.urdf or profile.kinematics.model or _no_model(profile.name))
    if profile.kinematics.base:
        model.set_base(profile.kinematics.base)
    overrides = dict(_frame_pair(text) for text in args.frame)
    frames = [frame for frame in profile.kinematics.frames if frame.name not in overrides]
    frames += [FrameLink(name, link, (0.0, 0.0, 0.0)) for name, link in overrides.items()]
    report = check_profile_kinematics(profile, model, frames)
    for problem in report.problems:
        print(f'{profile.name}: {problem}')
    if report.problems:
        msg = (f'{len(report.problems)} kinematic problem(s) in {profile.source_file} '
               f'against {model.source}')
        raise KinematicsError(msg)
    worst_axis = max(report.axis_error_deg.values(), default=0.0)
    worst_segment = max(report.segment_error_deg.values(), default=0.0)
    print(f'ok: {profile.name} against {model.source}: {len(report.axis_error_deg)} joints, '
          f'axes within {worst_axis:.1f} deg, {len(report.segment_error_deg)} segments within '
          f'{worst_segment:.1f} deg of the reference pose')
    return 0


def _no_model(profile: str) -> str:
    from interop_bridge.errors import KinematicsError

    msg = f'profile {profile} attaches no kinematic model (kinematics.model): give --urdf MODEL'
    raise KinematicsError(msg)


def _frame_pair(text: str) -> tuple[str, str]:
    from interop_bridge.errors import KinematicsError

    name, _, link = text.partition('=')
    if not name or not link:
        msg = f'--frame {text!r}: expected CANONICAL_FRAME=MODEL_LINK (e.g. l_wrist=left_hand)'
        raise KinematicsError(msg)
    return name, link


def run_list(args: argparse.Namespace) -> int:
    """List the shipped profiles."""
    del args
    from interop_bridge.profile import load_profile, shipped_profiles

    for name in shipped_profiles():
        profile = load_profile(name)
        print(f'{name:<20} {profile.description}')
    return 0


def profile_reference() -> str:
    """Markdown reference of every profile key (the tables of config/README.md)."""
    return '\n\n'.join(f'### `{title}`\n\n{describe_keys(keys)}'
                       for title, keys in key_sections())


def run_keys(args: argparse.Namespace) -> int:
    """Print the profile key reference."""
    del args
    print(profile_reference())
    return 0


def register(commands: Any) -> None:
    """Add the profile commands to the CLI."""
    check = commands.add_parser(
        'check-profile', help='check robot and hand profiles offline (all shipped ones by '
        'default)',
        description='Check robot profiles: every problem is reported with file, key path, '
        'value and what was expected.\n\nexamples:\n  interop check-profile\n'
        '  interop check-profile my_robot.yaml unitree_g1_29dof\n'
        '  interop check-profile booster_t1 --urdf T1.urdf --frame l_wrist=left_hand_link',
        formatter_class=argparse.RawDescriptionHelpFormatter)
    check.add_argument('profiles', nargs='*', help='profile files or shipped profile names')
    check.add_argument('--urdf', metavar='MODEL', default=None,
                       help="check one profile's joint mapping against the robot's URDF or "
                       'MJCF: axis, sign, offset, scale and limits of every mapped joint')
    check.add_argument('--frame', action='append', default=[], metavar='FRAME=LINK',
                       help='the model link of a canonical frame (l_wrist, r_wrist, l_sole, '
                       'r_sole) for segments whose end joint the robot lacks; repeatable')
    check.set_defaults(run=run_check)
    listing = commands.add_parser('profiles', help='list the shipped robot profiles')
    listing.set_defaults(run=run_list)
    keys = commands.add_parser('profile-keys', help='print the reference of every profile key')
    keys.set_defaults(run=run_keys)
