"""The mapping core: canonical = sign * scale * native + offset, and its inverse, per quantity.

Expected values are computed by hand from a three-joint profile written here: a knee as it is,
an elbow with sign -1 and offset 0.5, and a head yaw in degrees (scale pi/180).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import yaml

from interop_bridge.canonical import load_canonical
from interop_bridge.mapping import (
    MISSING_SLOT, build_joint_map, efforts_to_canonical, efforts_to_native, gains_to_canonical,
    gains_to_native, positions_to_canonical, positions_to_native, scatter_joints, take_slots,
    velocities_to_canonical, velocities_to_native)
from interop_bridge.profile import load_profile

SPEC = load_canonical()
N = SPEC.joint_count
KNEE, ELBOW, HEAD = 3, 18, 29  # canonical indices of left_knee, left_elbow, head_yaw
DEG = math.pi / 180

TINY = {
    'name': 'tiny', 'vendor': 'test', 'model': 'tiny', 'adapter': 'booster',
    'state_rate_hz': 100, 'topics': {'state': 'low_state', 'command': 'joint_ctrl'},
    'imu': {'orientation': 'rpy'}, 'command': {}, 'booster': {'motor_count': 4},
    'joints': [  # listed out of canonical order on purpose
        {'canonical': 'head_yaw', 'source': 3, 'native_name': 'neck', 'scale': DEG,
         'position': [-90, 90], 'velocity': 360, 'effort': 5},
        {'canonical': 'left_knee', 'source': 0, 'native_name': 'knee',
         'position': [0, 2.5], 'velocity': 10, 'effort': 100},
        {'canonical': 'left_elbow', 'source': 2, 'native_name': 'elbow', 'sign': -1,
         'offset': 0.5, 'position': [-1, 2], 'velocity': 5, 'effort': 20},
    ]}


@pytest.fixture
def joint_map(tmp_path):
    path = tmp_path / 'tiny.yaml'
    path.write_text(yaml.safe_dump(TINY))
    return build_joint_map(load_profile(path), SPEC)


def canonical(knee: float, elbow: float, head: float) -> np.ndarray:
    values = np.full(N, np.nan)
    values[[KNEE, ELBOW, HEAD]] = knee, elbow, head
    return values


def test_the_joint_map_lists_the_mapped_joints_in_canonical_order_with_their_coefficients(
        joint_map):
    assert joint_map.joint_count == 32
    assert joint_map.canonical_index.tolist() == [KNEE, ELBOW, HEAD]
    assert joint_map.native_names == ('knee', 'elbow', 'neck')
    np.testing.assert_allclose(joint_map.gain, [1.0, -1.0, DEG])
    np.testing.assert_array_equal(joint_map.sign, [1.0, -1.0, 1.0])
    np.testing.assert_array_equal(joint_map.offset, [0.0, 0.5, 0.0])
    assert np.flatnonzero(joint_map.present).tolist() == [KNEE, ELBOW, HEAD]


def test_native_positions_become_sign_times_scale_plus_offset(joint_map):
    mapped = positions_to_canonical(joint_map, [0.4, 0.3, 30.0])
    np.testing.assert_allclose(mapped, [0.4, -0.3 + 0.5, math.radians(30)], rtol=0, atol=1e-15)


def test_canonical_positions_go_back_to_the_native_values_they_came_from(joint_map):
    native = positions_to_native(joint_map, canonical(0.4, 0.2, math.radians(30)))
    np.testing.assert_allclose(native, [0.4, 0.3, 30.0], rtol=1e-15, atol=1e-15)
    again = positions_to_canonical(joint_map, native)
    np.testing.assert_allclose(again, [0.4, 0.2, math.radians(30)], rtol=1e-15, atol=1e-15)


def test_positions_of_a_batch_map_row_by_row_with_any_leading_dimensions(joint_map):
    native = np.arange(2 * 5 * 3, dtype=np.float32).reshape(2, 5, 3)
    mapped = positions_to_canonical(joint_map, native)
    assert mapped.shape == (2, 5, 3) and mapped.dtype == np.float64
    assert mapped[1, 4].tolist() == pytest.approx([27.0, -28.0 + 0.5, math.radians(29)])
    back = positions_to_native(joint_map, scatter_joints(joint_map, mapped))
    np.testing.assert_allclose(back, native, rtol=1e-12)


def test_velocities_scale_by_the_gain_without_the_offset(joint_map):
    mapped = velocities_to_canonical(joint_map, [1.0, 2.0, 90.0])
    np.testing.assert_allclose(mapped, [1.0, -2.0, math.pi / 2])
    native = velocities_to_native(joint_map, canonical(1.0, -2.0, math.pi / 2))
    np.testing.assert_allclose(native, [1.0, 2.0, 90.0])


def test_efforts_only_change_sign_whatever_the_position_unit(joint_map):
    mapped = efforts_to_canonical(joint_map, [10.0, 3.0, 2.0])
    np.testing.assert_array_equal(mapped, [10.0, -3.0, 2.0])
    np.testing.assert_array_equal(efforts_to_native(joint_map, canonical(10.0, -3.0, 2.0)),
                                  [10.0, 3.0, 2.0])


def test_native_gains_give_the_same_torque_for_the_same_physical_error(joint_map):
    kp = canonical(50.0, 20.0, 10.0)
    kd = canonical(2.0, 1.0, 0.5)
    kp_native, kd_native = gains_to_native(joint_map, kp, kd)
    np.testing.assert_allclose(kp_native, [50.0, 20.0, 10.0 * DEG])  # N*m/deg on the head
    np.testing.assert_allclose(kd_native, [2.0, 1.0, 0.5 * DEG])
    error = 0.1  # rad of canonical position error on every joint
    native_error = error / np.array([1.0, -1.0, DEG])  # the same error in native units
    torque_native = kp_native * native_error
    # native torque = sign * canonical torque (efforts map by sign)
    np.testing.assert_allclose(torque_native, np.array([1, -1, 1]) * kp[[KNEE, ELBOW, HEAD]]
                               * error)
    kp_back, kd_back = gains_to_canonical(joint_map, kp_native, kd_native)
    np.testing.assert_allclose(kp_back, [50.0, 20.0, 10.0])
    np.testing.assert_allclose(kd_back, [2.0, 1.0, 0.5])


def test_take_slots_reads_float64_values_and_nan_for_a_missing_slot():
    values = np.array([[0.5, 1.5, 2.5], [3.5, 4.5, 5.5]], dtype=np.float32)
    picked = take_slots(values, np.array([2, MISSING_SLOT, 0]))
    assert picked.dtype == np.float64
    np.testing.assert_array_equal(picked, [[2.5, np.nan, 0.5], [5.5, np.nan, 3.5]])
    assert take_slots(values[0], np.array([1, 1])).tolist() == [1.5, 1.5]


def test_scatter_joints_puts_mapped_values_at_their_canonical_index_and_fills_the_rest(
        joint_map):
    out = scatter_joints(joint_map, np.array([[1.0, 2.0, 3.0]]))
    assert out.shape == (1, N)
    assert out[0, [KNEE, ELBOW, HEAD]].tolist() == [1.0, 2.0, 3.0]
    assert np.isnan(np.delete(out[0], [KNEE, ELBOW, HEAD])).all()
    mask = scatter_joints(joint_map, np.array([True, False, True]), fill=False)
    assert mask.dtype == bool and np.flatnonzero(mask).tolist() == [KNEE, HEAD]
