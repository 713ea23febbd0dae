"""The optional `kinematics` section of a robot profile: the robot's own kinematic model.

    kinematics:
      model: ../models/g1_29dof_rev_1_0.urdf   # relative to the profile's directory
      base: pelvis
      frames:
        - {name: l_wrist, link: left_rubber_hand}
        - {name: l_wrist, link: left_elbow_link, xyz: [0.28, 0.0, 0.0]}  # a point on a link

`frames` names the model link (and an optional fixed offset in that link's frame) of canonical
frames: segment ends for `interop check-profile --urdf`, and the task-space frames the bridge and
the exporter report when a model is attached. Without `model`, the section still declares the
frames for a model given on the command line.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from interop_bridge.canonical import CanonicalSpec
from interop_bridge.profile_model import FrameLink, KinematicsProfile
from interop_bridge.schema import Key, Reader, Rule, non_empty, read_section

OFFSET_LIMIT_M = 5.0
_xyz = Rule(lambda value: len(value) == 3 and all(
    isinstance(item, (int, float)) and not isinstance(item, bool) and math.isfinite(item)
    and abs(item) <= OFFSET_LIMIT_M for item in value),
    f'three finite numbers [m], each within +-{OFFSET_LIMIT_M:g}')

KINEMATICS_KEYS = (
    Key('model', str, "URDF or MJCF of the robot, relative to the profile's directory; '' = "
        'no model attached (no task-space state)', default=''),
    Key('base', str, "model link whose frame is the canonical pelvis frame ('' = the model's "
        'root)', default=''),
    Key('frames', list, 'canonical frame -> model link (and offset) entries', default=[]),
)

FRAME_LINK_KEYS = (
    Key('name', str, 'canonical frame (config/canonical.yaml frames)', check=non_empty),
    Key('link', str, 'model link or frame name', check=non_empty),
    Key('xyz', list, 'fixed offset of the frame in the link frame [m]', default=[0.0, 0.0, 0.0],
        check=_xyz, kind_name='[x, y, z]'),
)


def resolve_model_path(model: str, profile_file: str) -> str:
    """`model` with ~ and $VARIABLES expanded, relative to the profile's directory."""
    if not model:
        return ''
    path = Path(os.path.expandvars(os.path.expanduser(model)))
    return str(path if path.is_absolute() else Path(profile_file).resolve().parent / path)


def read_kinematics(raw: Any, source: str, spec: CanonicalSpec,
                    reader: Reader) -> KinematicsProfile:
    """The checked section; problems go to `reader` (an absent model file is one)."""
    values = read_section(raw, KINEMATICS_KEYS, reader, 'kinematics')
    frames: list[FrameLink] = []
    names = {frame.name for frame in spec.frames}
    items = values.get('frames', [])
    for position, item in enumerate(items if isinstance(items, list) else []):
        path = f'kinematics.frames[{position}]'
        before = len(reader.problems)
        entry = read_section(item, FRAME_LINK_KEYS, reader, path)
        if len(reader.problems) != before:
            continue
        if entry['name'] not in names:
            reader.report(f'{path}.name', entry['name'],
                          f'one of the canonical frames {sorted(names)}')
            continue
        if entry['name'] in {frame.name for frame in frames}:
            reader.report(f'{path}.name', entry['name'], 'a frame named once')
            continue
        x, y, z = (float(value) for value in entry['xyz'])
        frames.append(FrameLink(entry['name'], entry['link'], (x, y, z)))
    model = resolve_model_path(values.get('model', ''), source)
    if model and not Path(model).is_file():
        reader.report('kinematics.model', values.get('model'),
                      f'an existing file (looked at {model})')
    return KinematicsProfile(model=model, base=values.get('base', ''), frames=tuple(frames))
