"""The fake_robot node's settings: its ROS parameters, each declared once with its meaning."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from interop_bridge.errors import ConfigError
from interop_bridge.schema import (
    Key, Reader, list_of, non_negative, one_of, positive, read_section)
from interop_bridge.sim.styles import STYLES, TALOS_CONTROLLER_JOINTS

SOURCE = 'fake_robot parameters'
STYLE_MODE_MACHINE = -1  # mode_machine value meaning "the style's own id"


def _camera_size(value: Any) -> str | None:
    ok = (len(value) == 2 and all(isinstance(item, int) and not isinstance(item, bool)
                                  and item >= 1 for item in value))
    return None if ok else 'a list [height, width] of two integers >= 1'


def _mode_machine(value: Any) -> str | None:
    return None if STYLE_MODE_MACHINE <= value <= 255 else 'an integer in -1..255'


SETTINGS_KEYS = (
    Key('style', str, f'robot to simulate: {", ".join(STYLES)}', default='unitree_g1_29dof',
        check=one_of(*STYLES)),
    Key('rate_hz', float, 'state publishing rate [Hz] (the vendors publish at 500)',
        default=500.0, check=positive),
    Key('camera_rate_hz', float, 'synthetic camera rate [Hz] on camera/image_raw; 0 disables',
        default=30.0, check=non_negative),
    Key('camera_size', list, 'synthetic camera [height, width] in pixels', default=[96, 128],
        check=_camera_size),
    Key('mode_machine', int, 'Unitree robot-type id reported in LowState and required in '
        'LowCmd; -1 = the style default (G1 29-DoF 5, G1 23-DoF 4, H1-2 7)',
        default=STYLE_MODE_MACHINE, check=_mode_machine),
    Key('controller_joints', list, 'ros2_control style: joint order of the positions on '
        'forward_position_controller/commands', default=list(TALOS_CONTROLLER_JOINTS),
        check=list_of(str, allow_empty=False)),
)


@dataclass(frozen=True)
class FakeRobotSettings:
    """Checked settings of one fake_robot."""

    style: str
    rate_hz: float
    camera_rate_hz: float
    camera_size: tuple[int, int]
    mode_machine: int  # resolved: never -1
    controller_joints: tuple[str, ...]


def read_settings(raw: Mapping[str, Any], source: str = SOURCE) -> FakeRobotSettings:
    """Check parameter values against `SETTINGS_KEYS`, filling defaults.

    Raises:
        ConfigError: Every problem found (unknown names, wrong types, bad values).
    """
    reader = Reader(source)
    values = read_section(dict(raw), SETTINGS_KEYS, reader, '')
    if reader.problems:
        raise ConfigError(reader.problems)
    mode_machine = values['mode_machine']
    if mode_machine == STYLE_MODE_MACHINE:
        mode_machine = STYLES[values['style']].mode_machine
    return FakeRobotSettings(
        style=values['style'], rate_hz=values['rate_hz'],
        camera_rate_hz=values['camera_rate_hz'],
        camera_size=(values['camera_size'][0], values['camera_size'][1]),
        mode_machine=mode_machine, controller_joints=tuple(values['controller_joints']))
