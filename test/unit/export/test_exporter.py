"""Bags of every robot export to canonical datasets whose values equal the ground truth."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import bag_factory as bf
from dataset_rows import canonical_joint_names, raw_rows, read_rows
import numpy as np
import pyarrow.parquet as pq
import pytest
import vendor_messages as vm

from interop_bridge.bridge_core import BridgeCore, command_from_arrays
from interop_bridge.canonical import load_canonical
from interop_bridge.cli import main
from interop_bridge.errors import ExportError
from interop_bridge.export.episode_assembly import ExportPolicy
from interop_bridge.export.exporter import ExportRequest, export_recordings
from interop_bridge.dataset.validate import validate_dataset
from interop_bridge.profile import load_profile, shipped_profiles

WAVE = (bf.EventSpec(0.2, 1.2, 'wave both arms'),)
# Body joints of each robot (hands aside), as `interop check-profile --urdf` matched them
# one by one against the vendor's URDF/MJCF (test/fixtures/kinematics/README.md).
BODY_JOINTS = {'unitree_g1_29dof': 29, 'unitree_g1_23dof': 23, 'unitree_h1': 19,
               'unitree_h1_2': 27, 'booster_t1': 23, 'pal_talos': 28, 'unitree_h2': 31,
               'unitree_r1': 26, 'booster_k1': 22}  # the vendors' DoF counts


def export(bags, out: Path, **options) -> None:
    request = ExportRequest(bags=tuple(bags), out=out, vcodec='libx264', **options)
    export_recordings(request, lambda line: None)


@pytest.mark.parametrize('storage', ['mcap', 'sqlite3'])
@pytest.mark.parametrize('profile', shipped_profiles())
def test_a_vendor_bag_of_every_robot_exports_its_mapped_ground_truth(
        profile, storage, tmp_path):
    bag = bf.write_vendor_bag(tmp_path / 'bag', profile, storage=storage, events=WAVE)
    export([bag], tmp_path / 'ds', profile=profile)
    rows = read_rows(tmp_path / 'ds')
    assert len(rows['frame_index']) == 31  # 1.0 s at 30 fps, both ends included
    for frame in (0, 7, 30):
        state, valid = bf.mapped_state(profile, 0.2 + frame / 30)
        np.testing.assert_allclose(rows['observation.state'][frame], state, atol=2e-6)
        np.testing.assert_array_equal(rows['valid.observation.state'][frame], valid)
    np.testing.assert_allclose(rows['timestamp'], np.arange(31, dtype=np.float32) / 30)
    info = json.loads((tmp_path / 'ds' / 'meta' / 'info.json').read_text())
    assert info['robot_type'] == profile
    stored = info['features']['observation.state']['names']  # only the robot's own joints
    assert len(stored) == BODY_JOINTS[profile] and raw_rows(tmp_path / 'ds')[
        'observation.state'].shape == (31, BODY_JOINTS[profile])
    assert stored == [name for name in canonical_joint_names() if name in stored]
    assert rows['valid.observation.state'][:, [canonical_joint_names().index(name)
                                               for name in stored]].all()
    assert validate_dataset(tmp_path / 'ds').ok


def test_two_robots_append_to_one_canonical_layout_dataset_with_identical_features(tmp_path):
    g1 = bf.write_vendor_bag(tmp_path / 'g1', 'unitree_g1_29dof', events=WAVE)
    t1 = bf.write_vendor_bag(tmp_path / 't1', 'booster_t1', storage='sqlite3',
                             events=(bf.EventSpec(0.5, 1.5, 'wave both arms'),))
    export([g1], tmp_path / 'ds', profile='unitree_g1_29dof', joints='canonical')
    export([t1], tmp_path / 'ds', profile='booster_t1', joints='canonical')
    info = json.loads((tmp_path / 'ds' / 'meta' / 'info.json').read_text())
    assert info['robot_type'] == 'unitree_g1_29dof+booster_t1'
    assert info['total_episodes'] == 2 and info['total_tasks'] == 1
    assert info['features']['observation.state']['shape'] == [32]
    rows = read_rows(tmp_path / 'ds')
    t1_first = rows['episode_index'] == 1
    state, valid = bf.mapped_state('booster_t1', 0.5)
    np.testing.assert_allclose(rows['observation.state'][t1_first][0], state, atol=2e-6)
    np.testing.assert_array_equal(rows['valid.observation.state'][t1_first][0], valid)
    interop = json.loads((tmp_path / 'ds' / 'meta' / 'interop.json').read_text())
    assert interop['episodes']['1']['robot_type'] == 'booster_t1'
    assert [export['joints'] for export in interop['exports']] == ['canonical', 'canonical']
    assert validate_dataset(tmp_path / 'ds').ok


def test_vendor_commands_become_the_action_in_canonical_order(tmp_path):
    bag = bf.write_vendor_bag(tmp_path / 'bag', 'unitree_g1_29dof', events=WAVE, commands=True)
    export([bag], tmp_path / 'ds', profile='unitree_g1_29dof')
    rows = read_rows(tmp_path / 'ds')
    # Commands at 50 Hz are held: frame 3 (t = 0.3 s) uses the command sent at 0.3 s.
    expected = [np.float32(bf.native_value(slot, 0.3) + bf.COMMAND_OFFSET) for slot in range(29)]
    np.testing.assert_allclose(rows['action'][3][:29], expected, atol=2e-6)
    assert rows['valid.action'][3].tolist() == [1.0] * 29 + [0.0] * 3


def test_failed_episodes_are_left_out_unless_asked_for(tmp_path):
    events = (bf.EventSpec(0.1, 0.6, 'good'), bf.EventSpec(0.8, 1.4, 'bad', outcome=3))
    bag = bf.write_vendor_bag(tmp_path / 'bag', 'unitree_g1_29dof', events=events)
    export([bag], tmp_path / 'only_good', profile='unitree_g1_29dof')
    export([bag], tmp_path / 'all', profile='unitree_g1_29dof', include_failed=True)

    def count(root: Path) -> int:
        return json.loads((root / 'meta' / 'info.json').read_text())['total_episodes']
    assert (count(tmp_path / 'only_good'), count(tmp_path / 'all')) == (1, 2)


def test_a_bag_without_events_is_one_episode_with_the_given_task(tmp_path):
    bag = bf.write_vendor_bag(tmp_path / 'bag', 'unitree_h1', duration_s=1.0)
    export([bag], tmp_path / 'ds', profile='unitree_h1', task='stand still')
    tasks = pq.read_table(tmp_path / 'ds' / 'meta' / 'tasks.parquet').to_pandas()
    assert list(tasks.index) == ['stand still']
    assert len(read_rows(tmp_path / 'ds')['index']) == 31


def test_a_bag_without_events_and_without_a_task_is_refused(tmp_path):
    bag = bf.write_vendor_bag(tmp_path / 'bag', 'unitree_h1', duration_s=0.5)
    with pytest.raises(ExportError, match='no episode START event and no task was given'):
        export([bag], tmp_path / 'ds', profile='unitree_h1')
    assert not (tmp_path / 'ds').exists()


def test_a_vendor_bag_without_a_profile_is_refused_with_the_reason(tmp_path):
    bag = bf.write_vendor_bag(tmp_path / 'bag', 'unitree_h1', duration_s=0.5)
    with pytest.raises(ExportError, match='no canonical topics .* and no --profile'):
        export([bag], tmp_path / 'ds', task='x')


def test_missing_required_state_topic_is_refused(tmp_path):
    bag = bf.write_vendor_bag(tmp_path / 'bag', 'unitree_h1', duration_s=0.5)
    with pytest.raises(ExportError, match='missing required topic: neither /interop/state nor '
                       'the vendor state /low_state'):
        export([bag], tmp_path / 'ds', profile='booster_t1', task='x')


def test_a_bag_of_another_robot_than_the_profile_is_refused(tmp_path):
    bag = bf.write_vendor_bag(tmp_path / 'bag', 'unitree_h1', duration_s=0.5)
    with pytest.raises(ExportError, match='/lowstate holds unitree_go/msg/LowState, but profile '
                       'unitree_g1_29dof reads unitree_hg/msg/LowState: wrong --profile'):
        export([bag], tmp_path / 'ds', profile='unitree_g1_29dof', task='x')


def test_a_failure_in_the_second_bag_leaves_no_dataset_and_an_append_unchanged(tmp_path):
    good = bf.write_vendor_bag(tmp_path / 'good', 'unitree_g1_29dof', events=WAVE)
    export([good], tmp_path / 'ds', profile='unitree_g1_29dof')
    before = {path: path.read_bytes() for path in (tmp_path / 'ds').rglob('*') if path.is_file()}
    bad = bf.write_vendor_bag(tmp_path / 'bad', 'unitree_g1_29dof', events=WAVE, camera=False)
    with pytest.raises(ExportError, match='cameras .* differ'):
        export([good, bad], tmp_path / 'ds', profile='unitree_g1_29dof')
    after = {path: path.read_bytes() for path in (tmp_path / 'ds').rglob('*') if path.is_file()}
    assert after == before
    assert not list(tmp_path.glob('.ds.staging-*'))


def test_cameras_are_exported_one_frame_per_row_from_the_nearest_image(tmp_path):
    bag = bf.write_vendor_bag(tmp_path / 'bag', 'unitree_g1_29dof', events=WAVE)
    export([bag], tmp_path / 'ds', profile='unitree_g1_29dof')
    interop = json.loads((tmp_path / 'ds' / 'meta' / 'interop.json').read_text())
    report = interop['episodes']['0']['resampling']['observation.images.camera']
    assert report['rows'] == 31 and report['rows_beyond_tolerance'] == 0
    assert report['max_distance_s'] < 1e-6


def test_the_cli_exports_and_reports_errors_in_one_line(tmp_path, capsys):
    bag = bf.write_vendor_bag(tmp_path / 'bag', 'unitree_g1_29dof', events=WAVE)
    out = tmp_path / 'ds'
    assert main(['export', str(bag), '--out', str(out), '--profile', 'unitree_g1_29dof',
                 '--vcodec', 'libx264', '--modality']) == 0
    assert (out / 'meta' / 'modality.json').is_file()
    assert main(['export', str(tmp_path / 'nothing'), '--out', str(tmp_path / 'x')]) == 1
    assert capsys.readouterr().err.strip().splitlines()[-1].startswith('error: ')


def test_nan_states_become_invalid_frames_not_numbers(tmp_path, monkeypatch):
    real = bf.native_value
    monkeypatch.setattr(bf, 'native_value',
                        lambda slot, t: float('nan') if slot == 3 and 0.5 <= t < 0.7
                        else real(slot, t))
    bag = bf.write_vendor_bag(tmp_path / 'bag', 'unitree_g1_29dof', events=WAVE)
    export([bag], tmp_path / 'ds', profile='unitree_g1_29dof',
           policy=ExportPolicy(max_staleness_s=0.1))
    rows = read_rows(tmp_path / 'ds')
    invalid = np.flatnonzero(rows['valid.observation.state'][:, 3] == 0.0)
    assert 12 in invalid  # t = 0.6 s: knee NaN
    assert rows['valid.observation.state'][12][0] == 1.0
    assert np.isfinite(rows['observation.state']).all()
    # The gap holds the last valid reading (the ground truth at the frame before it), not 0.
    held, _ = bf.mapped_state('unitree_g1_29dof', 0.2 + (invalid[0] - 1) / 30)
    assert abs(held[3]) > 1e-3
    np.testing.assert_allclose(rows['observation.state'][invalid, 3], held[3], atol=2e-6)


def teardown_module() -> None:
    shutil.rmtree(Path('/tmp/never-used'), ignore_errors=True)


def test_a_truncated_mcap_exports_its_readable_part_with_a_warning(tmp_path):
    bag = bf.write_vendor_bag(tmp_path / 'bag', 'unitree_g1_29dof', duration_s=3.0,
                              events=(bf.EventSpec(0.2, 1.0, 'wave both arms'),))
    mcap = next(bag.glob('*.mcap'))
    data = mcap.read_bytes()
    mcap.write_bytes(data[:int(len(data) * 0.7)])  # a recorder killed mid-write
    lines = []
    export_recordings(ExportRequest(bags=(bag,), out=tmp_path / 'ds',
                                    profile='unitree_g1_29dof', vcodec='libx264'), lines.append)
    assert any('truncated MCAP' in line for line in lines), lines
    assert len(read_rows(tmp_path / 'ds')['index']) == 25


def test_commands_the_bridge_sent_export_as_the_actions_it_was_asked_for(tmp_path):
    # A Booster T1 recorded as the vendor sees it: its LowState and the LowCmds our own
    # bridge encoded from canonical commands (every joint commanded, 0.1 rad from the pose).
    profile = load_profile('booster_t1')
    core = BridgeCore(profile, load_canonical(), vm.typestore().fielddefs)
    core.on_state(bf.vendor_state_at('booster_t1', 0.0, None), 0.0)
    wanted = np.where(core.limits.present, 0.1, np.nan)
    commands = []
    for index in range(int(2.0 * bf.COMMAND_HZ) + 1):
        core.on_state(bf.vendor_state_at('booster_t1', index / bf.COMMAND_HZ, None),
                      index / bf.COMMAND_HZ)
        command = command_from_arrays(len(wanted), core.limits.present, np.nan_to_num(wanted),
                                      [], [], [], [])
        result = core.on_command(command, index / bf.COMMAND_HZ)
        commands.append((profile.topics.command, 'booster_interface/msg/LowCmd',
                         index / bf.COMMAND_HZ, result.payload))
    bag = bf.write_vendor_bag(tmp_path / 'bag', 'booster_t1', events=WAVE, extra=tuple(commands))
    export([bag], tmp_path / 'ds', profile='booster_t1')
    rows = read_rows(tmp_path / 'ds')
    assert (rows['valid.action'] == core.limits.present.astype(np.float32)).all()
    present = core.limits.present
    np.testing.assert_allclose(rows['action'][:, present], 0.1, atol=1e-6)
