"""Shipped profiles with one key changed, written as files of their own (for effect tests)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from interop_bridge.profile import Profile, load_profile

Edit = Callable[[dict[str, Any]], None]
# Keys whose only effect is the latched Embodiment (test/ros/test_embodiment_keys.py).
EMBODIMENT_KEYS = {'name', 'vendor', 'model', 'imu.frame', 'joints.native_name',
                   'state_rate_hz'}


def shipped_raw(base: str) -> dict[str, Any]:
    """A shipped profile as plain YAML data (a fresh copy, free to change)."""
    return copy.deepcopy(yaml.safe_load(Path(load_profile(base).source_file).read_text()))


def write_profile(directory: Path, raw: Any, stem: str) -> Path:
    """`raw` written as `directory`/`stem`.yaml (not loaded: it may be broken on purpose)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f'{stem}.yaml'
    path.write_text(yaml.dump(raw, Dumper=yaml.CSafeDumper, sort_keys=False))
    return path


def variant(directory: Path, base: str, edit: Edit) -> Profile:
    """A shipped profile with one change, written into `directory` and loaded."""
    raw = shipped_raw(base)
    edit(raw)
    return load_profile(write_profile(directory, raw, raw['name']))


def set_key(path: str, value: Any) -> Edit:
    """An edit setting 'section.key' (list entries by index: 'joints.0.key')."""
    def edit(raw: dict[str, Any]) -> None:
        *parents, last = path.split('.')
        node: Any = raw
        for part in parents:
            node = node[int(part)] if part.isdigit() else node.setdefault(part, {})
        node[int(last) if last.isdigit() else last] = value
    return edit


def set_keys(*changes: tuple[str, Any]) -> Edit:
    """An edit setting several keys at once ('section.key', value), in order."""
    def edit(raw: dict[str, Any]) -> None:
        for path, value in changes:
            set_key(path, value)(raw)
    return edit
