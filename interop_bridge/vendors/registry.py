"""Every adapter, declared once: its name, profile section, option keys, message types,
addressing, IMU conventions and codec.

The profile schema (which adapters and sections exist, and their keys), profile loading (slot
or name addressing, slot count, IMU conventions, adapter-specific checks), the bridge (message
types, codec) and the exporter (the same codec for recorded state and commands) all read it
from here; adding a vendor means one codec module and one entry below.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from interop_bridge.errors import UnknownNameError
from interop_bridge.schema import Key
from interop_bridge.vendors import booster, ros2_control, unitree
from interop_bridge.vendors.codec import FieldDefs, VendorCodec
from interop_bridge.vendors.ros_sensors import IMU_ORIENTATIONS, IMU_TYPE, WRENCH_TYPE
from interop_bridge.vendors.unitree_crc import GO_MOTOR_SLOTS, HG_MOTOR_SLOTS

if TYPE_CHECKING:
    from interop_bridge.profile import Profile

# (options, slots or native names the profile uses) -> problems (key path, value, expected)
OptionCheck = Callable[[dict[str, Any], set[int | str]], list[tuple[str, Any, str]]]


def _no_check(_options: dict[str, Any],
              _sources: set[int | str]) -> list[tuple[str, Any, str]]:
    return []


@dataclass(frozen=True)
class Adapter:
    """One way of talking to a vendor's robot."""

    name: str
    section: str  # profile section holding the adapter's options
    option_keys: tuple[Key, ...]
    state_type: str
    command_type: str
    by_name: bool  # joints addressed by native name (JointState) instead of slot index
    slot_count_option: str | None  # the option giving the number of slots
    wire_slots: int | None  # slots the message type fixes (None: a sequence of any length)
    orientations: tuple[str, ...]  # imu.orientation values the state message can give
    state_has_stamp: bool  # whether state messages carry the vendor's sample time
    codec: Callable[[Profile, FieldDefs], VendorCodec]
    check_options: OptionCheck = _no_check

    def slot_count(self, options: Mapping[str, Any]) -> int | None:
        """The number of vendor slots a profile's options declare (None: name-addressed)."""
        if self.slot_count_option is None:
            return None
        count = options.get(self.slot_count_option)
        return int(count) if isinstance(count, int) else None


UNITREE_ORIENTATIONS = ('quaternion_wxyz', 'rpy', 'none')
ADAPTERS: Mapping[str, Adapter] = MappingProxyType({adapter.name: adapter for adapter in (
    *(Adapter(name=f'unitree_{family}', section='unitree', option_keys=unitree.OPTION_KEYS,
              state_type=f'unitree_{family}/msg/LowState',
              command_type=f'unitree_{family}/msg/LowCmd', by_name=False,
              slot_count_option='motor_slots', wire_slots=slots,
              orientations=UNITREE_ORIENTATIONS, state_has_stamp=False,
              codec=unitree.UnitreeCodec, check_options=unitree.check_options)
      for family, slots in (('hg', HG_MOTOR_SLOTS), ('go', GO_MOTOR_SLOTS))),
    Adapter(name='booster', section='booster', option_keys=booster.OPTION_KEYS,
            state_type=booster.STATE_TYPE, command_type=booster.COMMAND_TYPE, by_name=False,
            slot_count_option='motor_count', wire_slots=None, orientations=('rpy', 'none'),
            state_has_stamp=False, codec=booster.BoosterCodec),
    Adapter(name='ros2_control', section='ros2_control', option_keys=ros2_control.OPTION_KEYS,
            state_type=ros2_control.STATE_TYPE, command_type=ros2_control.COMMAND_TYPE,
            by_name=True, slot_count_option=None, wire_slots=None,
            orientations=IMU_ORIENTATIONS,
            state_has_stamp=True, codec=ros2_control.Ros2ControlCodec,
            check_options=ros2_control.check_options),
)})


def sections() -> dict[str, tuple[Key, ...]]:
    """Profile sections of adapter options: section name -> its keys (one per section)."""
    return {adapter.section: adapter.option_keys for adapter in ADAPTERS.values()}


def adapter_named(name: str) -> Adapter:
    """The adapter of a name; UnknownNameError names the known ones."""
    adapter = ADAPTERS.get(name)
    if adapter is None:
        msg = f'adapter {name!r} is not known; adapters: {sorted(ADAPTERS)}'
        raise UnknownNameError(msg)
    return adapter


def make_codec(profile: Profile, fielddefs: FieldDefs) -> VendorCodec:
    """The codec for a profile, given definitions of its message types."""
    return adapter_named(profile.adapter).codec(profile, fielddefs)


def message_types(profile: Profile) -> tuple[str, ...]:
    """Every ROS type a profile's bridge reads and writes (vendor state and command, sensors)."""
    adapter = adapter_named(profile.adapter)
    sensors = ((IMU_TYPE,) if profile.topics.imu else ()) + \
        ((WRENCH_TYPE,) if profile.wrenches else ())
    return (adapter.state_type, adapter.command_type, *sensors)
