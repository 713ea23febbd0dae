"""Which topics the recorder subscribes to, with which type and which QoS (pure, no rclpy).

QoS rules, in order:
1. A canonical topic (config/canonical.yaml, matched on the name relative to the recorder's
   namespace; `wrench/<frame>` matches any frame) gets its declared reliability and
   durability, so the latched embodiment (transient_local) is received even though it was
   published before the recorder started.
2. Any other topic adapts to its publishers as rosbag2 does: reliable only if every publisher
   is reliable, transient_local only if every publisher is transient_local.
3. With no publisher known yet: reliable, volatile.
The history depth is never below RECORDER_MIN_DEPTH: a recorder must absorb short stalls at
500 Hz without dropping samples (the declared depth is the publishers' concern).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from interop_bridge import topics
from interop_bridge.canonical import CanonicalSpec, TopicSpec

RECORDER_MIN_DEPTH = 100
RELIABLE, BEST_EFFORT = 'reliable', 'best_effort'
VOLATILE, TRANSIENT_LOCAL = 'volatile', 'transient_local'
EPISODE_TYPE = 'interop_msgs/msg/EpisodeEvent'
# What `topics` defaults to: the canonical state a dataset is made of.
DEFAULT_TOPICS = (topics.STATE, topics.EMBODIMENT, *map(topics.hand_state, ('left', 'right')),
                  *map(topics.tactile, ('left', 'right')), topics.JOINT_STATES, topics.IMU)


@dataclass(frozen=True)
class PublisherQos:
    """The QoS one publisher offers (from the ROS graph)."""

    reliability: str
    durability: str
    depth: int


@dataclass(frozen=True)
class QosChoice:
    """The QoS the recorder subscribes with, and why."""

    reliability: str
    durability: str
    depth: int
    reason: str  # 'canonical', 'publishers' or 'default'


@dataclass(frozen=True)
class TopicPlan:
    """One topic to record."""

    name: str  # fully qualified ('/g1/interop/state')
    msgtype: str
    qos: QosChoice


def qualified(name: str, namespace: str) -> str:
    """'/ns/name' for a relative name, the name itself when absolute ('~' is not supported)."""
    if name.startswith('/'):
        return name
    prefix = namespace.rstrip('/')
    return f'{prefix}/{name}'


def relative(full_name: str, namespace: str) -> str:
    """The name relative to `namespace`, or the full name when it is outside it."""
    prefix = namespace.rstrip('/') + '/'
    return full_name[len(prefix):] if full_name.startswith(prefix) else full_name


def canonical_topic(full_name: str, namespace: str, spec: CanonicalSpec) -> TopicSpec | None:
    """The declared canonical topic `full_name` is, if any."""
    name = relative(full_name, namespace)
    for topic in spec.topics:
        if topic.name == name or topic.name == full_name:
            return topic
        if topic.name.endswith('/<frame>'):
            stem = topic.name[:-len('<frame>')]
            if name.startswith(stem) and '/' not in name[len(stem):] and name != stem:
                return topic
    return None


def choose_qos(full_name: str, namespace: str, spec: CanonicalSpec,
               publishers: Sequence[PublisherQos]) -> QosChoice:
    """The subscription QoS for one topic (rules in the module docstring)."""
    declared = canonical_topic(full_name, namespace, spec)
    if declared is not None:
        return QosChoice(declared.reliability, declared.durability,
                         max(declared.depth, RECORDER_MIN_DEPTH), 'canonical')
    if not publishers:
        return QosChoice(RELIABLE, VOLATILE, RECORDER_MIN_DEPTH, 'default')
    reliable = all(p.reliability == RELIABLE for p in publishers)
    latched = all(p.durability == TRANSIENT_LOCAL for p in publishers)
    depth = max([RECORDER_MIN_DEPTH, *(p.depth for p in publishers)])
    return QosChoice(RELIABLE if reliable else BEST_EFFORT,
                     TRANSIENT_LOCAL if latched else VOLATILE, depth, 'publishers')


def plan_topic(full_name: str, graph_types: Sequence[str], namespace: str, spec: CanonicalSpec,
               publishers: Sequence[PublisherQos]) -> TopicPlan | str:
    """The plan for a topic seen in the graph, or why it cannot be recorded (one line).

    The type comes from the graph; a canonical topic must have its declared type.
    """
    types = sorted(set(graph_types))
    if len(types) != 1:
        return f'{full_name}: {len(types)} types in the graph ({types}); expected exactly one'
    declared = canonical_topic(full_name, namespace, spec)
    if declared is not None and declared.type != types[0]:
        return (f'{full_name}: type {types[0]!r} in the graph, but the canonical interface '
                f'declares {declared.type!r}; not recorded')
    return TopicPlan(full_name, types[0], choose_qos(full_name, namespace, spec, publishers))


def waiting_for(wanted: Sequence[str], subscribed: set[str],
                graph: Mapping[str, Sequence[str]]) -> tuple[list[str], list[str]]:
    """Split the wanted topics not subscribed yet into (present in the graph, still absent)."""
    present = [name for name in wanted if name not in subscribed and name in graph]
    absent = [name for name in wanted if name not in subscribed and name not in graph]
    return present, absent
