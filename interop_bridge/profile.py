"""Robot profiles: how one vendor robot maps onto the canonical humanoid.

`load_profile(name_or_path)` reads config/robots/<name>.yaml (or any path) within the bounds
of interop_bridge.yaml_input (size, nesting, aliases), checks every key against
interop_bridge.profile_schema, across keys (interop_bridge.profile_checks) and against the
canonical specification, and returns an immutable `Profile`. Every problem in the file is
reported at once, each with file, key path, bad value and what was expected (`ProfileError`).
Importable without rclpy.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from interop_bridge.ament import share_paths
from interop_bridge.canonical import CanonicalSpec, load_canonical
from interop_bridge.errors import MISSING, Problem, ProfileError
from interop_bridge.profile_checks import (
    check_gains, check_mapped_range, check_sources, check_state_timeout, check_timeout_damping,
    check_unique)
from interop_bridge.profile_kinematics import read_kinematics
from interop_bridge.profile_model import (
    CommandProfile, ExtraJoint, GripperProfile, ImuProfile, JointProfile, Profile, TopicProfile,
    WrenchSensor)
from interop_bridge.profile_schema import (
    ADAPTER_ORIENTATION, COMMAND_KEYS, EXTRA_KEYS, GRIPPER_KEYS, IMU_KEYS, JOINT_KEYS, TOP_KEYS,
    TOPIC_KEYS, WRENCH_KEYS)
from interop_bridge.schema import Key, Reader, read_section
from interop_bridge.vendors.registry import ADAPTERS, Adapter, sections
from interop_bridge.vendors.ros_sensors import IMU_ORIENTATIONS
from interop_bridge.yaml_input import load_yaml

__all__ = ['CommandProfile', 'ExtraJoint', 'GripperProfile', 'ImuProfile', 'JointProfile',
           'PROFILE_DIR', 'Profile', 'TopicProfile', 'WrenchSensor', 'load_profile',
           'parse_profile', 'profile_search_dirs', 'resolve_profile', 'shipped_profiles']

PROFILE_DIR = Path('config') / 'robots'
Entry = tuple[str, Any]  # (key path of a list entry, its values or record)


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
    return resolve_file(name_or_path, profile_search_dirs(), 'profile',
                        f'a profile file or one of the shipped profiles {shipped_profiles()}')


def resolve_file(name_or_path: str | os.PathLike[str], directories: Iterable[Path],
                 kind: str, expected: str) -> Path:
    """A configuration file from a path, or `<name>.yaml` in the first of `directories`
    holding it; ProfileError naming the missing file, or what was `expected` of a name."""
    candidate = Path(name_or_path)
    if candidate.suffix in ('.yaml', '.yml') or candidate.is_file():
        if candidate.is_file():
            return candidate
        problem = Problem(str(candidate), '<file>', MISSING, f'an existing {kind} file')
        raise ProfileError([problem])
    for directory in directories:
        path = directory / f'{name_or_path}.yaml'
        if path.is_file():
            return path
    raise ProfileError([Problem(str(name_or_path), f'<{kind}>', str(name_or_path), expected)])


def load_profile(name_or_path: str | os.PathLike[str],
                 spec: CanonicalSpec | None = None) -> Profile:
    """Load and check a robot profile by shipped name or path."""
    path = resolve_profile(name_or_path)
    raw, text = load_yaml(path, ProfileError)
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
    check_state_timeout(top, command, reader)
    options = _read_adapter_section(top, adapter, reader)
    joints = _read_joints(top, spec, reader)
    check_timeout_damping(command.get('timeout_damping'), joints, reader)
    extra = [(path, ExtraJoint(**values)) for path, values in
             _read_entries(top.get('extra', []), EXTRA_KEYS, reader, 'extra')]
    check_unique(reader, 'name', ((path, entry.name) for path, entry in extra), 'an extra name')
    wrenches = _read_wrenches(top.get('wrenches', []), spec, reader)
    grippers = _read_grippers(top.get('grippers', []), reader)
    check_sources(joints, extra, grippers, adapter, options, reader)
    kinematics = read_kinematics(top.get('kinematics', {}), source, spec, reader)
    if reader.problems or adapter is None:  # an unknown adapter is a reported problem
        raise ProfileError(reader.problems)
    return Profile(
        name=top['name'], vendor=top['vendor'], model=top['model'],
        description=top['description'], adapter=adapter.name, state_rate_hz=top['state_rate_hz'],
        stamp_source=top['stamp_source'], topics=TopicProfile(**topics), imu=ImuProfile(**imu),
        joints=tuple(sorted((joint for _, joint in joints), key=lambda joint: joint.index)),
        extra=tuple(entry for _, entry in extra), wrenches=tuple(wrenches),
        grippers=tuple(gripper for _, gripper in grippers), command=CommandProfile(**command),
        options=MappingProxyType(options), source_file=source, sha256=sha256,
        kinematics=kinematics)


def _read_entries(items: Any, keys: tuple[Key, ...], reader: Reader, path: str,
                  defaults: Mapping[str, Any] | None = None) -> list[Entry]:
    """The entries of a list section without problems, each with its key path."""
    entries = []
    for position, item in enumerate(items if isinstance(items, list) else []):
        merged = {**(defaults or {}), **item} if isinstance(item, dict) else item
        before = len(reader.problems)
        values = read_section(merged, keys, reader, f'{path}[{position}]')
        if len(reader.problems) == before:
            entries.append((f'{path}[{position}]', values))
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


def _read_joints(top: dict[str, Any], spec: CanonicalSpec, reader: Reader) -> list[Entry]:
    defaults = top.get('joint_defaults', {})
    for key in ('canonical', 'source', 'native_name'):
        if key in defaults:
            reader.report(f'joint_defaults.{key}', defaults[key], 'a per-joint key only')
    joints: list[Entry] = []
    seen: set[str] = set()
    for path, values in _read_entries(top.get('joints', []), JOINT_KEYS, reader, 'joints',
                                      defaults):
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
        check_mapped_range(joint, spec, reader, path)
        check_gains(joint, reader, path)
        joints.append((path, joint))
    check_unique(reader, 'native_name', ((path, joint.native_name) for path, joint in joints),
                 'a native name')
    return joints


def _read_grippers(items: Any, reader: Reader) -> list[Entry]:
    grippers = []
    for path, values in _read_entries(items, GRIPPER_KEYS, reader, 'grippers'):
        if values['open'] == values['closed']:
            reader.report(f'{path}.closed', values['closed'],
                          f"a value other than open ({values['open']:g}): no closure otherwise")
            continue
        grippers.append((path, GripperProfile(**values)))
    check_unique(reader, 'side', ((path, gripper.side) for path, gripper in grippers),
                 'a side')
    return grippers


def _read_wrenches(items: Any, spec: CanonicalSpec, reader: Reader) -> list[WrenchSensor]:
    sensors: list[Entry] = []
    for path, values in _read_entries(items, WRENCH_KEYS, reader, 'wrenches'):
        if values['frame'] not in spec.wrench_frames:
            reader.report(f'{path}.frame', values['frame'],
                          f'one of the canonical wrench frames {list(spec.wrench_frames)}')
            continue
        axes = [values['force_axes'], values['torque_axes']]
        if any(len(signs) != 3 or any(sign not in (1, -1) for sign in signs) for signs in axes):
            reader.report(path, axes, 'force_axes and torque_axes of three signs (+1 or -1)')
            continue
        sensors.append((path, WrenchSensor(frame=values['frame'], topic=values['topic'],
                                           force_axes=tuple(values['force_axes']),
                                           torque_axes=tuple(values['torque_axes']))))
    check_unique(reader, 'frame', ((path, sensor.frame) for path, sensor in sensors), 'a frame')
    return [sensor for _, sensor in sensors]
