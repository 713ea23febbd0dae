"""The bridge against a vendor-side DDS stack (CycloneDDS): fixtures of real processes."""

from ros_fixtures import ros_node, start_process

__all__ = ['ros_node', 'start_process']
