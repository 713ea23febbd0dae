"""Hand profiles: how one model of dexterous hand maps onto the canonical hand channels.

`load_hand_profile(name_or_path)` reads config/hands/<name>.yaml (or any path) within the
bounds of interop_bridge.yaml_input, checks every key against hand_schema and across keys
(open and closed inside the native limits and apart, each slot and native name used once per
side, channels and patches canonical), and returns an immutable `HandProfile`. Every problem in
the file is reported at once (`ProfileError`). Importable without rclpy.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from interop_bridge.ament import share_paths
from interop_bridge.canonical import CanonicalSpec, load_canonical
from interop_bridge.errors import ProfileError
from interop_bridge.hands.hand_codecs import HAND_CODECS
from interop_bridge.hands.hand_schema import (
    HAND_COMMAND_KEYS, HAND_JOINT_KEYS, HAND_SIDE_JOINT_KEYS, HAND_SIDES_KEYS, HAND_TOP_KEYS,
    HAND_TOPIC_KEYS, TACTILE_KEYS)
from interop_bridge.profile import resolve_file
from interop_bridge.profile_checks import check_unique
from interop_bridge.schema import Reader, read_section
from interop_bridge.yaml_input import load_yaml

HAND_DIR = Path('config') / 'hands'
SIDES = ('left', 'right')


@dataclass(frozen=True)
class HandJoint:
    """One native joint of one hand: where it is, its limits, what it drives."""

    native_name: str
    channel: int      # canonical hand channel index
    slot: int         # index in the vendor's arrays of this side
    open: float       # native value at closure 0
    closed: float     # native value at closure 1
    low: float
    high: float


@dataclass(frozen=True)
class HandSide:
    """One side of a hand profile: its topics and joints (in slot order)."""

    side: str
    state_topic: str
    command_topic: str
    tactile_topic: str
    joints: tuple[HandJoint, ...]


@dataclass(frozen=True)
class HandCommandProfile:
    """How hand commands are checked and sent."""

    limit_policy: str
    timeout_s: float
    on_timeout: str
    velocity: float
    stiffness: float
    damping: float


@dataclass(frozen=True)
class TactilePatch:
    """One grid patch of taxels, the same on both sides."""

    patch: str
    source: int
    native_name: str
    rows: int
    cols: int
    unit: str
    no_reading: tuple[float, ...]
    valid_range: tuple[float, float]


@dataclass(frozen=True)
class HandProfile:
    """A checked hand profile."""

    name: str
    vendor: str
    model: str
    description: str
    transport: str
    codec: str
    firmware: str
    state_type: str
    command_type: str
    native_unit: str
    state_rate_hz: float
    stamp_source: str
    sides: tuple[HandSide, HandSide]   # left, right
    command: HandCommandProfile
    tactile: tuple[TactilePatch, ...]
    source_file: str = ''
    sha256: str = ''

    def side(self, name: str) -> HandSide:
        """The left or right hand."""
        return self.sides[SIDES.index(name)]

    @property
    def channels(self) -> tuple[int, ...]:
        """The canonical channels this hand has (sorted indices)."""
        return tuple(sorted({joint.channel for joint in self.sides[0].joints}))


def shipped_hand_profiles() -> list[str]:
    """Names of the hand profiles shipped in config/hands/."""
    return sorted({path.stem for directory in share_paths('interop_bridge', str(HAND_DIR))
                   if directory.is_dir() for path in directory.glob('*.yaml')})


def resolve_hand_profile(name_or_path: str | os.PathLike[str]) -> Path:
    """A hand profile file from a path or a shipped hand profile name."""
    return resolve_file(name_or_path, share_paths('interop_bridge', str(HAND_DIR)),
                        'hand profile',
                        f'a hand profile file or one of {shipped_hand_profiles()}')


def load_hand_profile(name_or_path: str | os.PathLike[str],
                      spec: CanonicalSpec | None = None) -> HandProfile:
    """Load and check a hand profile by shipped name or path."""
    path = resolve_hand_profile(name_or_path)
    raw, text = load_yaml(path, ProfileError)
    return parse_hand_profile(raw, source=str(path), spec=spec or load_canonical(),
                              sha256=hashlib.sha256(text).hexdigest(), stem=path.stem)


def parse_hand_profile(raw: Any, *, source: str, spec: CanonicalSpec, sha256: str = '',
                       stem: str | None = None) -> HandProfile:
    """Build a HandProfile from parsed YAML, reporting every problem at once."""
    reader = Reader(source)
    top = read_section(raw, HAND_TOP_KEYS, reader, '')
    if stem is not None and top.get('name') not in (None, stem):
        reader.report('name', top['name'], f'{stem!r}, the file name without .yaml')
    _check_codec(top, reader)
    sides_raw = read_section(top.get('topics', {}), HAND_SIDES_KEYS, reader, 'topics')
    topics = {side: read_section(sides_raw[side], HAND_TOPIC_KEYS, reader, f'topics.{side}')
              for side in SIDES if side in sides_raw}  # a missing side: reported once
    joints = _read_joints(top.get('joints', []), spec, reader)
    command = read_section(top.get('command', {}), HAND_COMMAND_KEYS, reader, 'command')
    tactile = _read_tactile(top.get('tactile', []), reader)
    if reader.problems:
        raise ProfileError(reader.problems)
    sides = tuple(HandSide(side, topics[side]['state'], topics[side]['command'],
                           topics[side]['tactile'],
                           tuple(sorted(joints[side], key=lambda joint: joint.slot)))
                  for side in SIDES)
    return HandProfile(
        name=top['name'], vendor=top['vendor'], model=top['model'],
        description=top['description'], transport=top['transport'], codec=top['codec'],
        firmware=top['firmware'] or HAND_CODECS[top['codec']].generations[-1],
        state_type=top['state_type'], command_type=top['command_type'],
        native_unit=top['native_unit'], state_rate_hz=top['state_rate_hz'],
        stamp_source=top['stamp_source'], sides=(sides[0], sides[1]),
        command=HandCommandProfile(**command), tactile=tuple(tactile), source_file=source,
        sha256=sha256)


def _check_codec(top: dict[str, Any], reader: Reader) -> None:
    """The firmware one of the codec's generations; the message types the codec's."""
    codec = HAND_CODECS.get(top.get('codec', ''))
    if codec is None:
        return
    if top.get('firmware') and top['firmware'] not in codec.generations:
        reader.report('firmware', top['firmware'],
                      f"'' (the newest) or one of {list(codec.generations)}")
    for key, wanted in (('state_type', codec.state_type), ('command_type', codec.command_type)):
        if key in top and top[key] != wanted:
            reader.report(key, top[key], f'{wanted!r}, the type codec {top["codec"]} speaks')


def _read_joints(items: Any, spec: CanonicalSpec, reader: Reader) -> dict[str, list[HandJoint]]:
    """Each side's joints, every entry checked; entries with problems left out."""
    channels = {channel.name: channel.index for channel in spec.hand_channels}
    found: dict[str, list[HandJoint]] = {side: [] for side in SIDES}
    paths: dict[str, list[tuple[str, HandJoint]]] = {side: [] for side in SIDES}
    for position, item in enumerate(items if isinstance(items, list) else []):
        path = f'joints[{position}]'
        before = len(reader.problems)
        entry = read_section(item, HAND_JOINT_KEYS, reader, path)
        if 'channel' in entry and entry['channel'] not in channels:
            reader.report(f'{path}.channel', entry['channel'],
                          f'a canonical hand channel {list(channels)}')
        per_side = {side: read_section(entry.get(side, {}), HAND_SIDE_JOINT_KEYS, reader,
                                       f'{path}.{side}') for side in SIDES}
        for side, values in per_side.items():
            _check_open_closed(values, reader, f'{path}.{side}')
        if len(reader.problems) > before:
            continue
        for side, values in per_side.items():
            low, high = values['position']
            joint = HandJoint(entry['native_name'], channels[entry['channel']], values['slot'],
                              values['open'], values['closed'], float(low), float(high))
            found[side].append(joint)
            paths[side].append((f'{path}.{side}', joint))
    for side in SIDES:
        check_unique(reader, 'slot', ((path, joint.slot) for path, joint in paths[side]),
                     f'a {side} slot')
    check_unique(reader, 'native_name',
                 ((path.rsplit('.', 1)[0], joint.native_name) for path, joint in paths['left']),
                 'a native joint name')
    return found


def _check_open_closed(values: dict[str, Any], reader: Reader, path: str) -> None:
    """Open and closed apart and inside the native limits."""
    if not {'open', 'closed', 'position'} <= set(values):
        return
    low, high = values['position']
    for key in ('open', 'closed'):
        if not low <= values[key] <= high:
            reader.report(f'{path}.{key}', values[key],
                          f'a value inside position [{low:g}, {high:g}]')
    if values['open'] == values['closed']:
        reader.report(f'{path}.closed', values['closed'],
                      'a value other than open (closure needs a range)')


def _read_tactile(items: Any, reader: Reader) -> list[TactilePatch]:
    """The tactile patches, every entry checked; names and sources used once."""
    patches: list[tuple[str, TactilePatch]] = []
    for position, item in enumerate(items if isinstance(items, list) else []):
        path = f'tactile[{position}]'
        before = len(reader.problems)
        values = read_section(item, TACTILE_KEYS, reader, path)
        if len(reader.problems) > before:
            continue
        low, high = values.pop('valid_range')
        patch = TactilePatch(**{**values, 'no_reading': tuple(float(value) for value in
                                                              values['no_reading'])},
                             valid_range=(float(low), float(high)))
        patches.append((path, patch))
    _unique(reader, patches, 'patch', 'a patch name')
    _unique(reader, patches, 'source', 'a patch source')
    return [patch for _, patch in patches]


def _unique(reader: Reader, patches: Iterable[tuple[str, TactilePatch]], field: str,
            what: str) -> None:
    check_unique(reader, field, ((path, getattr(patch, field)) for path, patch in patches), what)
