"""One robot's wire formats and mapping, both directions: the functions the bridge and the
exporter share.

`RobotCodec` joins a profile's vendor codec (interop_bridge.vendors.registry), the standard
sensor codec for its separate IMU and force/torque topics, and the mapping core. The bridge
calls `state` per received message and `command_bytes` per checked command; the exporter calls
`states`, `commands`, `imus` and `wrenches` on batches of recorded messages. Both therefore
read the same bytes the same way, and treat a state that fails the vendor's own checksum
(Unitree LowState CRC) the same way: never mapped (bridge), all values invalid (export;
`checksum_failures` counts them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from interop_bridge.canonical import CanonicalSpec
from interop_bridge.command_mapping import command_to_canonical
from interop_bridge.command_safety import CanonicalCommand
from interop_bridge.errors import UnknownNameError
from interop_bridge.profile import Profile, WrenchSensor
from interop_bridge.state_mapping import CanonicalState, StateMapper, invalidate, map_wrench
from interop_bridge.vendors.codec import FieldDefs, VendorCodec
from interop_bridge.vendors.native import ImuSample, NativeCommand, NativeState
from interop_bridge.vendors.registry import make_codec
from interop_bridge.vendors.ros_sensors import RosSensorCodec


class RobotCodec:
    """Vendor bytes <-> canonical values for one profile."""

    def __init__(self, profile: Profile, spec: CanonicalSpec, fielddefs: FieldDefs) -> None:
        self.profile = profile
        self.vendor: VendorCodec = make_codec(profile, fielddefs)
        self.mapper = StateMapper(profile, spec)
        self.sensors = RosSensorCodec(fielddefs, profile.imu.orientation) \
            if profile.topics.imu or profile.wrenches else None

    @property
    def state_type(self) -> str:
        """ROS type of the vendor state message."""
        return self.vendor.state_type

    @property
    def command_type(self) -> str:
        """ROS type of the vendor command message."""
        return self.vendor.command_type

    def state(self, raw: bytes | memoryview,
              imu: ImuSample | None = None) -> tuple[NativeState, CanonicalState | None]:
        """One vendor state message -> its native values and canonical state.

        The canonical state is None when the message fails its own checksum
        (`native.checksum_ok` false): a corrupt state is never mapped.
        `imu`: the latest sample of a separate IMU topic, which replaces the state's own.
        """
        native = self.vendor.decode_state(raw)
        if checksum_failures(native):
            return native, None
        state = self.mapper.map(native)
        return native, (state if imu is None else replace(state, imu=imu))

    def states(self, raws: Sequence[bytes]) -> tuple[NativeState, CanonicalState]:
        """Recorded vendor state messages -> native values and canonical states, batched.

        Messages that fail their own checksum have every canonical value invalid (NaN, valid
        false); `checksum_failures(native)` counts them.
        """
        native = self.vendor.decode_states(raws)
        state = self.mapper.map(native)
        passed = native.checksum_ok
        if passed is not None and not np.all(passed):
            state = invalidate(state, ~np.asarray(passed, dtype=bool))
        return native, state

    def command_bytes(self, command: NativeCommand, state: NativeState) -> bytes:
        """A checked command over the profile's joints -> the serialized vendor command."""
        joint_slots, _, _ = self.mapper.slots(state.names)
        return self.vendor.encode_command(command, joint_slots, state)

    def commands(self, raws: Sequence[bytes]) -> CanonicalCommand:
        """Recorded vendor commands -> what they commanded, in canonical values, batched."""
        native = self.vendor.decode_commands(raws)
        joint_slots, _, _ = self.mapper.slots(native.names)
        return command_to_canonical(self.mapper.joint_map, native, joint_slots)

    def imu(self, raw: bytes | memoryview) -> ImuSample:
        """One message of the separate IMU topic."""
        return self._sensor_codec().decode_imu(raw)

    def imus(self, raws: Sequence[bytes]) -> ImuSample:
        """Recorded messages of the separate IMU topic, batched, with header stamps."""
        return self._sensor_codec().decode_imus(raws)

    def wrench(self, sensor: WrenchSensor, raw: bytes | memoryview) -> np.ndarray:
        """One force/torque message -> the wrench in the sensor's canonical frame."""
        return map_wrench(sensor, self._sensor_codec().decode_wrench(raw).force_torque)

    def wrenches(self, sensor: WrenchSensor,
                 raws: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray | None]:
        """Recorded force/torque messages -> canonical wrenches (..., 6) and header stamps."""
        sample = self._sensor_codec().decode_wrenches(raws)
        return map_wrench(sensor, sample.force_torque), sample.stamp_ns

    def _sensor_codec(self) -> RosSensorCodec:
        if self.sensors is None:
            msg = f'profile {self.profile.name} names no IMU or force/torque topic'
            raise UnknownNameError(msg)
        return self.sensors


def checksum_failures(native: NativeState) -> int:
    """How many of the decoded messages failed their own checksum (0 where there is none)."""
    if native.checksum_ok is None:
        return 0
    return int(np.count_nonzero(~np.asarray(native.checksum_ok, dtype=bool)))
