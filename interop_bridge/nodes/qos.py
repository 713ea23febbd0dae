"""QoS of canonical topics, from their declaration in config/canonical.yaml."""

from __future__ import annotations

from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy

from interop_bridge.canonical import TopicSpec

RELIABILITY = {'reliable': ReliabilityPolicy.RELIABLE,
               'best_effort': ReliabilityPolicy.BEST_EFFORT}
DURABILITY = {'volatile': DurabilityPolicy.VOLATILE,
              'transient_local': DurabilityPolicy.TRANSIENT_LOCAL}


def canonical_qos(topic: TopicSpec) -> QoSProfile:
    """The QoSProfile a canonical topic is declared with."""
    return QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=topic.depth,
                      reliability=RELIABILITY[topic.reliability],
                      durability=DURABILITY[topic.durability])
