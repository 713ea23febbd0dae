"""Metadata helpers: robot types, GR00T slices, info.json, JSON errors."""

from __future__ import annotations

import dataclasses

import pytest

from interop_bridge.errors import ExportError
from interop_bridge.dataset.metadata import (build_info, feature_entries, gr00t_modality,
                                             join_robot_types, read_info, read_interop,
                                             write_json)


def test_robot_types_are_joined_in_order_of_first_appearance():
    assert join_robot_types(['unitree_g1_29dof', 'booster_t1', 'unitree_g1_29dof']) == \
        'unitree_g1_29dof+booster_t1'
    assert join_robot_types(['a+b', 'c', None, 'b']) == 'a+b+c'
    assert join_robot_types([None]) is None


def test_info_has_no_video_path_without_cameras(kit):
    info = build_info(feature_entries(kit.features_without_video), 30, 'g1', (2, 100, 1),
                      (100, 200))
    assert info['video_path'] is None
    assert info['splits'] == {'train': '0:2'}
    assert list(info['features'])[-5:] == ['timestamp', 'frame_index', 'episode_index', 'index',
                                           'task_index']


def test_gr00t_modality_needs_contiguous_groups(kit):
    joints = list(kit.spec.joints)
    joints[0], joints[7] = (dataclasses.replace(joints[0], group='right_leg'),
                            dataclasses.replace(joints[7], group='left_leg'))
    shuffled = dataclasses.replace(kit.spec, joints=tuple(joints))
    with pytest.raises(ExportError, match="canonical group 'left_leg': joint indices "
                                          r'\[1, 2, 3, 4, 5, 7\] are not one contiguous range'):
        gr00t_modality(shuffled, [])


def test_reading_metadata_that_is_missing_or_foreign_names_the_file(tmp_path):
    with pytest.raises(ExportError, match=f'{tmp_path}/meta/info.json: missing'):
        read_info(tmp_path)
    write_json(tmp_path, 'meta/info.json', {'codebase_version': 'v2.1'})
    with pytest.raises(ExportError, match="codebase_version is 'v2.1', expected 'v3.0'"):
        read_info(tmp_path)
    (tmp_path / 'meta/interop.json').write_text('{not json')
    with pytest.raises(ExportError, match='meta/interop.json: not valid JSON'):
        read_interop(tmp_path)


def test_metadata_that_json_cannot_hold_is_refused(tmp_path):
    with pytest.raises(ExportError, match='meta/interop.json: cannot be written as JSON'):
        write_json(tmp_path, 'meta/interop.json', {'bag': object()})


def test_a_dataset_without_interop_json_is_named_as_foreign(tmp_path):
    write_json(tmp_path, 'meta/info.json', {'codebase_version': 'v3.0'})
    with pytest.raises(ExportError, match='meta/interop.json: missing; only datasets written by '
                                          'interop'):
        read_interop(tmp_path)
