"""The dataset card says each feature's role as LeRobot gives it, the action and the limits;
its YAML front matter is what the Hugging Face Hub reads (licence, tags, robots, features) and
records the certificate level."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from interop_bridge.dataset.card import (check_license, feature_role, render_card,
                                         update_card_certificate)
from interop_bridge.errors import ExportError

VECTOR = {'dtype': 'float32', 'shape': [32], 'names': None}


def info(features: dict) -> dict:
    return {'codebase_version': 'v3.0', 'fps': 30, 'total_episodes': 2, 'total_frames': 60,
            'total_tasks': 1, 'features': features}


def interop(robots: list[str], action: dict | None, licenses: tuple[str | None, ...] = (None,)
            ) -> dict:
    exports = [{'episodes': f'{i}:{i + 1}', **({'action': action} if action else {}),
                **({'license': value} if value else {})} for i, value in enumerate(licenses)]
    return {'robots': robots, 'exports': exports, 'episodes': {}, 'valid_keys': {}}


def header_of(card: str) -> dict:
    """The YAML between the card's two leading --- lines, parsed."""
    assert card.startswith('---\n')
    return yaml.safe_load(card[4:card.index('\n---\n')])


def written_card(tmp_path: Path, **options) -> Path:
    (tmp_path / 'README.md').write_text(render_card('wave', info({'action': VECTOR}), interop(
        ['unitree_g1_29dof'], None, **options)), encoding='utf-8')
    return tmp_path


def test_roles_follow_lerobots_dataset_to_policy_features_rule():
    video = {'dtype': 'video', 'shape': [8, 8, 3], 'names': ['height', 'width', 'channels']}
    assert feature_role('observation.images.head', video) == 'camera (policy input, VISUAL)'
    assert feature_role('observation.wrench', VECTOR) == 'policy input (STATE)'
    assert feature_role('action.hand', VECTOR) == 'policy output (ACTION)'
    assert feature_role('valid.action', VECTOR) == 'validity mask (not a policy feature)'
    assert feature_role('frame_index', VECTOR) == 'index / time (not a policy feature)'
    assert feature_role('next.reward', VECTOR) == 'not a policy feature'


def test_a_dataset_without_action_says_why():
    card = render_card('wave', info({'observation.state': VECTOR}), interop(
        ['unitree_g1_29dof'], {'source': 'none', 'reason': 'no joint command stream was '
                               'recorded'}))
    assert 'No `action` feature: no joint command stream was recorded.' in card
    assert header_of(card)['tags'][0] == 'LeRobot'
    assert '| `observation.state` | float32 | [32] | policy input (STATE) |' in card
    assert 'several robots' not in card


def test_a_two_robot_dataset_states_the_normalization_limit_and_each_action_source():
    card = render_card('wave', info({'action': VECTOR}), interop(
        ['unitree_g1_29dof', 'booster_t1'], {'source': 'commands', 'reason': 'held (/x)'}))
    assert 'This dataset holds several robots' in card
    assert '- episodes 0:1: `commands`: held (/x)' in card
    assert 'at most 512 s long' in card


def test_the_front_matter_has_the_hubs_keys_the_robots_and_every_feature():
    video = {'dtype': 'video', 'shape': [8, 8, 3], 'names': ['height', 'width', 'channels']}
    header = header_of(render_card('wave', info({'observation.state': VECTOR,
                                                 'observation.images.head': video}),
                                   interop(['unitree_g1_29dof', 'booster_t1'], None)))
    assert header['license'] == 'other'  # none given
    assert header['task_categories'] == ['robotics']
    assert header['tags'] == ['LeRobot', 'humanoid', 'interop_bridge', 'unitree_g1_29dof',
                              'booster_t1']
    assert header['robot_type'] == ['unitree_g1_29dof', 'booster_t1']
    assert header['configs'] == [{'config_name': 'default', 'data_files': 'data/*/*.parquet'}]
    assert header['features'] == {
        'observation.state': {'dtype': 'float32', 'shape': [32],
                              'role': 'policy input (STATE)'},
        'observation.images.head': {'dtype': 'video', 'shape': [8, 8, 3],
                                    'role': 'camera (policy input, VISUAL)'}}
    assert 'certificate' not in header


def test_the_licence_is_the_exports_one_in_the_hubs_lower_case_spelling():
    card = render_card('wave', info({}), interop(['booster_t1'], None, ('CC-BY-4.0', 'CC-BY-4.0')))
    assert header_of(card)['license'] == 'cc-by-4.0'
    assert 'License: `cc-by-4.0`.' in card


def test_exports_with_different_licences_give_other_and_the_card_lists_them():
    card = render_card('wave', info({}), interop(['booster_t1'], None, ('MIT', 'CC-BY-4.0')))
    assert header_of(card)['license'] == 'other'
    assert 'the exports differ: episodes 0:1 MIT, episodes 1:2 CC-BY-4.0' in card


@pytest.mark.parametrize('value', ['', 'MIT License', 'mit\nlicense: x', 'a: b', '"mit"',
                                   '-mit'])
def test_a_licence_that_is_not_an_identifier_is_refused(value):
    with pytest.raises(ExportError, match='expected an SPDX identifier'):
        check_license(value)


def test_identifiers_are_kept_as_given():
    assert [check_license(v) for v in ('Apache-2.0', 'other', 'GPL-3.0+', 'cc0-1.0')] == \
        ['Apache-2.0', 'other', 'GPL-3.0+', 'cc0-1.0']


def test_the_certificate_level_goes_into_the_front_matter_and_its_own_section(tmp_path):
    root = written_card(tmp_path, licenses=('MIT',))
    update_card_certificate(root, 'training-ready', '1.0')
    card = (root / 'README.md').read_text()
    header = header_of(card)
    assert header['certificate'] == {'level': 'training-ready', 'rubric_version': '1.0'}
    assert header['license'] == 'mit' and header['robot_type'] == ['unitree_g1_29dof']
    assert card.endswith('## Certificate\n\n`interop certify`, rubric 1.0: level '
                         '`training-ready`. The content-hashed certificate is '
                         'meta/certificate.json (`interop certify --verify` checks it '
                         'against the files).\n')
    assert '## Action' in card and '## Episode length' in card


def test_certifying_again_replaces_the_level_and_the_section(tmp_path):
    root = written_card(tmp_path)
    update_card_certificate(root, 'training-ready', '1.0')
    update_card_certificate(root, None, '1.1')
    card = (root / 'README.md').read_text()
    assert header_of(card)['certificate'] == {'level': None, 'rubric_version': '1.1'}
    assert card.count('## Certificate') == 1
    assert 'rubric 1.1: no level reached.' in card and 'training-ready' not in card


def test_a_certificate_needs_a_card_with_front_matter(tmp_path):
    with pytest.raises(ExportError, match='no dataset card README.md'):
        update_card_certificate(tmp_path, 'training-ready', '1.0')
    (tmp_path / 'README.md').write_text('# a card without a header\n')
    with pytest.raises(ExportError, match='no YAML front matter'):
        update_card_certificate(tmp_path, 'training-ready', '1.0')
    (tmp_path / 'README.md').write_text('---\n[unclosed\n---\nbody\n')
    with pytest.raises(ExportError, match='front matter is not YAML'):
        update_card_certificate(tmp_path, 'training-ready', '1.0')
    (tmp_path / 'README.md').write_text('---\n- a list\n---\nbody\n')
    with pytest.raises(ExportError, match='front matter is not a mapping'):
        update_card_certificate(tmp_path, 'training-ready', '1.0')
