"""StateMapper: vendor-native samples -> canonical state, values computed by hand.

Two hand-written profiles: one addressed by slot (a knee, an elbow with sign -1 and offset 0.5,
a head yaw in degrees, an extra and a gripper), one addressed by joint name.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import yaml

from interop_bridge.canonical import load_canonical
from interop_bridge.profile import WrenchSensor, load_profile
from interop_bridge.state_mapping import StateMapper, map_wrench
from interop_bridge.vendors.native import ImuSample, NativeState

SPEC = load_canonical()
N = SPEC.joint_count
KNEE, ELBOW, HEAD = 3, 18, 29
DEG = math.pi / 180
CHANNELS = len(SPEC.hand_channels)
RIGHT_GRIPPER = SPEC.hand_sides.index('right') * CHANNELS + CHANNELS - 1

COMMON = {'vendor': 'test', 'model': 'tiny', 'state_rate_hz': 100, 'command': {}}
BY_SLOT = {
    **COMMON, 'name': 'by_slot', 'adapter': 'booster', 'booster': {'motor_count': 6},
    'topics': {'state': 'low_state', 'command': 'joint_ctrl'}, 'imu': {'orientation': 'rpy'},
    'joints': [
        {'canonical': 'left_knee', 'source': 0, 'native_name': 'knee',
         'position': [0, 2.5], 'velocity': 10, 'effort': 100},
        {'canonical': 'left_elbow', 'source': 2, 'native_name': 'elbow', 'sign': -1,
         'offset': 0.5, 'position': [-1, 2], 'velocity': 5, 'effort': 20},
        {'canonical': 'head_yaw', 'source': 3, 'native_name': 'neck', 'scale': DEG,
         'position': [-90, 90], 'velocity': 360, 'effort': 5}],
    'extra': [{'name': 'test/crank', 'source': 1}],
    'grippers': [{'side': 'right', 'source': 4, 'open': 0.0, 'closed': -1.0}]}
BY_NAME = {
    **COMMON, 'name': 'by_name', 'adapter': 'ros2_control',
    'topics': {'state': 'joint_states', 'command': 'commands'},
    'ros2_control': {'controller_joints': ['knee_joint', 'elbow_joint']},
    'joints': [
        {'canonical': 'left_knee', 'source': 'knee_joint', 'native_name': 'knee_joint',
         'position': [0, 2.5], 'velocity': 10, 'effort': 100},
        {'canonical': 'left_elbow', 'source': 'elbow_joint', 'native_name': 'elbow_joint',
         'sign': -1, 'offset': 0.5, 'position': [-1, 2], 'velocity': 5, 'effort': 20}]}


def mapper_of(tmp_path, raw: dict) -> StateMapper:
    path = tmp_path / f"{raw['name']}.yaml"
    path.write_text(yaml.safe_dump(raw))
    return StateMapper(load_profile(path), SPEC)


def slot_state(position=(0.4, 7.0, 0.3, 30.0, -0.25, 99.0), **fields) -> NativeState:
    values = {'velocity': np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
              'effort': np.array([10.0, 20.0, 30.0, 40.0, 50.0, 60.0]),
              'temperature': np.array([30.0, 31.0, 32.0, 33.0, 34.0, 35.0]),
              'status': np.array([1, 2, 3, 4, 5, 6], dtype=np.uint32), **fields}
    return NativeState(position=np.asarray(position, dtype=np.float64), **values)


def only(values: np.ndarray, expected: dict[int, float]) -> None:
    """`values` equals `expected` at those canonical indices and is NaN everywhere else."""
    for index, value in expected.items():
        assert values[index] == pytest.approx(value, abs=1e-12), index
    rest = np.delete(values, list(expected))
    assert np.isnan(rest).all()


def test_each_joint_reads_its_slot_with_its_sign_scale_and_offset(tmp_path):
    state = mapper_of(tmp_path, BY_SLOT).map(slot_state())
    only(state.position, {KNEE: 0.4, ELBOW: -0.3 + 0.5, HEAD: math.radians(30)})
    assert np.flatnonzero(state.valid).tolist() == [KNEE, ELBOW, HEAD]


def test_velocities_scale_by_the_gain_and_efforts_by_the_sign_only(tmp_path):
    state = mapper_of(tmp_path, BY_SLOT).map(slot_state())
    only(state.velocity, {KNEE: 1.0, ELBOW: -3.0, HEAD: math.radians(4.0)})
    only(state.effort, {KNEE: 10.0, ELBOW: -30.0, HEAD: 40.0})


def test_temperature_is_copied_and_status_is_zero_where_a_joint_is_missing(tmp_path):
    state = mapper_of(tmp_path, BY_SLOT).map(slot_state())
    only(state.temperature, {KNEE: 30.0, ELBOW: 32.0, HEAD: 33.0})
    expected = np.zeros(N, dtype=np.uint32)
    expected[[KNEE, ELBOW, HEAD]] = [1, 3, 4]
    assert state.status.dtype == np.uint32
    np.testing.assert_array_equal(state.status, expected)


def test_quantities_the_vendor_does_not_report_are_nan_or_none(tmp_path):
    state = mapper_of(tmp_path, BY_SLOT).map(NativeState(position=np.zeros(6)))
    assert np.isnan(state.velocity).all() and np.isnan(state.effort).all()
    assert state.temperature is None and state.status is None and state.imu is None


def test_vendor_only_joints_become_extras_in_native_units(tmp_path):
    state = mapper_of(tmp_path, BY_SLOT).map(slot_state())
    assert state.extra_names == ('test/crank',)
    assert state.extra_position.tolist() == [7.0]


@pytest.mark.parametrize(('native', 'closure'), [(-0.25, 0.25), (0.0, 0.0), (-1.0, 1.0),
                                                 (-1.5, 1.0), (0.2, 0.0)])
def test_a_gripper_becomes_a_closure_between_open_and_closed_clipped_to_0_1(
        tmp_path, native, closure):
    position = (0.4, 7.0, 0.3, 30.0, native, 99.0)
    state = mapper_of(tmp_path, BY_SLOT).map(slot_state(position))
    assert state.hand_closure.shape == (2 * CHANNELS,)
    assert state.hand_closure[RIGHT_GRIPPER] == pytest.approx(closure)
    assert np.flatnonzero(state.hand_valid).tolist() == [RIGHT_GRIPPER]
    assert np.isnan(np.delete(state.hand_closure, RIGHT_GRIPPER)).all()


def test_a_nan_position_makes_its_joint_invalid_with_every_value_nan(tmp_path):
    state = mapper_of(tmp_path, BY_SLOT).map(slot_state((0.4, 7.0, np.nan, 30.0, 0.0, 0.0)))
    assert not state.valid[ELBOW]
    assert np.isnan([state.position[ELBOW], state.velocity[ELBOW], state.effort[ELBOW],
                     state.temperature[ELBOW]]).all()
    assert state.status[ELBOW] == 0
    assert state.valid[KNEE] and state.velocity[KNEE] == 1.0


def test_imu_sequence_and_stamp_pass_through_unchanged(tmp_path):
    imu = ImuSample(np.array([0.0, 0.0, 0.0, 1.0]), np.array([0.1, 0.2, 0.3]),
                    np.array([0.0, 0.0, 9.81]))
    native = slot_state(imu=imu, sequence=np.asarray(17), stamp_ns=np.asarray(123))
    state = mapper_of(tmp_path, BY_SLOT).map(native)
    assert state.imu is imu
    assert int(state.sequence) == 17 and int(state.stamp_ns) == 123


def test_a_batch_maps_row_by_row_like_single_samples(tmp_path):
    mapper = mapper_of(tmp_path, BY_SLOT)
    rows = np.array([[0.4, 7.0, 0.3, 30.0, -0.25, 99.0], [1.0, 0.0, -0.5, -45.0, -0.75, 0.0],
                     [2.0, 1.0, np.nan, 10.0, np.nan, 0.0]])
    batch = mapper.map(NativeState(position=rows, velocity=rows * 2))
    assert batch.position.shape == (3, N) and batch.hand_closure.shape == (3, 2 * CHANNELS)
    for index, row in enumerate(rows):
        alone = mapper.map(NativeState(position=row, velocity=row * 2))
        for name in ('position', 'velocity', 'valid', 'hand_closure', 'hand_valid',
                     'extra_position'):
            np.testing.assert_array_equal(getattr(batch, name)[index], getattr(alone, name),
                                          err_msg=name)


def test_name_addressed_joints_are_found_by_name_in_any_order(tmp_path):
    mapper = mapper_of(tmp_path, BY_NAME)
    native = NativeState(position=np.array([0.3, 5.0, 0.4]), velocity=np.array([2.0, 0, 1.0]),
                         names=('elbow_joint', 'other_joint', 'knee_joint'))
    state = mapper.map(native)
    only(state.position, {KNEE: 0.4, ELBOW: -0.3 + 0.5})
    only(state.velocity, {KNEE: 1.0, ELBOW: -2.0})
    joints, extras, grippers = mapper.slots(native.names)
    assert joints.tolist() == [2, 0] and extras.size == 0 and grippers.size == 0


def test_a_joint_missing_from_the_name_list_is_invalid_and_the_others_still_map(tmp_path):
    mapper = mapper_of(tmp_path, BY_NAME)
    state = mapper.map(NativeState(position=np.array([0.4]), names=('knee_joint',)))
    only(state.position, {KNEE: 0.4})
    assert np.flatnonzero(state.valid).tolist() == [KNEE]
    again = mapper.map(NativeState(position=np.array([0.3, 0.4]),
                                   names=('elbow_joint', 'knee_joint')))
    only(again.position, {KNEE: 0.4, ELBOW: 0.2})  # a new name order resolves anew


def test_a_wrench_gets_the_sign_of_each_raw_axis():
    sensor = WrenchSensor('l_sole', '/ft', force_axes=(1, -1, -1), torque_axes=(1, 1, -1))
    raw = np.array([[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [-1.0, 0.0, 1.0, 0.5, -0.5, 2.0]])
    np.testing.assert_array_equal(map_wrench(sensor, raw),
                                  [[1.0, -2.0, -3.0, 4.0, 5.0, -6.0],
                                   [-1.0, 0.0, -1.0, 0.5, -0.5, -2.0]])
