"""The peer tools on a clean export of every shipped profile (test/peers/peer_exports.py).

lerobot-doctor 0.2.0 (.venv-peers) finds no FAIL: the `valid.*` masks are read as plain
numeric columns (zero-variance and constant-dimension WARNs only, as any constant column) and
never as actions, and absent entries hold 0.0 with neutral statistics, so nothing is NaN, at
its min/max or zero-std in stats.json.

lerobot-lint 0.1.1 (`lelint`, .venv-lerobot) reads only `observation.state` and `action`, never
a mask, and takes any constant state column for a dead motor (DEAD_JOINT: std below 1 % of the
most moving joint's). An export stores only the robot's own joints (dataset/joint_layout.py,
the default `--joints robot`), so lint finds no error at all: no absent joint to read as dead,
no dropout edge as "wraparound", no frozen state. The stored joints are exactly the profile's,
so a present joint flagged dead would still fail here. docs/export.md, "What the peer tools
read", has the reasoning.

Both tools and the Hub's card parser (huggingface_hub.DatasetCard, .venv-lerobot) run as
subprocesses in their own process groups, with timeouts, and are reaped.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import process_groups
import pytest
from peers.peer_exports import export_clean

from interop_bridge.dataset.validate import validate_dataset
from interop_bridge.profile import load_profile, shipped_profiles

REPO = Path(__file__).resolve().parents[2]
DOCTOR = REPO / '.venv-peers' / 'bin' / 'lerobot-doctor'
LEROBOT_PYTHON = REPO / '.venv-lerobot' / 'bin' / 'python'
LINT_HELPER = Path(__file__).with_name('lelint_many.py')
PROFILES = shipped_profiles()
DOCTOR_TIMEOUT_S = 60
LINT_TIMEOUT_S = 150


def require(tool: Path, bootstrap: str) -> None:
    """The bootstrap installs the tools: a missing one is a failure, not a skip."""
    if not tool.exists():
        pytest.fail(f'{tool} is missing: run scripts/{bootstrap} (make bootstrap)')


@pytest.fixture(scope='module')
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp('peers')
    return {profile: export_clean(profile, work) for profile in PROFILES}


@pytest.fixture(scope='module')
def lint(exports: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """lelint on every export in one process (torch loads once); the directory of reports."""
    require(LEROBOT_PYTHON, 'bootstrap_lerobot.sh')
    out = tmp_path_factory.mktemp('lint')
    env = {**os.environ, 'HF_HUB_OFFLINE': '1', 'HF_HOME': str(out / 'hf-home'),
           'PYTHONPATH': ''}
    result = process_groups.run(
        [str(LEROBOT_PYTHON), str(LINT_HELPER), str(out),
         *(str(root.absolute()) for root in exports.values())],
        timeout=LINT_TIMEOUT_S, env=env, cwd=out)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return out


def robot_joints(profile: str) -> int:
    """How many canonical joints the profile maps (config/robots/*.yaml)."""
    return len(load_profile(profile).joints)


def doctor_report(root: Path) -> tuple[int, dict]:
    require(DOCTOR, 'bootstrap_peers.sh')
    result = process_groups.run([str(DOCTOR), 'check', str(root), '--json'],
                                timeout=DOCTOR_TIMEOUT_S, cwd=root.parent)
    return result.returncode, json.loads(result.stdout)


@pytest.mark.timeout(120)  # the first test also exports the six bags (about 15 s)
@pytest.mark.parametrize('profile', PROFILES)
def test_lerobot_doctor_finds_no_fail_in_a_clean_export(exports, profile):
    code, report = doctor_report(exports[profile])
    fails = [message['message'] for check in report['checks']
             for message in check['messages'] if message['severity'] == 'FAIL']
    assert fails == []
    assert report['overall_severity'] != 'FAIL' and code == 0
    assert (report['total_episodes'], report['total_frames']) == (1, 79)
    assert validate_dataset(exports[profile]).ok  # and our own validator agrees


@pytest.mark.timeout(LINT_TIMEOUT_S + 60)  # the helper's own timeout fires first
@pytest.mark.parametrize('profile', PROFILES)
def test_lelint_finds_no_error_in_a_clean_export(exports, lint, profile):
    report = json.loads((lint / f'{profile}.lint.json').read_text())
    errors = [finding for finding in report['findings'] if finding['severity'] == 'error']
    assert errors == []
    assert json.loads((lint / 'exit_codes.json').read_text())[profile] != 2  # no error
    info = json.loads((exports[profile] / 'meta' / 'info.json').read_text())
    assert len(info['features']['observation.state']['names']) == robot_joints(profile)


def test_the_hubs_card_parser_reads_licence_categories_tags_and_robot(lint):
    for profile in PROFILES:
        card = json.loads((lint / f'{profile}.card.json').read_text())
        assert card['license'] == 'other'
        assert card['task_categories'] == ['robotics']
        assert card['tags'][0] == 'LeRobot' and profile in card['tags']
        assert card['robot_type'] == [profile]
        assert card['configs'] == [{'config_name': 'default',
                                    'data_files': 'data/*/*.parquet'}]
        assert card['features']['valid.observation.state']['role'] == \
            'validity mask (not a policy feature)'
