"""Decode batches of recorded messages into canonical per-sample arrays, with numpy.

Every decoder takes a list of raw CDR messages of one topic and returns a `Chunk`: named arrays
of shape (messages, width) plus header stamps where the message has them. Canonical topics are
read as they are; vendor topics go through the same vendor codec and mapping core as the live
bridge, so an exported vendor bag equals what the bridge would have published.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from interop_bridge.canonical import CanonicalSpec
from interop_bridge.mapping import positions_to_canonical
from interop_bridge.profile import Profile
from interop_bridge.state_mapping import StateMapper, map_wrench
from interop_bridge.vendors.codec import CachedGather
from interop_bridge.vendors.registry import make_codec

NS = 1_000_000_000


@dataclass(frozen=True)
class Chunk:
    """Decoded values of a batch of messages of one stream."""

    values: Mapping[str, np.ndarray]  # name -> (messages, width) float64
    header_ns: np.ndarray | None  # (messages,) or None when the type has no header


def _stamp(values: Mapping[str, np.ndarray], prefix: str = 'header.stamp') -> np.ndarray:
    return values[f'{prefix}.sec'][:, 0].astype(np.int64) * NS + values[f'{prefix}.nanosec'][:, 0]


class CanonicalStateDecoder:
    """interop_msgs/WholeBodyState -> state arrays (the layout of the bridge's messages)."""

    typename = 'interop_msgs/msg/WholeBodyState'

    def __init__(self, fielddefs: Mapping[str, Any], spec: CanonicalSpec) -> None:
        self.spec = spec
        self._gather = CachedGather(fielddefs, self.typename, {
            'header.stamp.sec': 'header.stamp.sec', 'header.stamp.nanosec': 'header.stamp.nanosec',
            'position': 'position', 'velocity': 'velocity', 'effort': 'effort', 'valid': 'valid',
            'orientation': 'imu.orientation.*', 'angular_velocity': 'imu.angular_velocity.*',
            'linear_acceleration': 'imu.linear_acceleration.*', 'imu_valid': 'imu_valid'})
        self._fielddefs = fielddefs
        self._wrench_gathers: dict[int, CachedGather] = {}

    def decode(self, raws: list[bytes]) -> Chunk:
        """Decode WholeBodyState messages of one robot."""
        values = self._gather.many(raws)
        out = {name: values[name].astype(np.float64) for name in
               ('position', 'velocity', 'effort', 'orientation', 'angular_velocity',
                'linear_acceleration')}
        out['valid'] = values['valid'].astype(np.float64)
        out['imu_valid'] = values['imu_valid'].astype(np.float64)
        out['wrench'], out['wrench_valid'] = self._wrenches(raws)
        return Chunk(out, _stamp(values))

    def _wrenches(self, raws: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
        frames = self.spec.wrench_frames
        wrench = np.full((len(raws), 6 * len(frames)), np.nan)
        valid = np.zeros((len(raws), len(frames)))
        layout = self._gather.layout
        count = sum(1 for path in layout.leaves if path.endswith('.wrench.force.x'))
        if not count:
            return wrench, valid
        names = [layout.string(raws[0], f'wrenches.{index}.header.frame_id')
                 for index in range(count)]
        if count not in self._wrench_gathers:
            patterns = {f'w{index}': f'wrenches.{index}.wrench.*.*' for index in range(count)}
            self._wrench_gathers[count] = CachedGather(self._fielddefs, self.typename, patterns)
        values = self._wrench_gathers[count].many(raws)
        for index, name in enumerate(names):
            if name in frames:
                slot = frames.index(name)
                wrench[:, 6 * slot:6 * slot + 6] = values[f'w{index}']
                valid[:, slot] = 1.0
        return wrench, valid


class VendorStateDecoder:
    """A vendor state topic -> the same state arrays, through the bridge's codec and mapping."""

    def __init__(self, profile: Profile, spec: CanonicalSpec,
                 fielddefs: Mapping[str, Any]) -> None:
        self.spec = spec
        self.codec = make_codec(profile, fielddefs)
        self.mapper = StateMapper(profile, spec)
        self.typename = self.codec.state_type

    def decode(self, raws: list[bytes]) -> Chunk:
        """Decode vendor state messages and map them to canonical values."""
        native = self.codec.decode_many(raws)
        state = self.mapper.map(native)
        count = len(raws)
        imu = state.imu
        out = {'position': state.position, 'velocity': state.velocity, 'effort': state.effort,
               'valid': state.valid.astype(np.float64),
               'hand': state.hand_closure, 'hand_valid': state.hand_valid.astype(np.float64)}
        if imu is not None:
            out.update(orientation=imu.orientation, angular_velocity=imu.angular_velocity,
                       linear_acceleration=imu.linear_acceleration, imu_valid=np.ones((count, 1)))
        header = None if native.stamp_ns is None else np.asarray(native.stamp_ns, np.int64)
        return Chunk(out, header)


class ImuDecoder:
    """sensor_msgs/Imu (robots that publish their IMU separately)."""

    typename = 'sensor_msgs/msg/Imu'

    def __init__(self, fielddefs: Mapping[str, Any]) -> None:
        self._gather = CachedGather(fielddefs, self.typename, {
            'header.stamp.sec': 'header.stamp.sec', 'header.stamp.nanosec': 'header.stamp.nanosec',
            'orientation': 'orientation.*', 'angular_velocity': 'angular_velocity.*',
            'linear_acceleration': 'linear_acceleration.*'})

    def decode(self, raws: list[bytes]) -> Chunk:
        """Decode Imu messages."""
        values = self._gather.many(raws)
        out = {name: values[name].astype(np.float64) for name in
               ('orientation', 'angular_velocity', 'linear_acceleration')}
        out['imu_valid'] = np.ones((len(raws), 1))
        return Chunk(out, _stamp(values))


class WrenchDecoder:
    """geometry_msgs/WrenchStamped of one profile sensor, into its canonical slot."""

    typename = 'geometry_msgs/msg/WrenchStamped'

    def __init__(self, fielddefs: Mapping[str, Any], spec: CanonicalSpec, sensor: Any) -> None:
        self.sensor = sensor
        self.slot = spec.wrench_frames.index(sensor.frame)
        self.slots = len(spec.wrench_frames)
        self._gather = CachedGather(fielddefs, self.typename, {
            'header.stamp.sec': 'header.stamp.sec', 'header.stamp.nanosec': 'header.stamp.nanosec',
            'wrench': 'wrench.*.*'})

    def decode(self, raws: list[bytes]) -> Chunk:
        """Decode wrenches, applying the sensor's axis signs."""
        values = self._gather.many(raws)
        wrench = np.full((len(raws), 6 * self.slots), np.nan)
        wrench[:, 6 * self.slot:6 * self.slot + 6] = map_wrench(self.sensor, values['wrench'])
        valid = np.zeros((len(raws), self.slots))
        valid[:, self.slot] = 1.0
        return Chunk({'wrench': wrench, 'wrench_valid': valid}, _stamp(values))


class CanonicalCommandDecoder:
    """interop_msgs/WholeBodyCommand -> target positions and the commanded mask."""

    typename = 'interop_msgs/msg/WholeBodyCommand'

    def __init__(self, fielddefs: Mapping[str, Any]) -> None:
        self._gather = CachedGather(fielddefs, self.typename, {
            'header.stamp.sec': 'header.stamp.sec', 'header.stamp.nanosec': 'header.stamp.nanosec',
            'position': 'position', 'commanded': 'commanded'})

    def decode(self, raws: list[bytes]) -> Chunk:
        """Decode canonical commands (NaN where a joint is not commanded)."""
        values = self._gather.many(raws)
        commanded = values['commanded'].astype(bool)
        position = np.where(commanded, values['position'].astype(np.float64), np.nan)
        return Chunk({'action': position, 'action_valid': commanded.astype(np.float64)},
                     _stamp(values))


class VendorCommandDecoder:
    """A vendor command topic -> canonical target positions (the inverse of the bridge)."""

    def __init__(self, profile: Profile, spec: CanonicalSpec,
                 fielddefs: Mapping[str, Any]) -> None:
        self.mapper = StateMapper(profile, spec)
        codec = make_codec(profile, fielddefs)
        self.typename = codec.command_type
        self.by_name = profile.adapter == 'ros2_control'
        if self.by_name:
            self.order = tuple(profile.options['controller_joints'])
            self._gather = CachedGather(fielddefs, self.typename, {'q': 'data'})
        else:
            self._gather = CachedGather(fielddefs, self.typename, {
                'q': 'motor_cmd.*.q', 'mode': 'motor_cmd.*.mode'})

    def decode(self, raws: list[bytes]) -> Chunk:
        """Decode vendor commands into canonical positions; disabled motors are invalid."""
        values = self._gather.many(raws)
        native = values['q'].astype(np.float64)
        if not self.by_name:
            native = np.where(values['mode'] != 0, native, np.nan)
        slots, _, _ = self.mapper.slots(self.order if self.by_name else None)
        position = positions_to_canonical(self.mapper.joint_map, native, slots)
        valid = np.isfinite(position)
        return Chunk({'action': position, 'action_valid': valid.astype(np.float64)}, None)


class HandDecoder:
    """interop_msgs/HandState or HandCommand of one side -> closures in the 14-wide layout."""

    def __init__(self, fielddefs: Mapping[str, Any], typename: str, side_index: int,
                 channels: int, valid_field: str, key: str) -> None:
        self.typename = typename
        self.key = key
        self.columns = slice(side_index * channels, (side_index + 1) * channels)
        self.width = 2 * channels
        self._gather = CachedGather(fielddefs, typename, {
            'header.stamp.sec': 'header.stamp.sec', 'header.stamp.nanosec': 'header.stamp.nanosec',
            'closure': 'closure', 'valid': valid_field})

    def decode(self, raws: list[bytes]) -> Chunk:
        """Decode one side's closures; the other side's columns are NaN."""
        values = self._gather.many(raws)
        closure = np.full((len(raws), self.width), np.nan)
        valid = np.zeros((len(raws), self.width))
        ok = values['valid'].astype(bool)
        closure[:, self.columns] = np.where(ok, values['closure'], np.nan)
        valid[:, self.columns] = ok
        return Chunk({self.key: closure, f'{self.key}_valid': valid}, _stamp(values))
