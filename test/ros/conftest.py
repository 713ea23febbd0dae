"""Tests of real nodes as real processes over real DDS: their fixtures."""

from ros_fixtures import ros_node, start_process

__all__ = ['ros_node', 'start_process']
