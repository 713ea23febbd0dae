"""A dataset stores its robots' own joints; appending another robot is refused, merging stores
the union, GR00T slices follow the stored joints, `--joints canonical` keeps all 32."""

from __future__ import annotations

import json
from pathlib import Path

import bag_factory as bf
import numpy as np
import pytest
from dataset_rows import canonical_joint_names, raw_rows, read_rows, stored_names

from interop_bridge.cli import main
from interop_bridge.dataset.merge import merge_datasets
from interop_bridge.dataset.validate import validate_dataset
from interop_bridge.errors import ExportError
from interop_bridge.export.exporter import ExportRequest, export_recordings

G1, T1 = 'unitree_g1_29dof', 'booster_t1'
G1_EPISODE = (bf.EventSpec(0.2, 1.2, 'wave both arms'),)
T1_EPISODE = (bf.EventSpec(0.5, 1.5, 'wave both arms'),)
HEAD = ['head_yaw', 'head_pitch', 'head_roll']


def export(bag: Path, out: Path, profile: str, **options) -> Path:
    request = ExportRequest(bags=(bag,), out=out, profile=profile, vcodec='libx264', **options)
    export_recordings(request, [].append)
    return out


@pytest.fixture(scope='module')
def datasets(tmp_path_factory) -> dict[str, Path]:
    """A G1 and a T1 dataset, each in its robot's own joints."""
    base = tmp_path_factory.mktemp('layouts')
    g1 = bf.write_vendor_bag(base / 'g1-bag', G1, events=G1_EPISODE)
    t1 = bf.write_vendor_bag(base / 't1-bag', T1, storage='sqlite3', events=T1_EPISODE)
    return {'g1': export(g1, base / 'g1', G1, modality=True), 't1-bag': t1,
            't1': export(t1, base / 't1', T1, modality=True)}


def meta(root: Path, name: str) -> dict:
    return json.loads((root / 'meta' / name).read_text())


def test_a_g1_dataset_has_no_head_columns_and_says_which_joints_it_holds(datasets):
    names = stored_names(datasets['g1'])
    assert len(names) == 29 and not set(HEAD) & set(names)  # the G1 has no neck
    assert stored_names(datasets['g1'], 'valid.observation.state') == names
    assert meta(datasets['g1'], 'interop.json')['exports'][0]['joints'] == 'robot'
    assert raw_rows(datasets['g1'])['observation.effort'].shape[1] == 29


def test_gr00t_slices_cover_the_stored_joints_by_body_part(datasets):
    state = meta(datasets['g1'], 'modality.json')['state']
    assert 'head' not in state
    assert (state['left_leg']['start'], state['left_leg']['end']) == (0, 6)
    assert (state['left_arm']['start'], state['right_arm']['end']) == (15, 29)
    names = stored_names(datasets['t1'])  # the T1: head yaw and pitch, no head roll
    head = meta(datasets['t1'], 'modality.json')['state']['head']
    assert names[head['start']:head['end']] == ['head_yaw', 'head_pitch']
    assert head['end'] == len(names)


def test_another_robot_appended_is_refused_naming_its_joints_and_nothing_changes(datasets,
                                                                                 tmp_path):
    before = raw_rows(datasets['g1'])['observation.state'].copy()
    with pytest.raises(ExportError, match=r"not \['head_yaw', 'head_pitch'\].*interop merge"):
        export(datasets['t1-bag'], datasets['g1'], T1)
    assert meta(datasets['g1'], 'info.json')['total_episodes'] == 1
    np.testing.assert_array_equal(raw_rows(datasets['g1'])['observation.state'], before)


def test_a_merge_of_two_robots_stores_the_union_of_their_joints(datasets, tmp_path):
    merged = merge_datasets(tmp_path / 'both', [datasets['g1'], datasets['t1']]).root
    names = stored_names(merged)
    union = set(stored_names(datasets['g1'])) | set(stored_names(datasets['t1']))
    assert names == [name for name in canonical_joint_names() if name in union]
    assert len(names) == 31  # the G1's 29 and the T1's head yaw and pitch
    rows = read_rows(merged)
    g1_rows, t1_rows = rows['episode_index'] == 0, rows['episode_index'] == 1
    state, valid = bf.mapped_state(T1, 0.5)
    np.testing.assert_allclose(rows['observation.state'][t1_rows][0], state, atol=2e-6)
    np.testing.assert_array_equal(rows['valid.observation.state'][t1_rows][0], valid)
    yaw = canonical_joint_names().index('head_yaw')
    assert not rows['valid.observation.state'][g1_rows, yaw].any()  # the G1 has none
    assert (rows['observation.state'][g1_rows, yaw] == 0.0).all()
    report = validate_dataset(merged)
    assert report.ok, report.render()


def test_merged_statistics_of_a_joint_only_one_robot_has_are_that_robots(datasets, tmp_path):
    merged = merge_datasets(tmp_path / 'both', [datasets['g1'], datasets['t1']]).root
    yaw_merged = stored_names(merged).index('head_yaw')
    yaw_t1 = stored_names(datasets['t1']).index('head_yaw')
    t1_head = raw_rows(datasets['t1'])['observation.state'][:, yaw_t1].astype(np.float64)
    stats = meta(merged, 'stats.json')['observation.state']
    assert stats['mean'][yaw_merged] == pytest.approx(t1_head.mean(), abs=1e-6)
    assert stats['min'][yaw_merged] == pytest.approx(t1_head.min(), abs=1e-6)
    assert stats['max'][yaw_merged] == pytest.approx(t1_head.max(), abs=1e-6)
    head = meta(merged, 'modality.json')['state']['head']
    assert stored_names(merged)[head['start']:head['end']] == ['head_yaw', 'head_pitch']


def test_the_cli_exports_every_canonical_joint_when_asked(datasets, tmp_path, capsys):
    out = tmp_path / 'all'
    code = main(['export', str(datasets['t1-bag']), '--out', str(out), '--profile', T1,
                 '--vcodec', 'libx264', '--joints', 'canonical'])
    assert code == 0
    assert stored_names(out) == canonical_joint_names()
    rows = read_rows(out)
    state, valid = bf.mapped_state(T1, 0.5)
    np.testing.assert_array_equal(rows['valid.observation.state'][0], valid)
    assert meta(out, 'interop.json')['exports'][0]['joints'] == 'canonical'


def test_the_cli_refuses_an_unknown_layout(datasets, tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(['export', str(datasets['t1-bag']), '--out', str(tmp_path / 'x'),
              '--profile', T1, '--joints', 'some'])
    assert "invalid choice: 'some'" in capsys.readouterr().err
    with pytest.raises(ExportError, match="joint layout 'some', expected one of"):
        ExportRequest(bags=(datasets['t1-bag'],), out=tmp_path / 'x', joints='some')
