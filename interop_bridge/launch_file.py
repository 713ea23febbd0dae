"""Read ROS 2 YAML launch files (the subset this package uses) into a list of processes.

The package's launch files are standard ROS 2 YAML launch files (`ros2 launch interop_bridge
bridge.launch.yaml robot:=...` runs them wherever `launch_ros` is installed). `ros2 launch` is
not installable from PyPI, so `interop launch` starts the same processes from the same files,
and tests check every node, executable, parameter and remapping they name.

Supported: `arg` (name, default), `let`, `node` (pkg, exec, name, namespace, param as
name/value pairs or `from` a parameter file, remap from/to, `args`), `include` (file, arg),
`group` with `push_ros_namespace`, and the substitutions `$(var NAME)` and
`$(find-pkg-share PKG)`. Anything else is an error, never silently skipped.
"""

from __future__ import annotations

import dataclasses
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from interop_bridge.ament import share_path
from interop_bridge.errors import LaunchError, UnknownNameError

SUBSTITUTION = re.compile(r'\$\((var|find-pkg-share) ([A-Za-z0-9_]+)\)')
NODE_KEYS = {'pkg', 'exec', 'name', 'namespace', 'param', 'remap', 'args', 'output'}


@dataclass(frozen=True)
class NodeSpec:
    """One process a launch file starts."""

    package: str
    executable: str
    name: str
    namespace: str
    parameters: tuple[tuple[str, str], ...]
    parameter_files: tuple[str, ...]
    remappings: tuple[tuple[str, str], ...]
    arguments: tuple[str, ...]
    source: str

    def ros_arguments(self) -> list[str]:
        """Command-line arguments as `ros2 launch` passes them."""
        ros_args = ['--ros-args', '-r', f'__node:={self.name}']
        if self.namespace:
            ros_args += ['-r', f'__ns:={self.namespace}']
        for path in self.parameter_files:
            ros_args += ['--params-file', path]
        for name, value in self.parameters:
            ros_args += ['-p', f'{name}:={value}']
        for source, target in self.remappings:
            ros_args += ['-r', f'{source}:={target}']
        return [*self.arguments, *ros_args]


@dataclass
class _Scope:
    """What the entries of one launch file see while it is read."""

    args: dict[str, str]  # argument values: given, then defaults and `let`s
    given: set[str]  # the arguments given on the command line (or by an include)
    ns: str  # the namespace pushed so far
    # Names of the file's `arg` entries, those inside groups included (groups share the list).
    declared: list[str] = field(default_factory=list)


def package_share(package: str) -> Path:
    """share/<package> as ROS finds it (installed first; else this repository's source)."""
    try:
        return share_path(package, installed_first=True)
    except UnknownNameError as err:
        raise LaunchError(str(err)) from err


def read_launch(path: str | os.PathLike[str], arguments: Mapping[str, str] | None = None,
                namespace: str = '') -> list[NodeSpec]:
    """The nodes a YAML launch file starts, with `arguments` given as on the command line."""
    path = Path(path)
    try:
        document = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as err:
        msg = f'{path}: cannot read launch file: {err}'
        raise LaunchError(msg) from err
    if not isinstance(document, dict) or not isinstance(document.get('launch'), list):
        msg = f'{path}: expected a mapping with a "launch" list'
        raise LaunchError(msg)
    scope = _Scope(args=dict(arguments or {}), given=set(arguments or {}), ns=namespace)
    nodes: list[NodeSpec] = []
    for entry in document['launch']:
        nodes.extend(_entry(entry, scope, path))
    unknown = scope.given - set(scope.declared) if scope.declared else set()
    if unknown:
        msg = f'{path}: no argument(s) {sorted(unknown)} in this launch file'
        raise LaunchError(msg)
    return nodes


def _entry(entry: Any, scope: _Scope, path: Path) -> list[NodeSpec]:
    if not isinstance(entry, dict) or len(entry) != 1:
        msg = f'{path}: each launch entry must be one mapping, got {entry!r}'
        raise LaunchError(msg)
    kind, body = next(iter(entry.items()))
    if kind == 'arg':
        scope.declared.append(body['name'])
        if body['name'] not in scope.args:
            if 'default' not in body:
                msg = f'{path}: argument {body["name"]!r} is required'
                raise LaunchError(msg)
            scope.args[body['name']] = _substitute(str(body['default']), scope, path)
        return []
    if kind == 'let':
        scope.args[body['name']] = _substitute(str(body['value']), scope, path)
        return []
    if kind == 'node':
        return [_node(body, scope, path)]
    if kind == 'include':
        included = Path(_substitute(body['file'], scope, path))
        arguments = {item['name']: _substitute(str(item['value']), scope, path)
                     for item in body.get('arg', [])}
        return read_launch(included, arguments, scope.ns)
    if kind == 'group':
        # A copy of the arguments; `given` and `declared` stay shared with the outer scope.
        inner = dataclasses.replace(scope, args=dict(scope.args))
        nodes = []
        for item in body.get('children', []):
            if 'push_ros_namespace' in item:
                pushed = _substitute(item['push_ros_namespace']['namespace'], inner, path)
                inner.ns = _join_namespace(inner.ns, pushed)
                continue
            nodes.extend(_entry(item, inner, path))
        return nodes
    msg = f'{path}: unsupported launch entry {kind!r}'
    raise LaunchError(msg)


def _node(body: dict[str, Any], scope: _Scope, path: Path) -> NodeSpec:
    unknown = set(body) - NODE_KEYS
    if unknown:
        msg = f'{path}: unsupported node keys {sorted(unknown)}'
        raise LaunchError(msg)

    def text(value: object) -> str:
        return _substitute(str(value), scope, path)
    parameters: list[tuple[str, str]] = []
    files: list[str] = []
    for item in body.get('param', []):
        if 'from' in item:
            files.append(text(item['from']))
        else:
            parameters.append((item['name'], text(item['value'])))
    return NodeSpec(
        package=text(body['pkg']), executable=text(body['exec']),
        name=text(body.get('name', body['exec'])),
        namespace=_join_namespace(scope.ns, text(body.get('namespace', ''))),
        parameters=tuple(parameters), parameter_files=tuple(files),
        remappings=tuple((text(item['from']), text(item['to'])) for item in body.get('remap', [])),
        arguments=tuple(text(body.get('args', '')).split()), source=str(path))


def _join_namespace(outer: str, inner: str) -> str:
    if inner.startswith('/'):
        return inner
    parts = [part for part in (outer.strip('/'), inner.strip('/')) if part]
    return '/' + '/'.join(parts) if parts else ''


def _substitute(value: str, scope: _Scope, path: Path) -> str:
    def replace(match: re.Match[str]) -> str:
        kind, name = match.groups()
        if kind == 'var':
            if name not in scope.args:
                msg = f'{path}: $(var {name}) used before it is declared'
                raise LaunchError(msg)
            return scope.args[name]
        return str(package_share(name))
    return SUBSTITUTION.sub(replace, value)


def executable_path(node: NodeSpec) -> Path:
    """Where `ros2 run <pkg> <exec>` finds the executable (lib/<pkg>/<exec>)."""
    share = package_share(node.package)
    candidate = share.parent.parent / 'lib' / node.package / node.executable
    if not candidate.is_file():
        msg = (f'{node.source}: executable {node.package}/{node.executable} not '
               f'found at {candidate}')
        raise LaunchError(msg)
    return candidate


def command_line(node: NodeSpec) -> list[str]:
    """argv that starts a node exactly as `ros2 run` + `ros2 launch` would."""
    return [sys.executable, str(executable_path(node)), *node.ros_arguments()]
