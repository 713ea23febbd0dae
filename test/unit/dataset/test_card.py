"""The dataset card says each feature's role as LeRobot gives it, the action and the limits."""

from __future__ import annotations

from interop_bridge.dataset.card import feature_role, render_card

VECTOR = {'dtype': 'float32', 'shape': [32], 'names': None}


def info(features: dict) -> dict:
    return {'codebase_version': 'v3.0', 'fps': 30, 'total_episodes': 2, 'total_frames': 60,
            'total_tasks': 1, 'features': features}


def interop(robots: list[str], action: dict | None) -> dict:
    export = {'episodes': '0:2', **({'action': action} if action else {})}
    return {'robots': robots, 'exports': [export], 'episodes': {}, 'valid_keys': {}}


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
    assert card.startswith('---\ntags:\n- LeRobot')
    assert '| `observation.state` | float32 | [32] | policy input (STATE) |' in card
    assert 'several robots' not in card


def test_a_two_robot_dataset_states_the_normalization_limit_and_each_action_source():
    card = render_card('wave', info({'action': VECTOR}), interop(
        ['unitree_g1_29dof', 'booster_t1'], {'source': 'commands', 'reason': 'held (/x)'}))
    assert 'This dataset holds several robots' in card
    assert '- episodes 0:2: `commands`: held (/x)' in card
    assert 'at most 512 s long' in card
