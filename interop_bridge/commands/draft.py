"""`interop draft-profile`: propose a robot profile from its URDF/MJCF (and a sample bag)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any


def run_draft(args: argparse.Namespace) -> int:
    """Write the drafted profile, then prove it against the model like check-profile does."""
    from interop_bridge.errors import KinematicsError
    from interop_bridge.kinematics.draft_bag import read_bag_facts
    from interop_bridge.kinematics.draft_profile import draft_profile_text

    out = Path(args.out)
    if out.exists() and not args.force:
        msg = f'{out} exists; give --force to replace it'
        raise KinematicsError(msg)
    bag = read_bag_facts(args.bag) if args.bag else None
    text = draft_profile_text(Path(args.urdf), out, bag, name=args.name, vendor=args.vendor)
    _write_atomically(out, text)
    reviews = text.count('REVIEW')
    print(f'wrote {out}: {text.count("canonical: ")} canonical joints, '
          f'{reviews} guesses marked REVIEW')
    return _prove(out, Path(args.urdf))


def _write_atomically(path: Path, text: str) -> None:
    """The whole file or nothing: written beside, then renamed over `path`."""
    partial = path.with_name(f'.{path.name}.partial')
    try:
        partial.write_text(text)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _prove(out: Path, model_path: Path) -> int:
    from interop_bridge.errors import KinematicsError
    from interop_bridge.kinematics.model import load_model
    from interop_bridge.kinematics.profile_check import check_profile_kinematics
    from interop_bridge.profile import load_profile

    profile = load_profile(out)
    model = load_model(model_path)
    if profile.kinematics.base:
        model.set_base(profile.kinematics.base)
    report = check_profile_kinematics(profile, model)
    if report.problems:
        msg = f'the draft fails its own check: {"; ".join(map(str, report.problems))}'
        raise KinematicsError(msg)
    print(f'ok: the draft passes check-profile --urdf against {model_path} '
          f'({len(report.axis_error_deg)} joints, {len(report.segment_error_deg)} segments)')
    return 0


def register(commands: Any) -> None:
    """Add draft-profile to the CLI."""
    draft = commands.add_parser(
        'draft-profile', help="propose a robot profile from the robot's URDF or MJCF",
        description='Propose a complete profile: a canonical joint for each model joint (by '
        'limb geometry and axis), sign, offset and limits, the kinematics section; with '
        '--bag a sample recording of the vendor state also gives the adapter, topics, slot '
        'count or joint names and the rate. Every guess is marked "# REVIEW:".\n\nexample:\n'
        '  interop draft-profile --urdf robot.urdf --bag sample_bag --out config/robots/my.yaml',
        formatter_class=argparse.RawDescriptionHelpFormatter)
    draft.add_argument('--urdf', required=True, metavar='MODEL', help='URDF or MJCF (.xml)')
    draft.add_argument('--bag', default=None, help='a sample rosbag2 of the vendor state')
    draft.add_argument('--out', required=True, help='profile file to write')
    draft.add_argument('--name', default='', help='profile name (default: the --out file name)')
    draft.add_argument('--vendor', default='unknown', help='vendor, lower case')
    draft.add_argument('--force', action='store_true', help='replace an existing --out')
    draft.set_defaults(run=run_draft)
