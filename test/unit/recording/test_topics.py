"""Which topics the recorder subscribes to and with which QoS."""

from __future__ import annotations

import pytest

from interop_bridge.canonical import load_canonical
from interop_bridge.recording.topics import (
    RECORDER_MIN_DEPTH, PublisherQos, QosChoice, TopicPlan, canonical_topic, choose_qos,
    plan_topic, qualified, relative, waiting_for)

SPEC = load_canonical()
RELIABLE_PUB = PublisherQos('reliable', 'volatile', 10)
BEST_EFFORT_PUB = PublisherQos('best_effort', 'volatile', 5)
LATCHED_PUB = PublisherQos('reliable', 'transient_local', 1)


@pytest.mark.parametrize('name,namespace,expected', [
    ('joint_states', '/', '/joint_states'), ('joint_states', '/g1', '/g1/joint_states'),
    ('/diagnostics', '/g1', '/diagnostics'), ('interop/state', '/g1/', '/g1/interop/state')])
def test_relative_names_are_qualified_with_the_namespace(name, namespace, expected):
    assert qualified(name, namespace) == expected


def test_names_are_made_relative_to_the_namespace_they_are_in():
    assert relative('/g1/interop/state', '/g1') == 'interop/state'
    assert relative('/joint_states', '/') == 'joint_states'
    assert relative('/t1/interop/state', '/g1') == '/t1/interop/state'


def test_the_embodiment_is_subscribed_latched_whatever_its_publishers_say():
    choice = choose_qos('/g1/interop/embodiment', '/g1', SPEC, [])
    assert choice == QosChoice('reliable', 'transient_local', RECORDER_MIN_DEPTH, 'canonical')


def test_canonical_topics_match_outside_the_namespace_only_when_absolute():
    assert canonical_topic('/g1/interop/state', '/g1', SPEC).name == 'interop/state'
    assert canonical_topic('/t1/interop/state', '/g1', SPEC) is None
    assert canonical_topic('/diagnostics', '/g1', SPEC).name == '/diagnostics'


@pytest.mark.parametrize('name,canonical', [('/wrench/l_sole', True), ('/wrench/', False),
                                            ('/wrench/a/b', False)])
def test_a_wrench_topic_of_any_frame_is_canonical(name, canonical):
    found = canonical_topic(name, '/', SPEC)
    assert (found is not None and found.name == 'wrench/<frame>') == canonical


def test_the_depth_is_never_below_the_recorders_minimum():
    assert choose_qos('/interop/command', '/', SPEC, []).depth == RECORDER_MIN_DEPTH
    deep = PublisherQos('reliable', 'volatile', 500)
    assert choose_qos('/other', '/', SPEC, [deep]).depth == 500


def test_other_topics_adapt_to_their_publishers_like_rosbag2():
    assert choose_qos('/cam', '/', SPEC, [RELIABLE_PUB]).reliability == 'reliable'
    mixed = choose_qos('/cam', '/', SPEC, [RELIABLE_PUB, BEST_EFFORT_PUB])
    assert (mixed.reliability, mixed.durability, mixed.reason) == (
        'best_effort', 'volatile', 'publishers')
    assert choose_qos('/map', '/', SPEC, [LATCHED_PUB]).durability == 'transient_local'
    assert choose_qos('/map', '/', SPEC, [LATCHED_PUB, RELIABLE_PUB]).durability == 'volatile'
    assert choose_qos('/x', '/', SPEC, []) == QosChoice('reliable', 'volatile',
                                                        RECORDER_MIN_DEPTH, 'default')


def test_a_topic_plan_takes_its_type_from_the_graph():
    plan = plan_topic('/chatter', ['std_msgs/msg/String'], '/', SPEC, [RELIABLE_PUB])
    assert plan == TopicPlan('/chatter', 'std_msgs/msg/String',
                             QosChoice('reliable', 'volatile', RECORDER_MIN_DEPTH, 'publishers'))


def test_a_topic_with_several_types_or_the_wrong_canonical_type_is_refused():
    assert plan_topic('/x', ['a/msg/A', 'b/msg/B'], '/', SPEC, []) == (
        "/x: 2 types in the graph (['a/msg/A', 'b/msg/B']); expected exactly one")
    assert plan_topic('/joint_states', ['std_msgs/msg/String'], '/', SPEC, []) == (
        "/joint_states: type 'std_msgs/msg/String' in the graph, but the canonical interface "
        "declares 'sensor_msgs/msg/JointState'; not recorded")


def test_wanted_topics_are_split_into_present_and_absent():
    graph = {'/a': ['t'], '/b': ['t']}
    assert waiting_for(['/a', '/b', '/c'], {'/b'}, graph) == (['/a'], ['/c'])
