"""Decoded vendor commands -> canonical commands: which joints were driven to which target.

A joint counts as commanded when its slot is enabled, its target is finite and, where the wire
carries gains, its kp is above zero. Values are computed by hand from the profile written here
(a knee as it is at slot 0, an elbow with sign -1 and offset 0.5 at slot 2, a head yaw in
degrees at slot 3; slot 1 is not a joint).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import yaml

from interop_bridge.canonical import load_canonical
from interop_bridge.command_mapping import command_to_canonical
from interop_bridge.command_safety import (
    FIELDS, CanonicalCommand, check_command, command_limits)
from interop_bridge.mapping import MISSING_SLOT, build_joint_map
from interop_bridge.profile import load_profile
from interop_bridge.vendors.native import NativeCommand

SPEC = load_canonical()
N = SPEC.joint_count
KNEE, ELBOW, HEAD = 3, 18, 29
JOINTS = [KNEE, ELBOW, HEAD]
SLOTS = np.array([0, 2, 3])
DEG = math.pi / 180
TINY = {
    'name': 'tiny', 'vendor': 'test', 'model': 'tiny', 'adapter': 'booster',
    'state_rate_hz': 100, 'topics': {'state': 'low_state', 'command': 'joint_ctrl'},
    'imu': {'orientation': 'rpy'}, 'command': {}, 'booster': {'motor_count': 4},
    'joints': [
        {'canonical': 'left_knee', 'source': 0, 'native_name': 'knee', 'position': [0, 2.5],
         'velocity': 10, 'effort': 100, 'stiffness': 50, 'damping': 2},
        {'canonical': 'left_elbow', 'source': 2, 'native_name': 'elbow', 'sign': -1,
         'offset': 0.5, 'position': [-1, 2], 'velocity': 5, 'effort': 20, 'stiffness': 20,
         'damping': 1},
        {'canonical': 'head_yaw', 'source': 3, 'native_name': 'neck', 'scale': DEG,
         'position': [-90, 90], 'velocity': 360, 'effort': 5, 'stiffness': 10,
         'damping': 0.5}]}


@pytest.fixture
def profile(tmp_path):
    path = tmp_path / 'tiny.yaml'
    path.write_text(yaml.safe_dump(TINY))
    return load_profile(path)


@pytest.fixture
def joint_map(profile):
    return build_joint_map(profile, SPEC)


def wire(enabled=(True, True, True, True), **fields) -> NativeCommand:
    """A decoded command over 4 slots; slot 1 holds no joint."""
    values = {'position': [1.0, 9.0, 0.3, 45.0], 'velocity': [1.0, 9.0, 2.0, 90.0],
              'effort': [5.0, 9.0, 2.0, -1.0], 'stiffness': [60.0, 9.0, 10.0, 20 * DEG],
              'damping': [3.0, 9.0, 0.5, 1 * DEG], **fields}
    return NativeCommand(enabled=np.asarray(enabled),
                         **{name: np.asarray(value, dtype=np.float64)
                            for name, value in values.items()})


def only(values: np.ndarray, expected: list[float]) -> None:
    np.testing.assert_allclose(values[JOINTS], expected, rtol=1e-12, atol=1e-12)
    assert np.isnan(np.delete(values, JOINTS)).all()


def test_every_field_of_an_enabled_slot_comes_back_in_canonical_units(joint_map):
    canonical = command_to_canonical(joint_map, wire(), SLOTS)
    assert np.flatnonzero(canonical.commanded).tolist() == JOINTS
    only(canonical.position, [1.0, -0.3 + 0.5, math.radians(45)])
    only(canonical.velocity, [1.0, -2.0, math.pi / 2])
    only(canonical.effort, [5.0, -2.0, -1.0])
    only(canonical.stiffness, [60.0, 10.0, 20.0])
    only(canonical.damping, [3.0, 0.5, 1.0])


def test_a_joint_sent_with_zero_stiffness_is_damped_not_commanded(joint_map):
    canonical = command_to_canonical(joint_map, wire(stiffness=[0.0, 9.0, 10.0, 0.0]), SLOTS)
    assert np.flatnonzero(canonical.commanded).tolist() == [ELBOW]
    assert np.isnan(canonical.position[[KNEE, HEAD]]).all()
    assert canonical.stiffness[KNEE] == 0.0 and canonical.damping[KNEE] == 3.0  # still sent


def test_a_disabled_slot_commands_nothing_and_reports_no_values(joint_map):
    canonical = command_to_canonical(joint_map, wire(enabled=(True, True, False, True)), SLOTS)
    assert not canonical.commanded[ELBOW]
    for name in FIELDS:
        assert np.isnan(getattr(canonical, name)[ELBOW]), name
    assert canonical.commanded[KNEE] and canonical.commanded[HEAD]


def test_a_non_finite_target_is_not_a_command(joint_map):
    canonical = command_to_canonical(joint_map, wire(position=[np.nan, 0, 0.3, np.inf]), SLOTS)
    assert np.flatnonzero(canonical.commanded).tolist() == [ELBOW]
    assert np.isnan(canonical.position[[KNEE, HEAD]]).all()


def test_a_wire_without_gains_commands_every_finite_target(joint_map):
    nan = [np.nan] * 4
    canonical = command_to_canonical(joint_map, wire(stiffness=nan, damping=nan), SLOTS)
    assert np.flatnonzero(canonical.commanded).tolist() == JOINTS
    assert np.isnan(canonical.stiffness).all()


def test_a_joint_the_wire_does_not_carry_is_not_commanded(joint_map):
    canonical = command_to_canonical(joint_map, wire(), np.array([0, MISSING_SLOT, 3]))
    assert np.flatnonzero(canonical.commanded).tolist() == [KNEE, HEAD]
    assert np.isnan(canonical.position[ELBOW])


def test_a_batch_decodes_like_each_command_alone(joint_map):
    first, second = wire(), wire(enabled=(True, False, False, True),
                                 stiffness=[0.0, 0, 10.0, 1.0])
    batch = NativeCommand(**{name: np.stack([getattr(first, name), getattr(second, name)])
                             for name in ('enabled', *FIELDS)})
    canonical = command_to_canonical(joint_map, batch, SLOTS)
    assert canonical.commanded.shape == (2, N)
    for row, alone in enumerate((first, second)):
        single = command_to_canonical(joint_map, alone, SLOTS)
        for name in ('commanded', *FIELDS):
            np.testing.assert_array_equal(getattr(canonical, name)[row], getattr(single, name),
                                          err_msg=name)


def test_a_checked_command_placed_at_its_slots_decodes_to_the_command(profile, joint_map):
    limits = command_limits(profile, joint_map, SPEC.joint_names)
    commanded = np.zeros(N, dtype=bool)
    commanded[JOINTS] = True
    position, velocity, effort = np.zeros(N), np.zeros(N), np.zeros(N)
    position[JOINTS] = 1.2, -0.4, math.radians(-30)
    velocity[JOINTS] = 0.5, -1.0, 2.0
    effort[JOINTS] = 10.0, -3.0, 1.5
    stiffness = np.full(N, np.nan)
    stiffness[JOINTS] = 80.0, 15.0, 30.0
    canonical = CanonicalCommand(commanded, position, velocity, effort, stiffness,
                                 np.full(N, np.nan))
    native = check_command(limits, joint_map, canonical, np.zeros(N), None, policy='clamp',
                           uncommanded='hold_measured').command
    on_wire = {name: np.zeros(4) for name in FIELDS}
    for name in FIELDS:
        on_wire[name][SLOTS] = getattr(native, name)
    enabled = np.zeros(4, dtype=bool)
    enabled[SLOTS] = True
    back = command_to_canonical(joint_map, NativeCommand(enabled=enabled, **on_wire), SLOTS)
    assert np.flatnonzero(back.commanded).tolist() == JOINTS
    only(back.position, position[JOINTS].tolist())
    only(back.velocity, velocity[JOINTS].tolist())
    only(back.effort, effort[JOINTS].tolist())
    only(back.stiffness, stiffness[JOINTS].tolist())
    only(back.damping, [2.0, 1.0, 0.5])  # the profile defaults
