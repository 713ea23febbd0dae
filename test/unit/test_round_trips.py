"""Round trips per profile: what the bridge sends, the exporter reads back; what the bridge maps
from vendor bytes, the exporter maps the same way.

Parametrized over every shipped profile, so a new profile is covered as soon as it ships.
Commands: canonical command -> BridgeCore.on_command -> vendor bytes -> RobotCodec.commands /
topic_decoders.VendorCommandDecoder (the exporter's path) gives the command back. States:
vendor bytes (built by rosbags, test/vendor_messages.py) -> BridgeCore.on_state equals
topic_decoders.VendorStateDecoder on the same bytes, array for array.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import vendor_messages as vm
import yaml

from interop_bridge.bridge_core import BridgeCore, command_from_arrays
from interop_bridge.canonical import load_canonical
from interop_bridge.command_safety import FIELDS
from interop_bridge.export.topic_decoders import (
    ImuDecoder, VendorCommandDecoder, VendorStateDecoder, WrenchDecoder)
from interop_bridge.profile import Profile, load_profile, shipped_profiles
from interop_bridge.vendors.registry import ADAPTERS

SPEC = load_canonical()
N = SPEC.joint_count
PROFILES = shipped_profiles()
UNCOMMANDED = ('hold_measured', 'hold_last', 'damp')
# What each adapter's command wire carries, and in which precision. A new adapter must say so
# here (the tests fail with a message naming it until it does).
WIRE = {'unitree_hg': (FIELDS, np.float32), 'unitree_go': (FIELDS, np.float32),
        'booster': (FIELDS, np.float32)}


def wire(profile: Profile) -> tuple[tuple[str, ...], type]:
    """The command fields the profile's wire carries, and their float type."""
    if profile.adapter == 'ros2_control':
        return (str(profile.options['command_interface']),), np.float64
    assert profile.adapter in WIRE, f'declare what adapter {profile.adapter!r} carries in WIRE'
    return WIRE[profile.adapter]


def tolerance(precision: type) -> dict[str, float]:
    return {'rtol': 1e-6, 'atol': 2e-6} if precision is np.float32 else {'rtol': 0, 'atol': 1e-12}


def variant(tmp_path, name: str, *, command: dict | None = None,
            options: dict | None = None) -> Profile:
    """A shipped profile with other `command:` keys and adapter options, as a file in tmp_path."""
    profile = load_profile(name)
    raw = yaml.safe_load(open(profile.source_file).read())
    raw.setdefault('command', {}).update(command or {})
    section = ADAPTERS[profile.adapter].section
    raw.setdefault(section, {}).update(options or {})
    path = tmp_path / f'{name}.yaml'
    path.write_text(yaml.safe_dump(raw))
    return load_profile(path)


def core_with_state(profile: Profile, seed: float = 0.0) -> BridgeCore:
    core = BridgeCore(profile, SPEC, vm.typestore().fielddefs)
    assert core.on_state(vm.profile_state(profile, seed)[0], 0.0) is not None
    return core


def inside_limits(core: BridgeCore, commanded: np.ndarray, at: float = 0.5):
    """A canonical command inside every limit: positions around `at` of each joint's range
    (0 low, 1 high), velocities, efforts and gains fractions of their limits.
    """
    limits = core.limits
    present = limits.present
    fraction = at + 0.1 * np.sin(np.arange(N))
    span = limits.position_high - limits.position_low
    position = np.where(present, limits.position_low + fraction * span, 0.0)
    alternate = np.where(np.arange(N) % 2 == 0, 1.0, -1.0)
    fields = {'velocity': 0.25 * alternate * np.nan_to_num(limits.velocity_max),
              'effort': -0.3 * alternate * np.nan_to_num(limits.effort_max),
              'stiffness': 0.5 * np.nan_to_num(limits.stiffness_max),
              'damping': 0.4 * np.nan_to_num(limits.damping_max)}
    return command_from_arrays(N, commanded, position, **fields)


def send(core: BridgeCore, command) -> tuple[bytes, object]:
    result = core.on_command(command, 0.01)
    assert result.outcome.rejected == ''
    assert result.outcome.clamped == 0  # inside the limits: nothing changed on the way
    return result.payload, result.outcome


def measured_inside_limits(core: BridgeCore) -> np.ndarray:
    """The measured canonical positions clipped into the limits: what a hold target is."""
    return np.clip(core.canonical.position, core.limits.position_low, core.limits.position_high)


def partial_mask(seed: int = 0) -> np.ndarray:
    return (np.arange(N) + seed) % 3 == 0


# ----- commands: bridge encode -> exporter decode ---------------------------------------------

def full_command_sent(name: str):
    """A full command inside the limits sent by a bridge of profile `name`, and its pieces."""
    profile = load_profile(name)
    core = core_with_state(profile)
    command = inside_limits(core, core.limits.present.copy())
    payload, outcome = send(core, command)
    return core, command, payload, outcome, wire(profile)


@pytest.mark.parametrize('name', PROFILES)
def test_a_full_command_inside_the_limits_comes_back_from_the_bytes_the_bridge_sent(name):
    core, command, payload, outcome, (carried, precision) = full_command_sent(name)
    present = core.limits.present
    exported = VendorCommandDecoder(core.codec).decode([payload])
    assert exported.values['action'].shape == (1, N)
    driven = present & ((command.stiffness > 0) | ('stiffness' not in carried))
    np.testing.assert_array_equal(exported.values['action_valid'][0], driven.astype(float))
    np.testing.assert_allclose(exported.values['action'][0][driven], command.position[driven],
                               **tolerance(precision))
    assert np.isnan(exported.values['action'][0][~driven]).all()
    np.testing.assert_allclose(outcome.targets[present], command.position[present])


@pytest.mark.parametrize('name', PROFILES)
def test_every_field_the_wire_carries_comes_back_and_the_others_are_nan(name):
    core, command, payload, _, (carried, precision) = full_command_sent(name)
    present = core.limits.present
    decoded = core.codec.commands([payload])
    for field in FIELDS:
        values = getattr(decoded, field)[0]
        if field in carried and field != 'position':
            np.testing.assert_allclose(values[present], getattr(command, field)[present],
                                       **tolerance(precision), err_msg=field)
        elif field not in carried:
            assert np.isnan(values).all(), field
        assert np.isnan(values[~present]).all(), field


@pytest.mark.parametrize('uncommanded', UNCOMMANDED)
@pytest.mark.parametrize('name', PROFILES)
def test_a_partial_command_decodes_to_what_the_bridge_actually_sent(tmp_path, name,
                                                                    uncommanded):
    profile = variant(tmp_path, name, command={'uncommanded': uncommanded})
    core = core_with_state(profile)
    present = core.limits.present
    first, _ = send(core, inside_limits(core, present.copy()))  # sets hold_last's targets
    commanded = present & partial_mask()
    command = inside_limits(core, commanded, at=0.3)
    command = replace(command, position=np.where(commanded, command.position, np.nan))
    payload, outcome = send(core, command)
    carried, precision = wire(profile)
    exported = VendorCommandDecoder(core.codec).decode([payload])
    action, valid = exported.values['action'][0], exported.values['action_valid'][0] == 1.0
    if 'stiffness' in carried:  # a joint sent with kp = 0 is damped, not driven to a target
        held_kp = np.zeros(N) if uncommanded == 'damp' else core.limits.stiffness_default
        expected_valid = present & (np.where(commanded, command.stiffness, held_kp) > 0)
        if uncommanded == 'damp':
            np.testing.assert_array_equal(valid, commanded)
    else:  # a position-only wire drives every joint it names, held ones to their hold target
        expected_valid = present
    np.testing.assert_array_equal(valid, expected_valid)
    np.testing.assert_allclose(action[valid], outcome.targets[valid], **tolerance(precision))
    np.testing.assert_allclose(action[commanded & valid], command.position[commanded & valid],
                               **tolerance(precision))
    if uncommanded == 'hold_last':
        previous = core.codec.commands([first]).position[0]
        held = valid & ~commanded
        np.testing.assert_allclose(action[held], previous[held], **tolerance(precision))
    elif uncommanded == 'hold_measured':  # the measured position, never past a limit
        held = valid & ~commanded
        np.testing.assert_allclose(action[held], measured_inside_limits(core)[held],
                                   **tolerance(precision))


@pytest.mark.parametrize('name', PROFILES)
def test_the_safe_damping_command_exports_no_position_target_where_the_wire_has_gains(name):
    profile = load_profile(name)
    core = core_with_state(profile)
    send(core, inside_limits(core, core.limits.present.copy()))
    payload = core.safe_command_due(10.0)
    carried, precision = wire(profile)
    exported = VendorCommandDecoder(core.codec).decode([payload]).values
    if profile.command.on_timeout == 'damp' and 'stiffness' in carried:
        assert not exported['action_valid'].any()
    else:  # hold (or a wire without gains): the measured position is the target
        present = core.limits.present
        np.testing.assert_array_equal(exported['action_valid'][0] == 1.0, present)
        np.testing.assert_allclose(exported['action'][0][present],
                                   measured_inside_limits(core)[present],
                                   **tolerance(precision))


@pytest.mark.parametrize('name', PROFILES)
def test_a_batch_of_commands_decodes_like_each_command_alone(name):
    profile = load_profile(name)
    core = core_with_state(profile)
    payloads = []
    for seed in range(3):
        commanded = core.limits.present & partial_mask(seed)
        command = inside_limits(core, commanded, at=0.3 + 0.2 * seed)
        payloads.append(send(core, command)[0])
    batch = VendorCommandDecoder(core.codec).decode(payloads).values
    for index, payload in enumerate(payloads):
        alone = VendorCommandDecoder(core.codec).decode([payload]).values
        for key in ('action', 'action_valid'):
            np.testing.assert_array_equal(batch[key][index], alone[key][0], err_msg=key)


@pytest.mark.parametrize('interface', ['velocity', 'effort'])
@pytest.mark.parametrize('name', [name for name in PROFILES
                                  if load_profile(name).adapter == 'ros2_control'])
def test_a_ros2_control_velocity_or_effort_controller_exports_no_position_targets(
        tmp_path, name, interface):
    profile = variant(tmp_path, name, options={'command_interface': interface})
    core = core_with_state(profile)
    present = core.limits.present
    command = inside_limits(core, present.copy())
    payload, _ = send(core, command)
    exported = VendorCommandDecoder(core.codec).decode([payload]).values
    assert not exported['action_valid'].any()
    assert np.isnan(exported['action']).all()
    decoded = core.codec.commands([payload])
    np.testing.assert_allclose(getattr(decoded, interface)[0][present],
                               getattr(command, interface)[present], rtol=0, atol=1e-12)
    sent = vm.deserialize(payload, 'std_msgs/msg/Float64MultiArray').data
    order = list(profile.options['controller_joints'])
    for joint in profile.joints:  # the wire holds the interface's values, never positions
        value = getattr(command, interface)[joint.index]
        value = value / joint.gain if interface == 'velocity' else value * joint.sign
        assert sent[order.index(str(joint.source))] == pytest.approx(value, abs=1e-12)
    for extra in profile.extra:
        assert sent[order.index(str(extra.source))] == 0.0


# ----- states: bridge path == exporter path ---------------------------------------------------

def bridge_columns(core: BridgeCore, raw: bytes) -> dict[str, np.ndarray]:
    """What the bridge maps from one vendor state, in the exporter's column names."""
    state = core.on_state(raw, 0.0)
    assert state is not None
    columns = {'position': state.position, 'velocity': state.velocity, 'effort': state.effort,
               'valid': state.valid.astype(float), 'hand': state.hand_closure,
               'hand_valid': state.hand_valid.astype(float)}
    if state.imu is not None:
        imu = state.imu
        columns.update(orientation=imu.orientation, angular_velocity=imu.angular_velocity,
                       linear_acceleration=imu.linear_acceleration,
                       imu_valid=np.array([float(np.isfinite(imu.angular_velocity).all() and
                                                 np.isfinite(imu.linear_acceleration).all())]))
    return columns


def assert_same_columns(bridge: dict[str, np.ndarray], exported, row: int) -> None:
    assert set(exported.values) == set(bridge)
    for key, values in bridge.items():
        np.testing.assert_array_equal(exported.values[key][row], values, err_msg=key)


@pytest.mark.parametrize('name', PROFILES)
def test_one_vendor_state_maps_the_same_in_the_bridge_and_in_the_exporter(name):
    profile = load_profile(name)
    core = BridgeCore(profile, SPEC, vm.typestore().fielddefs)
    raw, _, _ = vm.profile_state(profile)
    bridge = bridge_columns(core, raw)
    exported = VendorStateDecoder(core.codec).decode([raw])
    assert_same_columns(bridge, exported, 0)
    stamp = core.canonical.stamp_ns
    if stamp is None:
        assert exported.header_ns is None
    else:
        assert exported.header_ns.tolist() == [int(stamp)]
    assert np.isfinite(bridge['position'][core.limits.present]).all()


@pytest.mark.parametrize('name', PROFILES)
def test_a_batch_of_different_states_maps_like_each_state_alone(name):
    profile = load_profile(name)
    core = BridgeCore(profile, SPEC, vm.typestore().fielddefs)
    raws = [vm.profile_state(profile, seed)[0] for seed in (0.0, 0.05, 0.11, 0.2)]
    exported = VendorStateDecoder(core.codec).decode(raws)
    positions = []
    for row, raw in enumerate(raws):
        bridge = bridge_columns(core, raw)
        assert_same_columns(bridge, exported, row)
        positions.append(bridge['position'])
    assert len({tuple(np.nan_to_num(p)) for p in positions}) == len(raws)  # really different


@pytest.mark.parametrize('name', [name for name in PROFILES if load_profile(name).topics.imu])
def test_a_separate_imu_topic_maps_the_same_in_the_bridge_and_in_the_exporter(name):
    profile = load_profile(name)
    core = BridgeCore(profile, SPEC, vm.typestore().fielddefs)
    raws = [vm.imu((0.0, 0.0, np.sin(a / 2), np.cos(a / 2)), (a, 0.1, 0.2), stamp_ns=10 + i)
            for i, a in enumerate((0.1, 0.5, 0.9))]
    exported = ImuDecoder(core.codec).decode(raws)
    for row, raw in enumerate(raws):
        core.on_imu(raw)
        state = core.on_state(vm.profile_state(profile)[0], 0.0)
        np.testing.assert_array_equal(exported.values['orientation'][row], state.imu.orientation)
        np.testing.assert_array_equal(exported.values['angular_velocity'][row],
                                      state.imu.angular_velocity)
        np.testing.assert_array_equal(exported.values['linear_acceleration'][row],
                                      state.imu.linear_acceleration)
        assert exported.header_ns[row] == 10 + row == state.imu.stamp_ns


@pytest.mark.parametrize('name', [name for name in PROFILES if load_profile(name).wrenches])
def test_force_torque_topics_map_the_same_in_the_bridge_and_in_the_exporter(name):
    profile = load_profile(name)
    core = BridgeCore(profile, SPEC, vm.typestore().fielddefs)
    raws = [vm.wrench_stamped((1.0 + i, -2.0, 30.0), (0.1, 0.2 * i, -0.3), stamp_ns=i)
            for i in range(3)]
    for sensor in profile.wrenches:
        exported = WrenchDecoder(core.codec, SPEC, sensor).decode(raws)
        slot = SPEC.wrench_frames.index(sensor.frame)
        for row, raw in enumerate(raws):
            core.on_wrench(sensor.frame, raw)
            np.testing.assert_array_equal(
                exported.values['wrench'][row][6 * slot:6 * slot + 6], core.wrenches[sensor.frame])
            signs = np.array([*sensor.force_axes, *sensor.torque_axes])
            raw_values = [1.0 + row, -2.0, 30.0, 0.1, 0.2 * row, -0.3]
            np.testing.assert_allclose(core.wrenches[sensor.frame], signs * raw_values)
        assert exported.header_ns.tolist() == [0, 1, 2]
