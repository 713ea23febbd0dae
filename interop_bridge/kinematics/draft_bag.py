"""What a sample recording says about a robot's interface: message type, slots, names, rate.

The state topic is the one whose type is some adapter's state type (interop_bridge.vendors.
registry); its stored definition and first messages give the slot count (Unitree: the fixed
motor array; Booster: the serial motor array) or the joint names (JointState), and the log
times the rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from interop_bridge.errors import KinematicsError
from interop_bridge.export.bag_reader import open_bags
from interop_bridge.export.profile_fit import sample_state
from interop_bridge.vendors.registry import ADAPTERS, Adapter


@dataclass(frozen=True)
class BagFacts:
    """The interface facts read from one recording."""

    adapter: Adapter
    state_topic: str
    command_topic: str          # '' when the recording holds no command of the adapter's type
    imu_topic: str              # a sensor_msgs/Imu topic beside a JointState, else ''
    rate_hz: float
    slots: int                  # slots in the state message (0: name-addressed)
    names: tuple[str, ...]      # JointState names in message order (name-addressed)
    source: str


def read_bag_facts(path: str | Path) -> BagFacts:
    """The interface facts of the recording at `path` (KinematicsError when no topic has an
    adapter's state type)."""
    with open_bags([path]) as recording:
        by_type = {info.msgtype: name for name, info in sorted(recording.topics.items())}
        adapter = next((adapter for adapter in ADAPTERS.values()
                        if adapter.state_type in by_type), None)
        if adapter is None:
            known = sorted(adapter.state_type for adapter in ADAPTERS.values())
            msg = (f'{path}: no topic of a supported state type ({", ".join(known)}); '
                   f'recorded types: {sorted(by_type)}')
            raise KinematicsError(msg)
        topic = by_type[adapter.state_type]
        sample = sample_state(recording, topic)
        first = recording.deserialize_raw(sample.raws[0], adapter.state_type, topic)
        slots, names = _slots_and_names(adapter, first)
        command = by_type.get(adapter.command_type, '')
        imu = by_type.get('sensor_msgs/msg/Imu', '') if adapter.by_name else ''
        return BagFacts(adapter, topic, command, imu,  # as recorded: absolute, like the vendor's
                        round(sample.rate_hz, 1), slots, names, str(path))


def _slots_and_names(adapter: Adapter, message: object) -> tuple[int, tuple[str, ...]]:
    if adapter.by_name:
        return 0, tuple(str(name) for name in getattr(message, 'name'))
    if adapter.wire_slots is not None:
        return adapter.wire_slots, ()
    return len(getattr(message, 'motor_state_serial')), ()
