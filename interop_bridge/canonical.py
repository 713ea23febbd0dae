"""The canonical humanoid, loaded from config/canonical.yaml into typed, immutable objects.

Importable without rclpy. `load_canonical()` checks the whole file and reports every problem
at once (file, key path, bad value, what was expected) as a `SpecError`.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from interop_bridge import topics as used_names
from interop_bridge.ament import share_path
from interop_bridge.canonical_segments import SegmentSpec, read_segments
from interop_bridge.errors import MISSING, SpecError, UnknownNameError
from interop_bridge.schema import (
    Key, Reader, list_of, non_empty, number_pair, one_of, positive, read_section)
from interop_bridge.yaml_input import load_document

SPEC_FILE = 'canonical.yaml'
PACKAGE = 'interop_bridge'
AXES = ('x', 'y', 'z')
RELIABILITIES = ('reliable', 'best_effort')
TOPIC_STATUSES = ('implemented', 'reserved')
DURABILITIES = ('volatile', 'transient_local')
REQUIRED_UNITS = ('position', 'velocity', 'effort', 'stiffness', 'damping', 'angular_velocity',
                  'linear_acceleration', 'force', 'torque', 'temperature', 'closure', 'time')
_SNAKE = re.compile(r'^[a-z][a-z0-9_]*$')
_SEMVER = re.compile(r'^\d+\.\d+\.\d+$')


def _snake_name(value: Any) -> str | None:
    return None if _SNAKE.match(value) else 'a snake_case name ([a-z][a-z0-9_]*)'


def _semver(value: Any) -> str | None:
    return None if _SEMVER.match(value) else 'a version "major.minor.patch"'


def _xyzw(value: Any) -> str | None:
    return None if value == ['x', 'y', 'z', 'w'] else "['x', 'y', 'z', 'w'] (ROS order)"


@dataclass(frozen=True)
class CanonicalJoint:
    """One canonical body joint."""

    index: int
    name: str
    group: str
    axis: str
    range: tuple[float, float]
    positive: str


@dataclass(frozen=True)
class HandChannel:
    """One canonical hand channel (normalized closure, 0 open, 1 closed)."""

    index: int
    name: str
    meaning: str


@dataclass(frozen=True)
class FrameSpec:
    """A named frame of the convention."""

    name: str
    meaning: str


@dataclass(frozen=True)
class TopicSpec:
    """A canonical or standard topic with its QoS."""

    name: str
    type: str
    direction: str
    reliability: str
    durability: str
    depth: int
    rate: str
    meaning: str
    status: str = 'implemented'

    @property
    def reserved(self) -> bool:
        """Declared for a coming issue; nothing publishes or subscribes it yet."""
        return self.status == 'reserved'


@dataclass(frozen=True)
class ServiceSpec:
    """A canonical service."""

    name: str
    type: str
    meaning: str


JOINT_KEYS = (
    Key('index', int, 'position of the joint in every canonical joint array'),
    Key('name', str, 'canonical joint name', check=_snake_name),
    Key('group', str, 'body-part group, one of the declared groups'),
    Key('axis', str, 'rotation axis of the pelvis frame at the reference pose',
        check=one_of(*AXES)),
    Key('range', list, 'plausible canonical values [low, high] in rad', check=number_pair,
        kind_name='[low, high]'),
    Key('positive', str, 'what a positive value does, in words', check=non_empty),
)
CHANNEL_KEYS = (
    Key('index', int, 'position of the channel in every hand array'),
    Key('name', str, 'channel name', check=_snake_name),
    Key('meaning', str, 'what closing this channel does', check=non_empty),
)
FRAME_KEYS = (
    Key('name', str, 'frame name', check=_snake_name),
    Key('meaning', str, 'what the frame is', check=non_empty),
)
TOPIC_KEYS = (
    Key('name', str, 'topic name, relative to the robot namespace unless it starts with /',
        check=non_empty),
    Key('type', str, 'ROS type "pkg/msg/Name"', check=non_empty),
    Key('direction', str, 'who publishes and who subscribes', check=non_empty),
    Key('reliability', str, 'QoS reliability', check=one_of(*RELIABILITIES)),
    Key('durability', str, 'QoS durability', check=one_of(*DURABILITIES)),
    Key('depth', int, 'QoS history depth (keep last)', check=positive),
    Key('rate', str, 'publication rate, in words', check=non_empty),
    Key('meaning', str, 'what the topic carries', check=non_empty),
    Key('status', str, 'implemented, or reserved: declared, but nothing publishes or '
        'subscribes it yet', default='implemented', check=one_of(*TOPIC_STATUSES)),
)
SERVICE_KEYS = (
    Key('name', str, 'service name, relative to the robot namespace', check=non_empty),
    Key('type', str, 'ROS type "pkg/srv/Name"', check=non_empty),
    Key('meaning', str, 'what the service does', check=non_empty),
)
SPEC_KEYS = (
    Key('interface_version', str, 'version of the canonical interface', check=_semver),
    Key('reference_pose', str, 'the pose in which every joint value is 0', check=non_empty),
    Key('joints', list, 'the canonical body joints, in index order', check=non_empty),
    Key('groups', list, 'body-part groups in joint order', check=list_of(str, allow_empty=False)),
    Key('hand_sides', list, 'hand sides', check=list_of(str, allow_empty=False)),
    Key('hand_channels', list, 'canonical hand channels, in index order', check=non_empty),
    Key('wrench_frames', list, 'force/torque sensor slots by frame',
        check=list_of(str, allow_empty=False)),
    Key('task_frames', list, 'frames of the task-space state, declared under frames',
        default=[], check=list_of(str, allow_empty=True)),
    Key('extra_joint_pattern', str, 'name pattern of vendor-only joints', check=non_empty),
    Key('units', dict, 'unit of every quantity'),
    Key('quaternion_order', list, 'component order of quaternions', check=_xyzw),
    Key('frames', list, 'frames of the convention', check=non_empty),
    Key('topics', list, 'canonical and standard topics', check=non_empty),
    Key('services', list, 'canonical services'),
    Key('segments', list, 'body segments at the reference pose (canonical_segments.py)',
        default=[]),
)


@dataclass(frozen=True)
class CanonicalSpec:
    """The whole canonical interface definition."""

    source: str
    interface_version: str
    reference_pose: str
    joints: tuple[CanonicalJoint, ...]
    groups: tuple[str, ...]
    hand_sides: tuple[str, ...]
    hand_channels: tuple[HandChannel, ...]
    wrench_frames: tuple[str, ...]
    extra_joint_pattern: str
    units: Mapping[str, str]
    quaternion_order: tuple[str, ...]
    frames: tuple[FrameSpec, ...]
    topics: tuple[TopicSpec, ...]
    services: tuple[ServiceSpec, ...]
    segments: tuple[SegmentSpec, ...] = ()
    task_frames: tuple[str, ...] = ()

    @property
    def joint_count(self) -> int:
        """Number of canonical body joints (length of every per-joint array)."""
        return len(self.joints)

    @property
    def joint_names(self) -> tuple[str, ...]:
        """Canonical joint names in index order."""
        return tuple(joint.name for joint in self.joints)

    def joint_index(self, name: str) -> int:
        """Index of a canonical joint by name; raises SpecError for an unknown name."""
        try:
            return self._index_by_name[name]
        except KeyError:
            msg = f'{name!r} is not a canonical joint (see {self.source})'
            raise UnknownNameError(msg) from None

    def group_indices(self, group: str) -> tuple[int, ...]:
        """Indices of the joints in one body-part group, in order."""
        return tuple(joint.index for joint in self.joints if joint.group == group)

    def hand_channel_names(self, side: str) -> tuple[str, ...]:
        """Full channel names for one side: 'left_hand_thumb_rotation' ... 'left_gripper'."""
        return tuple(hand_channel_name(side, channel.name) for channel in self.hand_channels)

    def topic(self, name: str) -> TopicSpec:
        """The declared topic with this name."""
        for topic in self.topics:
            if topic.name == name:
                return topic
        msg = f'{name!r} is not a declared topic (see {self.source})'
        raise UnknownNameError(msg)

    @functools.cached_property
    def _index_by_name(self) -> dict[str, int]:
        return {joint.name: joint.index for joint in self.joints}


def hand_channel_name(side: str, channel: str) -> str:
    """Full name of a hand channel: the gripper is '<side>_gripper', fingers '<side>_hand_<c>'."""
    return f'{side}_gripper' if channel == 'gripper' else f'{side}_hand_{channel}'


def default_canonical_path() -> Path:
    """Locate config/canonical.yaml: the source tree first, then the installed share dir."""
    return share_path(PACKAGE, f'config/{SPEC_FILE}')


def load_canonical(path: str | os.PathLike[str] | None = None) -> CanonicalSpec:
    """Load and check the canonical specification; cached per resolved path."""
    resolved = Path(path) if path is not None else default_canonical_path()
    return _load_cached(str(resolved.resolve()))


@functools.lru_cache(maxsize=8)
def _load_cached(path: str) -> CanonicalSpec:
    return parse_canonical(load_document(path, SpecError), source=path)


def parse_canonical(raw: Any, *, source: str) -> CanonicalSpec:
    """Build a CanonicalSpec from parsed YAML, reporting every problem at once."""
    reader = Reader(source)
    top = read_section(raw, SPEC_KEYS, reader, '')
    groups = tuple(top.get('groups', ()))
    joints = tuple(_read_joints(top.get('joints', []), groups, reader))
    channels = tuple(_read_indexed(top.get('hand_channels', []), CHANNEL_KEYS, reader,
                                   'hand_channels', HandChannel))
    frames = tuple(_read_list(top.get('frames', []), FRAME_KEYS, reader, 'frames', FrameSpec))
    topics = tuple(_read_list(top.get('topics', []), TOPIC_KEYS, reader, 'topics', TopicSpec))
    services = tuple(_read_list(top.get('services', []), SERVICE_KEYS, reader, 'services',
                                ServiceSpec))
    _check_units(top.get('units', {}), reader)
    # names as declared, so a joint or frame with a problem of its own is not reported again
    segments = read_segments(top.get('segments', []), _declared_names(top.get('joints', [])),
                             _declared_names(top.get('frames', [])), reader)
    _check_unique(reader, 'joints', [joint.name for joint in joints])
    _check_unique(reader, 'frames', [frame.name for frame in frames])
    _check_unique(reader, 'topics', [topic.name for topic in topics])
    frame_names = {frame.name for frame in frames}
    for key in ('wrench_frames', 'task_frames'):
        for position, name in enumerate(top.get(key, [])):
            if frames and name not in frame_names:
                reader.report(f'{key}[{position}]', name, 'a frame declared under frames')
    _check_group_order(joints, groups, reader)
    for name in used_names.check_declared(_declared_names(top.get('topics', [])),
                                          _declared_names(top.get('services', [])),
                                          top.get('hand_sides', ())):
        reader.report('topics', name, 'a declaration of every topic and service the code uses '
                      '(interop_bridge/topics.py)')
    if reader.problems:
        raise SpecError(reader.problems)
    return CanonicalSpec(
        source=source, interface_version=top['interface_version'],
        reference_pose=top['reference_pose'], joints=joints, groups=groups,
        hand_sides=tuple(top['hand_sides']), hand_channels=channels,
        wrench_frames=tuple(top['wrench_frames']),
        extra_joint_pattern=top['extra_joint_pattern'],
        units=MappingProxyType(dict(top['units'])),
        quaternion_order=tuple(top['quaternion_order']), frames=frames, topics=topics,
        services=services, segments=segments, task_frames=tuple(top['task_frames']))


def _declared_names(items: list[Any]) -> set[str]:
    """Names of the declared topics or services, also of entries with problems elsewhere."""
    return {str(item['name']) for item in items if isinstance(item, dict) and 'name' in item}


def _read_list(items: list[Any], keys: tuple[Key, ...], reader: Reader, path: str,
               record: type) -> list[Any]:
    built = []
    for position, item in enumerate(items):
        before = len(reader.problems)
        values = read_section(item, keys, reader, f'{path}[{position}]')
        if len(reader.problems) == before:
            built.append(record(**values))
    return built


def _read_indexed(items: list[Any], keys: tuple[Key, ...], reader: Reader, path: str,
                  record: type) -> list[Any]:
    built = _read_list(items, keys, reader, path, record)
    for position, item in enumerate(items):
        if isinstance(item, dict) and isinstance(item.get('index'), int) \
                and item['index'] != position:
            reader.report(f'{path}[{position}].index', item['index'],
                          f'{position} (indices run 0, 1, 2 ... in file order)')
    return built


def _read_joints(items: list[Any], groups: tuple[str, ...],
                 reader: Reader) -> list[CanonicalJoint]:
    joints = []
    for joint in _read_indexed(items, JOINT_KEYS, reader, 'joints', dict):
        if joint['group'] not in groups:
            reader.report(f'joints[{joint["index"]}].group', joint['group'],
                          f'one of the declared groups {list(groups)}')
            continue
        low, high = joint['range']
        joints.append(CanonicalJoint(index=joint['index'], name=joint['name'],
                                     group=joint['group'], axis=joint['axis'],
                                     range=(float(low), float(high)),
                                     positive=joint['positive']))
    return joints


def _check_units(units: Any, reader: Reader) -> None:
    for name in REQUIRED_UNITS:
        if name not in units:
            reader.report(f'units.{name}', MISSING, 'a unit string for this quantity')
    for name, unit in units.items():
        if not isinstance(unit, str) or not unit:
            reader.report(f'units.{name}', unit, 'a non-empty unit string')


def _check_unique(reader: Reader, path: str, names: list[str]) -> None:
    seen: set[str] = set()
    for position, name in enumerate(names):
        if name in seen:
            reader.report(f'{path}[{position}].name', name, 'a name not used before')
        seen.add(name)


def _check_group_order(joints: tuple[CanonicalJoint, ...], groups: tuple[str, ...],
                       reader: Reader) -> None:
    order = [joint.group for joint in joints]
    runs = [group for position, group in enumerate(order)
            if position == 0 or order[position - 1] != group]
    if runs != [group for group in groups if group in order]:
        reader.report('groups', list(groups),
                      'the groups in joint order, each joint group contiguous '
                      f'(joints give {runs})')
