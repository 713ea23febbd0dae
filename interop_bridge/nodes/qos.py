"""QoS of canonical topics, from their declaration in config/canonical.yaml."""

from __future__ import annotations

from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy

from interop_bridge.canonical import TopicSpec

RELIABILITY = {'reliable': ReliabilityPolicy.RELIABLE,
               'best_effort': ReliabilityPolicy.BEST_EFFORT}
DURABILITY = {'volatile': DurabilityPolicy.VOLATILE,
              'transient_local': DurabilityPolicy.TRANSIENT_LOCAL}


def qos_profile(reliability: str, durability: str, depth: int) -> QoSProfile:
    """A keep-last QoSProfile from the names used in config/canonical.yaml."""
    return QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=depth,
                      reliability=RELIABILITY[reliability], durability=DURABILITY[durability])


def canonical_qos(topic: TopicSpec) -> QoSProfile:
    """The QoSProfile a canonical topic is declared with."""
    return qos_profile(topic.reliability, topic.durability, topic.depth)
