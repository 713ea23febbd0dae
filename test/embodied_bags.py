"""Vendor bags that also hold the latched embodiment, as the project's recorder writes them.

With the embodiment naming the profile, bags of different robots export together in one
`interop export` without --profile. The bag is test/bag_factory.py's vendor bag, copied with
one interop_msgs/Embodiment message added on <ns>/interop/embodiment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import bag_factory as bf
import vendor_messages as vm
from rosbags.rosbag2 import Reader, Writer

EMBODIMENT_TYPE = 'interop_msgs/msg/Embodiment'


def embodiment(profile_name: str) -> bytes:
    """A serialized Embodiment naming the profile (the fields the exporter reads)."""
    store = vm.typestore()
    types = store.types
    profile = bf.load_profile(profile_name)
    header = types['std_msgs/msg/Header'](
        stamp=types['builtin_interfaces/msg/Time'](sec=bf.START_NS // bf.NS, nanosec=0),
        frame_id='')
    message = types[EMBODIMENT_TYPE](
        header=header, interface_version='', vendor=profile.vendor, model=profile.model,
        profile_name=profile_name, profile_sha256=profile.sha256, joints=[], extra_joints=[],
        hand_channels=[], wrench_frames=[], imu_frames=[], state_rate_hz=0.0)
    return bytes(store.serialize_cdr(message, EMBODIMENT_TYPE))


def embodied_vendor_bag(path: Path, profile_name: str, **options: Any) -> Path:
    """bag_factory.write_vendor_bag(path, profile_name, **options) plus the embodiment."""
    raw = bf.write_vendor_bag(path.with_name(f'{path.name}-vendor-only'), profile_name,
                              **options)
    with Reader(raw) as reader, Writer(path, version=9) as writer:
        connections = {connection.id: writer.add_connection(
            connection.topic, connection.msgtype, msgdef=connection.msgdef.data,
            rihs01=connection.digest) for connection in reader.connections}
        latched = writer.add_connection('/interop/embodiment', EMBODIMENT_TYPE,
                                        typestore=vm.typestore())
        writer.write(latched, bf.START_NS, embodiment(profile_name))
        for connection, log_ns, data in reader.messages():
            writer.write(connections[connection.id], log_ns, data)
    return path
