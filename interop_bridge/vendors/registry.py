"""The vendor codec of a profile, chosen by its `adapter`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import numpy as np

from interop_bridge.profile import Profile
from interop_bridge.vendors.native import NativeCommand, NativeState


class VendorCodec(Protocol):
    """What the bridge and the exporter need from a vendor codec."""

    state_type: str
    command_type: str

    def decode(self, raw: bytes | memoryview) -> NativeState:
        """One serialized vendor state message -> NativeState."""

    def decode_many(self, raws: list[bytes]) -> NativeState:
        """A batch of serialized vendor state messages -> batched NativeState."""

    def encode(self, command: NativeCommand, slots: np.ndarray, state: NativeState) -> bytes:
        """A checked native command -> serialized vendor command."""


def message_types(profile: Profile) -> tuple[str, ...]:
    """The ROS types a profile's codec reads and writes."""
    if profile.adapter.startswith('unitree_'):
        package = profile.adapter
        return (f'{package}/msg/LowState', f'{package}/msg/LowCmd')
    if profile.adapter == 'booster':
        return ('booster_interface/msg/LowState', 'booster_interface/msg/LowCmd')
    return ('sensor_msgs/msg/JointState', 'std_msgs/msg/Float64MultiArray',
            'sensor_msgs/msg/Imu', 'geometry_msgs/msg/WrenchStamped')


def make_codec(profile: Profile, fielddefs: Mapping[str, Any]) -> VendorCodec:
    """The codec for a profile, given definitions of its message types."""
    if profile.adapter.startswith('unitree_'):
        from interop_bridge.vendors.unitree import UnitreeCodec  # noqa: PLC0415
        return UnitreeCodec(profile, fielddefs)
    if profile.adapter == 'booster':
        from interop_bridge.vendors.booster import BoosterCodec  # noqa: PLC0415
        return BoosterCodec(profile, fielddefs)
    from interop_bridge.vendors.ros2_control import Ros2ControlCodec  # noqa: PLC0415
    return Ros2ControlCodec(profile, fielddefs)
