"""fake_robot settings: defaults, the style's mode_machine, every bad value reported at once."""

from __future__ import annotations

import pytest

from interop_bridge.errors import ConfigError
from interop_bridge.sim.settings import read_settings
from interop_bridge.sim.styles import TALOS_CONTROLLER_JOINTS


def test_defaults_simulate_a_g1_at_the_vendor_rate_with_a_small_camera():
    settings = read_settings({})
    assert settings.style == 'unitree_g1_29dof'
    assert settings.rate_hz == 500.0 and settings.camera_rate_hz == 30.0
    assert settings.camera_size == (96, 128)
    assert settings.mode_machine == 5
    assert settings.controller_joints == TALOS_CONTROLLER_JOINTS


@pytest.mark.parametrize('style,mode_machine', [
    ('unitree_g1_23dof', 4), ('unitree_h1_2', 7), ('unitree_h2', 8), ('unitree_r1', 9)])
def test_mode_machine_minus_one_means_the_style_id(style, mode_machine):
    assert read_settings({'style': style, 'mode_machine': -1}).mode_machine == mode_machine


def test_an_explicit_mode_machine_and_an_integer_rate_are_taken():
    settings = read_settings({'mode_machine': 9, 'rate_hz': 1000})
    assert settings.mode_machine == 9 and settings.rate_hz == 1000.0


def test_every_bad_value_is_reported_with_what_was_expected():
    with pytest.raises(ConfigError) as caught:
        read_settings({'style': 'g2', 'rate_hz': 0, 'camera_size': [96], 'mode_machine': 300,
                       'speed': 1}, 'fake_robot parameters')
    text = str(caught.value)
    assert text.startswith('5 problems found:')
    assert "fake_robot parameters: speed: got 1, expected no such key" in text
    assert "style: got 'g2', expected one of ['unitree_g1_29dof'" in text
    assert 'rate_hz: got 0, expected a number > 0' in text
    assert 'camera_size: got [96], expected a list [height, width] of two integers >= 1' in text
    assert 'mode_machine: got 300, expected an integer in -1..255' in text
