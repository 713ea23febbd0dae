"""Which joints a dataset stores: declared by canonical names, read back at canonical indices."""

from __future__ import annotations

import numpy as np
import pytest
from dataset_rows import canonical_joint_names

from interop_bridge.canonical import load_canonical
from interop_bridge.dataset.features import canonical_features
from interop_bridge.dataset.joint_layout import (canonical_layout, joint_indices, layout_joints,
                                                 narrow, stored_joints, widen, widen_columns)
from interop_bridge.errors import ExportError

SPEC = load_canonical()
NAMES = canonical_joint_names()  # from config/canonical.yaml, read with PyYAML
G1_LIKE = tuple(range(29))  # every joint but the head's three
T1_LIKE = (*range(12), 12, *range(15, 31))  # no waist roll/pitch, no head roll


def entries(joints) -> dict:
    return {feature.key: feature.info_entry()
            for feature in canonical_features(SPEC, {}, 'commands', joints)}


def test_the_robot_layout_is_the_union_of_the_robots_joints_in_canonical_order():
    assert layout_joints('robot', [T1_LIKE, [31, 3]], SPEC) == tuple(sorted({*T1_LIKE, 31}))
    assert layout_joints('canonical', [T1_LIKE], SPEC) == tuple(range(32))
    with pytest.raises(ExportError, match="joint layout 'both', expected one of"):
        layout_joints('both', [T1_LIKE], SPEC)
    with pytest.raises(ExportError, match='map no canonical joint'):
        layout_joints('robot', [], SPEC)


def test_features_name_the_stored_joints_and_every_joint_feature_agrees():
    features = entries(T1_LIKE)
    for key in ('observation.state', 'observation.velocity', 'observation.effort', 'action',
                'valid.observation.state', 'valid.action'):
        assert features[key]['names'] == [NAMES[index] for index in T1_LIKE]
        assert features[key]['shape'] == [len(T1_LIKE)]
    assert len(features['observation.hand']['names']) == 14  # other features keep their width
    assert stored_joints(features, SPEC) == T1_LIKE
    assert canonical_layout(entries(None), SPEC) == tuple(range(32))


def test_names_out_of_order_unknown_or_disagreeing_are_refused():
    with pytest.raises(ExportError, match='not in canonical order'):
        joint_indices(['left_knee', 'left_hip_pitch'], SPEC, 'x')
    with pytest.raises(ExportError, match='repeated'):
        joint_indices(['left_knee', 'left_knee'], SPEC, 'x')
    with pytest.raises(ExportError, match=r"\['left_elbow_roll'\] are not canonical"):
        joint_indices(['left_elbow_roll'], SPEC, 'x')
    features = entries(T1_LIKE)
    features['action'] = entries(G1_LIKE)['action']
    with pytest.raises(ExportError, match='features.action.names: not the joints of'):
        stored_joints(features, SPEC)


def test_a_dataset_of_another_origin_has_no_canonical_layout():
    features = {'observation.state': {'names': ['shoulder_pan.pos', 'gripper.pos']}}
    assert canonical_layout(features, SPEC) is None
    assert canonical_layout({'observation.state': {'names': None}}, SPEC) is None


def test_stored_columns_go_back_to_their_canonical_index_and_round_trip():
    rows = np.arange(2 * len(T1_LIKE), dtype=np.float32).reshape(2, -1) + 1
    wide = widen(rows, T1_LIKE, 32)
    assert wide.shape == (2, 32)
    head_yaw, waist_roll = NAMES.index('head_yaw'), NAMES.index('waist_roll')
    assert wide[0, head_yaw] == rows[0, list(T1_LIKE).index(head_yaw)]
    assert (wide[:, waist_roll] == 0.0).all()  # not stored: 0.0 (a mask: invalid)
    np.testing.assert_array_equal(narrow(wide, T1_LIKE), rows)
    columns = widen_columns({'observation.state': rows, 'observation.hand': rows}, T1_LIKE, 32)
    assert columns['observation.state'].shape == (2, 32)
    assert columns['observation.hand'] is rows  # not a joint feature: as it is
