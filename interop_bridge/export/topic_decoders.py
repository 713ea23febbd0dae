"""Decode batches of recorded messages into canonical per-sample arrays, with numpy.

Every decoder takes a list of raw CDR messages of one topic and returns a `Chunk`: named arrays
of shape (messages, width) plus header stamps where the message has them. Canonical topics are
read as they are; vendor topics go through the same vendor codec and mapping core as the live
bridge, so an exported vendor bag equals what the bridge would have published.

A vendor state that fails its own checksum (Unitree LowState CRC) is never data: the vendor
state decoder leaves such messages out of its chunk (`Chunk.kept` says which it kept), so the
frames around one interpolate its good neighbours (the bridge drops them too); a
`ChecksumTally` counts them for the episode's meta and the bag's warning.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from interop_bridge.canonical import CanonicalSpec
from interop_bridge.profile import WrenchSensor
from interop_bridge.robot_codec import RobotCodec
from interop_bridge.vendors.codec import CachedGather
from interop_bridge.vendors.native import ImuSample
from interop_bridge.vendors.ros_sensors import IMU_TYPE, WRENCH_TYPE

NS = 1_000_000_000


@dataclass(frozen=True)
class Chunk:
    """Decoded values of a batch of messages of one stream."""

    values: Mapping[str, np.ndarray]  # name -> (messages, width) float64
    header_ns: np.ndarray | None  # (messages,) or None when the type has no header
    # Which of the messages given are in `values` (None: all of them). Set by a decoder of a
    # vendor state with its own checksum: the messages that fail it are left out.
    kept: np.ndarray | None = None


def _stamp(values: Mapping[str, np.ndarray], prefix: str = 'header.stamp') -> np.ndarray:
    # numpy types an integer index in a tuple as Any (scalar or array): declare the columns.
    seconds: np.ndarray = values[f'{prefix}.sec'][:, 0]
    nanoseconds: np.ndarray = values[f'{prefix}.nanosec'][:, 0]
    return seconds.astype(np.int64) * NS + nanoseconds.astype(np.int64)


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
        layout = self._gather.layout_for(raws[0])  # the message the frame names are read from
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

    def __init__(self, codec: RobotCodec) -> None:
        self.codec = codec
        self.typename = codec.state_type

    def decode(self, raws: list[bytes]) -> Chunk:
        """Decode vendor state messages and map them to canonical values; those that fail
        their own checksum are left out (`Chunk.kept`)."""
        native, state = self.codec.states(raws)
        out = {'position': state.position, 'velocity': state.velocity, 'effort': state.effort,
               'valid': state.valid.astype(np.float64),
               'hand': state.hand_closure, 'hand_valid': state.hand_valid.astype(np.float64)}
        if state.imu is not None:
            out.update(_imu_columns(state.imu))
        header = None if native.stamp_ns is None else np.asarray(native.stamp_ns, np.int64)
        if native.checksum_ok is None:
            return Chunk(out, header)
        kept = np.asarray(native.checksum_ok, dtype=bool)
        if not kept.all():
            out = {name: values[kept] for name, values in out.items()}
            header = None if header is None else header[kept]
        return Chunk(out, header, kept)


class ChecksumTally:
    """How many state messages failed their own checksum (and were left out), per episode and
    per bag, each message counted once however many episode windows read it."""

    def __init__(self, topic: str) -> None:
        self.topic = topic
        self.has_checksum = False  # true once a decoded chunk said it has one
        self.episode_dropped = 0
        self.dropped = 0
        self.read = 0
        self._newest_ns = -1  # newest state log time counted in `read`

    def start_episode(self) -> None:
        """Restart `episode_dropped`."""
        self.episode_dropped = 0

    def count(self, log_ns: np.ndarray, kept: np.ndarray) -> None:
        """Count one decoded chunk: its messages' log times and which of them were kept."""
        if not len(log_ns):
            return
        self.has_checksum = True
        new = log_ns > self._newest_ns
        self.episode_dropped += int(np.count_nonzero(~kept))
        self.read += int(np.count_nonzero(new))
        self.dropped += int(np.count_nonzero(new & ~kept))
        self._newest_ns = max(self._newest_ns, int(log_ns.max()))

    def warning(self) -> str | None:
        """'3 of 510 /lowstate messages read have a bad CRC (dropped)', or None."""
        if not self.dropped:
            return None
        return (f'{self.dropped} of {self.read} {self.topic} messages read have a bad CRC '
                '(dropped)')


def _imu_columns(imu: ImuSample) -> dict[str, np.ndarray]:
    """IMU arrays of a batch, valid where the sample has a finite rate and acceleration."""
    valid = np.isfinite(imu.angular_velocity).all(axis=-1) & \
        np.isfinite(imu.linear_acceleration).all(axis=-1)
    return {'orientation': imu.orientation, 'angular_velocity': imu.angular_velocity,
            'linear_acceleration': imu.linear_acceleration,
            'imu_valid': valid[:, None].astype(np.float64)}


class ImuDecoder:
    """sensor_msgs/Imu of robots that publish their IMU separately (the bridge's codec)."""

    typename = IMU_TYPE

    def __init__(self, codec: RobotCodec) -> None:
        self.codec = codec

    def decode(self, raws: list[bytes]) -> Chunk:
        """Decode Imu messages."""
        imu = self.codec.imus(raws)
        return Chunk(_imu_columns(imu), imu.stamp_ns)


class WrenchDecoder:
    """geometry_msgs/WrenchStamped of one profile sensor, into its canonical slot."""

    typename = WRENCH_TYPE

    def __init__(self, codec: RobotCodec, spec: CanonicalSpec, sensor: WrenchSensor) -> None:
        self.codec = codec
        self.sensor = sensor
        self.slot = spec.wrench_frames.index(sensor.frame)
        self.slots = len(spec.wrench_frames)

    def decode(self, raws: list[bytes]) -> Chunk:
        """Decode wrenches, applying the sensor's axis signs (as the bridge does)."""
        mapped, stamps = self.codec.wrenches(self.sensor, raws)
        wrench = np.full((len(raws), 6 * self.slots), np.nan)
        wrench[:, 6 * self.slot:6 * self.slot + 6] = mapped
        valid = np.zeros((len(raws), self.slots))
        valid[:, self.slot] = 1.0
        return Chunk({'wrench': wrench, 'wrench_valid': valid}, stamps)


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
    """A vendor command topic -> canonical target positions, by the codec that encodes them."""

    def __init__(self, codec: RobotCodec) -> None:
        self.codec = codec
        self.typename = codec.command_type

    def decode(self, raws: list[bytes]) -> Chunk:
        """Decode vendor commands; joints not driven to a position target are invalid."""
        command = self.codec.commands(raws)
        return Chunk({'action': command.position,
                      'action_valid': command.commanded.astype(np.float64)}, None)


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
