"""A vendor recording of a G1 with Dex3-1 hands (`ros2 bag record` of /lowstate and the hands'
own /dex3/<side>/state and /cmd) exports the hands' closures, their validity and the hand
actions, read with the hand's codec. Expected closures come from the trajectory recorded here
in radians and the Dex3-1 URDF limits (dex3_1_l.urdf, dex3_1_r.urdf), not from the exporter."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from bag_factory import EventSpec, write_vendor_bag
from dataset_rows import raw_rows
from hand_messages import dex3_command_bytes, dex3_index_pose, dex3_index_ramp

from interop_bridge.cli import main
from interop_bridge.dataset.validate import validate_dataset

DURATION_S, HAND_HZ, COMMAND_HZ = 2.0, 100, 50


def ramp(t: float) -> float:
    return t / DURATION_S                 # the index closes from 0 to 1 over the recording


def hand_messages() -> tuple:
    """Both hands closing their index (hand_messages.dex3_index_ramp), and left-hand commands
    opening it again over the recording."""
    messages = dex3_index_ramp(DURATION_S, HAND_HZ)
    for tick in range(int(DURATION_S * COMMAND_HZ) + 1):
        t = tick / COMMAND_HZ
        messages.append(('/dex3/left/cmd', 'unitree_hg/msg/HandCmd', t,
                         dex3_command_bytes(dex3_index_pose('left', 1.0 - ramp(t)))))
    return tuple(messages)


@pytest.fixture(scope='module')
def dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp('hands')
    bag = write_vendor_bag(root / 'bag', 'unitree_g1_29dof', duration_s=DURATION_S,
                           events=(EventSpec(0.2, 1.8, 'grasp'),), camera=False,
                           commands=True, extra=hand_messages())
    assert main(['export', str(bag), '--profile', 'unitree_g1_29dof', '--out',
                 str(root / 'ds'), '--jobs', '1']) == 0
    return root / 'ds'


def column(dataset, key: str, name: str) -> np.ndarray:
    info = json.loads((dataset / 'meta' / 'info.json').read_text())
    names = info['features'][key]['names']
    return raw_rows(dataset)[key][:, names.index(name)]


def test_the_dataset_with_hands_and_touch_is_valid(dataset):
    assert validate_dataset(dataset).ok


def test_the_index_closure_follows_the_recorded_joints_on_both_hands(dataset):
    rows = raw_rows(dataset)
    t = rows['timestamp'] + 0.2             # the episode starts 0.2 s into the recording
    for side in ('left', 'right'):
        closure = column(dataset, 'observation.hand', f'{side}_hand_index_flexion')
        np.testing.assert_allclose(closure, ramp(t), atol=2e-3, err_msg=side)
        middle = column(dataset, 'observation.hand', f'{side}_hand_middle_flexion')
        np.testing.assert_allclose(middle, 0.0, atol=1e-6)


def test_the_channels_a_three_finger_hand_has_are_valid_and_no_others(dataset):
    info = json.loads((dataset / 'meta' / 'info.json').read_text())
    names = info['features']['valid.observation.hand']['names']
    valid = raw_rows(dataset)['valid.observation.hand']
    expected = {name: name.split('_hand_')[-1] in ('thumb_rotation', 'thumb_flexion',
                                                   'index_flexion', 'middle_flexion')
                for name in names}
    for index, name in enumerate(names):
        assert (valid[:, index] == float(expected[name])).all(), name


def test_the_hand_commands_become_the_hand_action_of_the_commanded_side(dataset):
    rows = raw_rows(dataset)
    t = rows['timestamp'] + 0.2
    action = column(dataset, 'action.hand', 'left_hand_index_flexion')
    # commands hold until the next one (50 Hz): within one command period of the ramp down
    assert np.all(np.abs(action - (1.0 - ramp(t))) <= 1.0 / (COMMAND_HZ * DURATION_S) + 1e-3)
    assert (column(dataset, 'valid.action.hand', 'left_hand_index_flexion') == 1.0).all()
    assert (column(dataset, 'valid.action.hand', 'right_hand_index_flexion') == 0.0).all()


def test_every_pad_is_a_tactile_feature_with_its_grid_and_unit(dataset):
    info = json.loads((dataset / 'meta' / 'info.json').read_text())['features']
    pad = info['observation.tactile.left.index_tip']
    assert pad['shape'] == [12] and pad['names'][:5] == ['r0c0', 'r0c1', 'r0c2', 'r0c3', 'r1c0']
    assert pad['info'] == {'layout': 'grid', 'rows': 3, 'cols': 4, 'unit': 'raw'}
    assert sorted(key for key in info if key.startswith('observation.tactile.')) == sorted(
        f'observation.tactile.{side}.{name}' for side in ('left', 'right') for name in (
            'thumb_tip', 'thumb_pad', 'index_tip', 'index_pad', 'middle_tip', 'middle_pad',
            'palm_1', 'palm_2', 'palm_3'))


def test_pad_readings_are_kept_and_no_sensor_is_invalid_never_a_value(dataset):
    rows = raw_rows(dataset)
    index_tip = rows['observation.tactile.right.index_tip']   # pad 2 of the message
    np.testing.assert_array_equal(index_tip, np.tile(np.arange(12) + 100200.0,
                                                     (len(index_tip), 1)))
    assert (rows['valid.observation.tactile.right.index_tip'] == 1.0).all()
    assert (rows['valid.observation.tactile.left.palm_3'] == 0.0).all()   # 30000: no sensor
    assert (rows['observation.tactile.left.palm_3'] == 0.0).all()   # valid nowhere: 0.0
    stats = json.loads((dataset / 'meta' / 'stats.json').read_text())
    assert stats['observation.tactile.right.index_tip']['min'][0] == 100200.0


def test_validate_refuses_a_no_reading_value_flagged_valid(dataset, tmp_path):
    copy = tmp_path / 'ds'
    shutil.copytree(dataset, copy)
    path = next((copy / 'data').rglob('*.parquet'))
    table = pq.read_table(path)
    key = 'observation.tactile.left.index_tip'
    pads = np.stack(table[key].to_numpy(zero_copy_only=False)).astype(np.float32)
    pads[3, 5] = 30000.0                      # Dex3's "no sensor", its mask still 1
    column = pa.array(list(pads), type=table.schema.field(key).type)
    table = table.set_column(table.schema.get_field_index(key), key, column)
    pq.write_table(table, path, write_page_checksum=True)
    values = {result.name: result for result in validate_dataset(copy).results}['values']
    assert not values.passed
    assert 'observation.tactile.left.index_tip has 1 value(s) a vendor "no reading" value' in \
        values.detail and 'row 3 entry 5' in values.detail
