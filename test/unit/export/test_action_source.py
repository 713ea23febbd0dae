"""No command stream, no fake action: no action feature, or the next state when asked for.

Expected values come from the bags' ground truth (test/bag_factory.py) mapped by the profile,
not from the exported state.
"""

from __future__ import annotations

import json
from pathlib import Path

import bag_factory as bf
from dataset_rows import read_rows as rows_of
import numpy as np
import pytest

from interop_bridge.cli import main
from interop_bridge.dataset.validate import validate_dataset
from interop_bridge.errors import ExportError
from interop_bridge.export.episode_assembly import ExportPolicy
from interop_bridge.export.exporter import ExportRequest, export_recordings
from interop_bridge.profile import load_profile

G1 = 'unitree_g1_29dof'
WAVE = (bf.EventSpec(0.2, 1.2, 'wave both arms'),)
START_S, FPS = 0.2, 30


def meta(root: Path, name: str) -> dict:
    return json.loads((root / 'meta' / name).read_text())


def export(bag: Path, out: Path, lines: list[str] | None = None, action: str = 'commands'):
    request = ExportRequest(bags=(bag,), out=out, profile=G1, vcodec='libx264',
                            policy=ExportPolicy(action=action))
    return export_recordings(request, (lines if lines is not None else []).append)


def ground_truth_state(t: float) -> np.ndarray:
    """Canonical positions at t from the bag's native values (float32 on the wire)."""
    state = np.zeros(32)
    for joint in load_profile(G1).joints:
        state[joint.index] = joint.gain * float(np.float32(bf.native_value(joint.source, t))) \
            + joint.offset
    return state


@pytest.fixture(scope='module')
def bags(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp('bags')
    return {'plain': bf.write_vendor_bag(base / 'plain', G1, events=WAVE),
            'commanded': bf.write_vendor_bag(base / 'commanded', G1, events=WAVE,
                                             commands=True)}


def test_a_bag_without_commands_gets_no_action_feature_and_says_why(bags, tmp_path):
    lines: list[str] = []
    export(bags['plain'], tmp_path / 'ds', lines)
    features = meta(tmp_path / 'ds', 'info.json')['features']
    assert not [key for key in features if 'action' in key]
    assert 'action' not in meta(tmp_path / 'ds', 'stats.json')
    record = meta(tmp_path / 'ds', 'interop.json')['exports'][0]['action']
    assert record['source'] == 'none'
    assert 'no joint command stream was recorded' in record['reason']
    assert any(line.startswith('warning: no joint command stream') for line in lines)
    card = (tmp_path / 'ds' / 'README.md').read_text()
    assert 'No `action` feature: no joint command stream was recorded' in card
    assert validate_dataset(tmp_path / 'ds').ok


def test_next_state_action_is_the_next_frames_ground_truth_state(bags, tmp_path):
    export(bags['plain'], tmp_path / 'ds', action='next-state')
    rows = rows_of(tmp_path / 'ds')
    frames = len(rows['frame_index'])
    present = [joint.index for joint in load_profile(G1).joints]
    for frame in (0, 7, frames - 2):
        wanted = ground_truth_state(START_S + (frame + 1) / FPS)
        np.testing.assert_allclose(rows['action'][frame][present], wanted[present], atol=2e-6)
    assert rows['valid.action'][: frames - 1, present].all()
    assert not rows['valid.action'][frames - 1].any()  # the last frame has no next state
    assert not rows['valid.action'][:, [i for i in range(32) if i not in present]].any()
    record = meta(tmp_path / 'ds', 'interop.json')['exports'][0]
    assert record['action']['source'] == 'next-state'
    assert record['policy']['action'] == 'next-state'
    assert '`next-state`' in (tmp_path / 'ds' / 'README.md').read_text()
    assert validate_dataset(tmp_path / 'ds').ok


def test_recorded_commands_are_the_action_and_the_card_names_their_topic(bags, tmp_path):
    export(bags['commanded'], tmp_path / 'ds')
    record = meta(tmp_path / 'ds', 'interop.json')['exports'][0]['action']
    assert record['source'] == 'commands'
    assert record['reason'].endswith(f'(/{load_profile(G1).topics.command.lstrip("/")})')
    assert 'policy output (ACTION)' in (tmp_path / 'ds' / 'README.md').read_text()


def test_appending_a_bag_without_commands_to_a_dataset_with_actions_is_refused(bags, tmp_path):
    out = tmp_path / 'ds'
    export(bags['commanded'], out)
    before = {path: path.read_bytes() for path in out.rglob('*') if path.is_file()}
    with pytest.raises(ExportError, match=r"action source 'commands'.*would add 'none'"):
        export(bags['plain'], out)
    assert {path: path.read_bytes() for path in out.rglob('*') if path.is_file()} == before


def test_bags_with_and_without_commands_in_one_export_are_refused_naming_them(bags, tmp_path):
    request = ExportRequest(bags=(bags['commanded'], bags['plain']), out=tmp_path / 'ds',
                            profile=G1, vcodec='libx264')
    with pytest.raises(ExportError, match=r"1 of 2 bag\(s\) hold no joint commands .*plain"):
        export_recordings(request, lambda line: None)
    assert not (tmp_path / 'ds').exists()


def test_merging_datasets_of_different_action_sources_is_refused(bags, tmp_path, capsys):
    export(bags['plain'], tmp_path / 'a', action='next-state')
    export(bags['commanded'], tmp_path / 'b')
    code = main(['merge', str(tmp_path / 'a'), str(tmp_path / 'b'), '--out',
                 str(tmp_path / 'merged')])
    assert code == 1
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith('error: cannot merge datasets with different action sources')
    assert not (tmp_path / 'merged').exists()


def test_the_cli_refuses_an_unknown_action_source(bags, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(['export', str(bags['plain']), '--out', str(tmp_path / 'ds'), '--action', 'zero'])
    assert exit_info.value.code == 2
    assert "invalid choice: 'zero'" in capsys.readouterr().err
    with pytest.raises(ExportError, match="action source 'zero'"):
        ExportPolicy(action='zero')
