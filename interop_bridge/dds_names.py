"""ROS 2 names as a DDS participant of another stack sees them on the wire (pure, no rclpy).

The ROS 2 RMW layers (Fast DDS and CycloneDDS alike) put a ROS topic `/lowstate` on the DDS
topic `rt/lowstate` and a message type `unitree_hg/msg/LowState` on the DDS type
`unitree_hg::msg::dds_::LowState_`. A vendor SDK that speaks DDS directly (Unitree's, Booster's)
names its topics and types that way, so these are the names to look for with a DDS tool.
"""

from __future__ import annotations

TOPIC_PREFIX = 'rt'


def dds_topic(ros_topic: str) -> str:
    """'/lowstate' -> 'rt/lowstate'; '/g1/lowstate' -> 'rt/g1/lowstate' (a resolved name)."""
    return f'{TOPIC_PREFIX}/{ros_topic.lstrip("/")}'


def dds_type(ros_type: str) -> str:
    """'unitree_hg/msg/LowState' -> 'unitree_hg::msg::dds_::LowState_'."""
    package, kind, name = ros_type.split('/')
    return f'{package}::{kind}::dds_::{name}_'
