"""Robot profiles: how one vendor robot maps onto the canonical humanoid.

`load_profile(name_or_path)` reads config/robots/<name>.yaml (or any path), checks every key
against interop_bridge.profile_schema and against the canonical specification, and returns an
immutable `Profile`. Every problem in the file is reported at once, each with file, key path,
bad value and what was expected (`ProfileError`). Importable without rclpy.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from interop_bridge.ament import share_paths
from interop_bridge.canonical import CanonicalSpec, load_canonical
from interop_bridge.errors import MISSING, Problem, ProfileError
from interop_bridge.profile_schema import (
    ADAPTER_ORIENTATION, COMMAND_KEYS, EXTRA_KEYS, GRIPPER_KEYS, IMU_KEYS, JOINT_KEYS, TOP_KEYS,
    TOPIC_KEYS, WRENCH_KEYS)
from interop_bridge.schema import Key, Reader, read_section
from interop_bridge.vendors.registry import ADAPTERS, Adapter, sections
from interop_bridge.vendors.ros_sensors import IMU_ORIENTATIONS

PROFILE_DIR = Path('config') / 'robots'
# Mapped limits may exceed the canonical plausibility envelope by this much [rad].
RANGE_TOLERANCE = 0.05


@dataclass(frozen=True)
class JointProfile:
    """One canonical joint on this robot."""

    canonical: str
    index: int
    source: int | str
    native_name: str
    sign: int
    scale: float
    offset: float
    position: tuple[float, float]
    velocity: float
    effort: float
    stiffness: float
    damping: float
    stiffness_max: float
    damping_max: float

    @property
    def gain(self) -> float:
        """Factor from native to canonical values (sign times scale)."""
        return self.sign * self.scale

    @property
    def canonical_position(self) -> tuple[float, float]:
        """Position limits in canonical values, low first."""
        low, high = (self.gain * limit + self.offset for limit in self.position)
        return (min(low, high), max(low, high))


@dataclass(frozen=True)
class ExtraJoint:
    """A vendor-only joint published as an extra."""

    name: str
    source: int | str


@dataclass(frozen=True)
class WrenchSensor:
    """A force/torque sensor read from its own topic."""

    frame: str
    topic: str
    force_axes: tuple[int, int, int]
    torque_axes: tuple[int, int, int]


@dataclass(frozen=True)
class GripperProfile:
    """A gripper read from the joint state and normalized to a closure."""

    side: str
    source: int | str
    open: float
    closed: float


@dataclass(frozen=True)
class ImuProfile:
    """Base IMU conventions of the vendor."""

    present: bool
    frame: str
    orientation: str
    euler_order: str


@dataclass(frozen=True)
class CommandProfile:
    """Command conversion and safety behaviour."""

    limit_policy: str
    timeout_s: float
    state_timeout_s: float
    on_timeout: str
    timeout_damping: float
    uncommanded: str


@dataclass(frozen=True)
class TopicProfile:
    """Vendor topic names, relative to the bridge namespace."""

    state: str
    command: str
    imu: str


@dataclass(frozen=True)
class Profile:
    """A checked robot profile."""

    name: str
    vendor: str
    model: str
    description: str
    adapter: str
    state_rate_hz: float
    stamp_source: str
    topics: TopicProfile
    imu: ImuProfile
    joints: tuple[JointProfile, ...]
    extra: tuple[ExtraJoint, ...]
    wrenches: tuple[WrenchSensor, ...]
    grippers: tuple[GripperProfile, ...]
    command: CommandProfile
    options: Mapping[str, Any]
    source_file: str
    sha256: str

    @property
    def by_name(self) -> bool:
        """Whether joints are addressed by native name (JointState) rather than slot index."""
        return ADAPTERS[self.adapter].by_name

    def joint(self, canonical: str) -> JointProfile | None:
        """The profile entry of a canonical joint, or None when the robot lacks it."""
        return next((joint for joint in self.joints if joint.canonical == canonical), None)


def profile_search_dirs() -> list[Path]:
    """Where shipped profiles live: the source tree, then installed share directories."""
    return [path for path in share_paths('interop_bridge', str(PROFILE_DIR)) if path.is_dir()]


def shipped_profiles() -> list[str]:
    """Names of the profiles shipped in config/robots/."""
    names = {path.stem for directory in profile_search_dirs()
             for path in directory.glob('*.yaml')}
    return sorted(names)


def resolve_profile(name_or_path: str | os.PathLike[str]) -> Path:
    """A profile file from a path or a shipped profile name."""
    candidate = Path(name_or_path)
    if candidate.suffix in ('.yaml', '.yml') or candidate.is_file():
        if candidate.is_file():
            return candidate
        problem = Problem(str(candidate), '<file>', MISSING, 'an existing profile file')
        raise ProfileError([problem])
    for directory in profile_search_dirs():
        path = directory / f'{name_or_path}.yaml'
        if path.is_file():
            return path
    problem = Problem(str(name_or_path), '<profile>', str(name_or_path),
                      f'a profile file or one of the shipped profiles {shipped_profiles()}')
    raise ProfileError([problem])


def load_profile(name_or_path: str | os.PathLike[str],
                 spec: CanonicalSpec | None = None) -> Profile:
    """Load and check a robot profile by shipped name or path."""
    path = resolve_profile(name_or_path)
    text = path.read_bytes()
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, 'problem_mark', None)
        where = f' at line {mark.line + 1}, column {mark.column + 1}' if mark else ''
        reason = getattr(err, 'problem', None) or type(err).__name__
        raise ProfileError([Problem(str(path), '<file>', MISSING,
                                    f'valid YAML ({reason}{where})')]) from err
    return parse_profile(raw, source=str(path), spec=spec or load_canonical(),
                         sha256=hashlib.sha256(text).hexdigest(), stem=path.stem)


def parse_profile(raw: Any, *, source: str, spec: CanonicalSpec, sha256: str = '',
                  stem: str | None = None) -> Profile:
    """Build a Profile from parsed YAML, reporting every problem at once."""
    reader = Reader(source)
    top = read_section(raw, TOP_KEYS, reader, '')
    adapter = ADAPTERS.get(top.get('adapter', ''))
    if stem is not None and top.get('name') not in (None, stem):
        reader.report('name', top['name'], f'{stem!r}, the file name without .yaml')
    topics = read_section(top.get('topics', {}), TOPIC_KEYS, reader, 'topics')
    imu = read_section(top.get('imu', {}), IMU_KEYS, reader, 'imu')
    _resolve_orientation(imu, adapter, bool(topics.get('imu')), reader)
    if topics.get('imu') and imu.get('present') is False:
        reader.report('topics.imu', topics['imu'], "no IMU topic with imu.present: false")
    _check_stamp_source(top, adapter, reader)
    command = read_section(top.get('command', {}), COMMAND_KEYS, reader, 'command')
    options = _read_adapter_section(top, adapter, reader)
    joints = _read_joints(top, spec, reader)
    extra = [ExtraJoint(**values) for values in
             _read_entries(top.get('extra', []), EXTRA_KEYS, reader, 'extra')]
    wrenches = _read_wrenches(top.get('wrenches', []), spec, reader)
    grippers = _read_grippers(top.get('grippers', []), reader)
    _check_sources(joints, extra, grippers, adapter, options, reader)
    if reader.problems or adapter is None:  # an unknown adapter is a reported problem
        raise ProfileError(reader.problems)
    return Profile(
        name=top['name'], vendor=top['vendor'], model=top['model'],
        description=top['description'], adapter=adapter.name, state_rate_hz=top['state_rate_hz'],
        stamp_source=top['stamp_source'], topics=TopicProfile(**topics), imu=ImuProfile(**imu),
        joints=tuple(sorted(joints, key=lambda joint: joint.index)), extra=tuple(extra),
        wrenches=tuple(wrenches), grippers=tuple(grippers), command=CommandProfile(**command),
        options=MappingProxyType(options), source_file=source, sha256=sha256)


def _read_entries(items: Any, keys: tuple[Key, ...], reader: Reader, path: str,
                  defaults: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    entries = []
    for position, item in enumerate(items if isinstance(items, list) else []):
        merged = {**(defaults or {}), **item} if isinstance(item, dict) else item
        before = len(reader.problems)
        values = read_section(merged, keys, reader, f'{path}[{position}]')
        if len(reader.problems) == before:
            entries.append(values)
    return entries


def _read_adapter_section(top: dict[str, Any], adapter: Adapter | None,
                          reader: Reader) -> dict[str, Any]:
    for section in sections():
        if top.get(section) and (adapter is None or section != adapter.section):
            name = adapter.name if adapter else top.get('adapter')
            reader.report(section, top[section], f'no {section} section with adapter {name!r}')
    if adapter is None:
        return {}
    return read_section(top.get(adapter.section, {}), adapter.option_keys, reader,
                        adapter.section)


def _resolve_orientation(imu: dict[str, Any], adapter: Adapter | None, separate_topic: bool,
                         reader: Reader) -> None:
    """Fill the adapter's own convention for `imu.orientation: ''` and check the choice."""
    if adapter is None or 'orientation' not in imu:
        return
    supported = IMU_ORIENTATIONS if separate_topic else adapter.orientations
    where = 'a sensor_msgs/Imu topic (topics.imu)' if separate_topic else adapter.state_type
    if imu['orientation'] == ADAPTER_ORIENTATION:
        imu['orientation'] = supported[0]
    elif imu['orientation'] not in supported:
        reader.report('imu.orientation', imu['orientation'],
                      f'one of {list(supported)}: what {where} can give')


def _check_stamp_source(top: dict[str, Any], adapter: Adapter | None, reader: Reader) -> None:
    if adapter is not None and top.get('stamp_source') == 'vendor' and \
            not adapter.state_has_stamp:
        reader.report('stamp_source', 'vendor', f"'receive': {adapter.state_type} carries no "
                      'sample time of the vendor')


def _read_joints(top: dict[str, Any], spec: CanonicalSpec,
                 reader: Reader) -> list[JointProfile]:
    defaults = top.get('joint_defaults', {})
    for key in ('canonical', 'source', 'native_name'):
        if key in defaults:
            reader.report(f'joint_defaults.{key}', defaults[key], 'a per-joint key only')
    joints, seen = [], set()
    for position, values in enumerate(_read_entries(top.get('joints', []), JOINT_KEYS, reader,
                                                    'joints', defaults)):
        path = f'joints[{position}]'
        name = values['canonical']
        if name not in spec.joint_names:
            reader.report(f'{path}.canonical', name, 'a canonical joint name (interop canonical)')
            continue
        if name in seen:
            reader.report(f'{path}.canonical', name, 'each canonical joint mapped once')
            continue
        seen.add(name)
        joint = JointProfile(index=spec.joint_index(name), position=tuple(values.pop('position')),
                             **values)
        _check_mapped_range(joint, spec, reader, path)
        joints.append(joint)
    return joints


def _check_mapped_range(joint: JointProfile, spec: CanonicalSpec, reader: Reader,
                        path: str) -> None:
    low, high = joint.canonical_position
    envelope_low, envelope_high = spec.joints[joint.index].range
    if low < envelope_low - RANGE_TOLERANCE or high > envelope_high + RANGE_TOLERANCE:
        reader.report(f'{path}.position', list(joint.position),
                      f'limits that map (sign {joint.sign}, offset {joint.offset:g}) inside the '
                      f'canonical range [{envelope_low:g}, {envelope_high:g}] of {joint.canonical}'
                      f'; they map to [{low:.3g}, {high:.3g}]: wrong sign or offset?')


def _read_grippers(items: Any, reader: Reader) -> list[GripperProfile]:
    grippers = []
    for position, values in enumerate(_read_entries(items, GRIPPER_KEYS, reader, 'grippers')):
        if values['open'] == values['closed']:
            reader.report(f'grippers[{position}].closed', values['closed'],
                          f"a value other than open ({values['open']:g}): no closure otherwise")
            continue
        grippers.append(GripperProfile(**values))
    return grippers


def _read_wrenches(items: Any, spec: CanonicalSpec, reader: Reader) -> list[WrenchSensor]:
    sensors = []
    for position, values in enumerate(_read_entries(items, WRENCH_KEYS, reader, 'wrenches')):
        path = f'wrenches[{position}]'
        if values['frame'] not in spec.wrench_frames:
            reader.report(f'{path}.frame', values['frame'],
                          f'one of the canonical wrench frames {list(spec.wrench_frames)}')
            continue
        axes = [values['force_axes'], values['torque_axes']]
        if any(len(signs) != 3 or any(sign not in (1, -1) for sign in signs) for signs in axes):
            reader.report(path, axes, 'force_axes and torque_axes of three signs (+1 or -1)')
            continue
        sensors.append(WrenchSensor(frame=values['frame'], topic=values['topic'],
                                    force_axes=tuple(values['force_axes']),
                                    torque_axes=tuple(values['torque_axes'])))
    return sensors


def _check_sources(joints: list[JointProfile], extra: list[ExtraJoint],
                   grippers: list[GripperProfile], adapter: Adapter | None,
                   options: dict[str, Any], reader: Reader) -> None:
    if adapter is None:
        return
    by_name = adapter.by_name
    slots = adapter.slot_count(options)
    if adapter.wire_slots is not None and slots is not None and slots != adapter.wire_slots:
        reader.report(f'{adapter.section}.{adapter.slot_count_option}', slots,
                      f'{adapter.wire_slots}: the motor slots of {adapter.state_type}')
    entries = [(f'joints[{i}]', joint.source) for i, joint in enumerate(joints)]
    entries += [(f'extra[{i}]', joint.source) for i, joint in enumerate(extra)]
    entries += [(f'grippers[{i}]', gripper.source) for i, gripper in enumerate(grippers)]
    used: dict[int | str, str] = {}
    for path, source in entries:
        if by_name != isinstance(source, str):
            reader.report(f'{path}.source', source, 'a native joint name (string)' if by_name
                          else 'a slot index (integer)')
            continue
        if isinstance(source, int) and slots is not None and source >= slots:  # not by_name
            reader.report(f'{path}.source', source, f'a slot index below {slots}')
            continue
        if source in used:
            reader.report(f'{path}.source', source, f'a source not already used by {used[source]}')
            continue
        used[source] = path
    known: set[int | str] = set(used)
    if by_name:
        known |= {joint.native_name for joint in joints}
    for key_path, value, expected in adapter.check_options(options, known):
        reader.report(key_path, value, expected)
