"""Fixed CDR images of the bridge's canonical outputs: laid out once per shape, filled per sample.

A canonical output of one robot has a constant *shape*: the same sequence lengths and the same
strings (joint names, frame ids) in every message. Its serialized form (encapsulation header +
little-endian CDR payload, `interop_bridge.cdr`) is therefore one fixed byte image in which the
stamp and every numeric array sit at offsets known in advance. `CdrImage` holds such an image
with the length prefixes and strings written and numpy views onto each value; filling a sample
is a few slice assignments, and `tobytes()` gives what `rclpy` `Publisher.publish` sends as a
serialized message. No message object is built.

The images here are those the bridge publishes for every state: interop_msgs/WholeBodyState,
sensor_msgs/JointState (canonical names, or the vendor's) and sensor_msgs/Imu. Alignment padding
is zero; every other byte is what rclpy's serializer writes for the same message.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from interop_bridge.cdr import HEADER, HEADER_SIZE, Layout, layout_for_lengths
from interop_bridge.errors import MappingError
from interop_bridge.export.typestore import TypeDefinitions
from interop_bridge.state_mapping import CanonicalState
from interop_bridge.vendors.native import ImuSample

NANOSECONDS = 1_000_000_000
STATE_TYPE = 'interop_msgs/msg/WholeBodyState'
JOINT_STATE_TYPE = 'sensor_msgs/msg/JointState'
IMU_TYPE = 'sensor_msgs/msg/Imu'
BASE_FRAME = 'base_link'
STAMP = struct.Struct('<iI')  # builtin_interfaces/Time: int32 sec, uint32 nanosec
# sensor_msgs/Imu from orientation.x to linear_acceleration_covariance: 37 float64 in a row.
IMU_BLOCK = ('orientation.x', 37)
ORIENTATION, ANGULAR, LINEAR = slice(0, 4), slice(13, 16), slice(25, 28)
COVARIANCE_FIRST = [4, 16, 28]
NO_IMU = np.zeros(37)  # what an Imu says without data: identity quaternion, covariance[0] -1
NO_IMU[3], NO_IMU[COVARIANCE_FIRST] = 1.0, -1.0
POSE_VALUES = 7  # x, y, z, qx, qy, qz, qw per task frame


class CdrImage:
    """One serialized message shape: fixed bytes, with writable views onto its values."""

    def __init__(self, fielddefs: TypeDefinitions, typename: str,
                 lengths: Mapping[str, int] | None = None,
                 texts: Mapping[str, str] | None = None) -> None:
        texts = dict(texts or {})
        all_lengths = dict(lengths or {})
        if any(count < 0 for count in all_lengths.values()):
            msg = f'{typename}: negative sequence length in {all_lengths}'
            raise MappingError(msg)
        all_lengths.update({path: len(text.encode()) + 1 for path, text in texts.items()})
        self.layout: Layout = layout_for_lengths(fielddefs, typename, all_lengths)
        size = HEADER_SIZE + self.layout.size
        # 4 spare bytes in front put the payload on an 8-byte boundary of numpy's allocation.
        self._storage = np.zeros(size + 4, dtype=np.uint8)
        self.data: NDArray[np.uint8] = self._storage[4:]
        self.data[:HEADER_SIZE] = np.frombuffer(HEADER, dtype=np.uint8)
        for offset, expected in self.layout.guards:
            self._put_bytes(offset, expected)
        for path, text in texts.items():
            self._put_bytes(self.layout.leaves[path].offset, text.encode())

    def _put_bytes(self, offset: int, data: bytes) -> None:
        start = HEADER_SIZE + offset
        self.data[start:start + len(data)] = np.frombuffer(data, dtype=np.uint8)

    def view(self, path: str, count: int | None = None) -> np.ndarray:
        """A writable view of the value(s) at `path`; `count` values of its type from there
        (default: the leaf's own count), which must be one contiguous run of leaves."""
        leaf = self.layout.leaves.get(path)
        if leaf is None:
            msg = f'{self.layout.typename} image has no field {path!r}'
            raise MappingError(msg)
        count = leaf.count if count is None else count
        start = HEADER_SIZE + leaf.offset
        stop = start + count * leaf.dtype.itemsize
        covered = [other for other in self.layout.leaves.values()
                   if start <= HEADER_SIZE + other.offset < stop]
        if sum(other.count for other in covered) != count or \
                any(other.dtype != leaf.dtype for other in covered):
            msg = f'{self.layout.typename}: {count} values from {path!r} are not one run'
            raise MappingError(msg)
        return self.data[start:stop].view(leaf.dtype)

    def stamp_offset(self, path: str) -> int:
        """Byte offset in `data` of a builtin_interfaces/Time (for `write_stamp`)."""
        return HEADER_SIZE + self.layout.leaves[f'{path}.sec'].offset

    def write_stamp(self, offset: int, stamp_ns: int) -> None:
        """Store integer nanoseconds as a Time at a `stamp_offset` (negative: floor seconds)."""
        seconds, nanoseconds = divmod(int(stamp_ns), NANOSECONDS)
        try:
            STAMP.pack_into(self.data, offset, seconds, nanoseconds)  # type: ignore[arg-type]
        except struct.error as err:
            msg = f'stamp {stamp_ns} ns does not fit builtin_interfaces/Time'
            raise MappingError(msg) from err

    def padding_mask(self) -> NDArray[np.bool_]:
        """True for the alignment bytes of `data` (no value, no length prefix)."""
        used = np.zeros(self.data.size, dtype=bool)
        used[:HEADER_SIZE] = True
        for leaf in self.layout.leaves.values():
            start = HEADER_SIZE + leaf.offset
            used[start:start + leaf.count * leaf.dtype.itemsize] = True
        for offset, _ in self.layout.guards:
            used[HEADER_SIZE + offset:HEADER_SIZE + offset + 4] = True
        return ~used

    def tobytes(self) -> bytes:
        """The serialized message, as `Publisher.publish` takes it."""
        return self.data.tobytes()


def put(view: np.ndarray, values: object, name: str) -> None:
    """Copy values into a view of the same length (a scalar fills a one-value view)."""
    array = np.asarray(values)
    if array.size != view.size or array.ndim > 1:
        msg = f'{name}: {array.shape} values for a field of {view.size}'
        raise MappingError(msg)
    view[...] = array.reshape(view.shape)


def fill_imu(block: np.ndarray, imu: ImuSample | None) -> None:
    """The 37 numbers of a sensor_msgs/Imu (orientation to last covariance) from a sample."""
    if imu is None:
        block[...] = NO_IMU
        return
    block[COVARIANCE_FIRST] = 0.0
    put(block[ORIENTATION], imu.orientation, 'imu orientation')
    put(block[ANGULAR], imu.angular_velocity, 'imu angular_velocity')
    put(block[LINEAR], imu.linear_acceleration, 'imu linear_acceleration')


@dataclass(frozen=True)
class StateShape:
    """What fixes the bytes of a WholeBodyState apart from its values."""

    joints: int
    temperature: bool
    status: bool
    extra_names: tuple[str, ...]
    imu_frame: str
    wrench_frames: tuple[str, ...]
    task_frames: tuple[str, ...]


class WholeBodyStateImage:
    """interop_msgs/WholeBodyState of one shape."""

    def __init__(self, fielddefs: TypeDefinitions, shape: StateShape) -> None:
        self.shape = shape
        joints, extras = shape.joints, len(shape.extra_names)
        tasks, wrenches = len(shape.task_frames), len(shape.wrench_frames)
        lengths = {'position': joints, 'velocity': joints, 'effort': joints, 'valid': joints,
                   'temperature': joints if shape.temperature else 0,
                   'motor_status': joints if shape.status else 0, 'extra_name': extras,
                   'extra_position': extras, 'extra_velocity': extras, 'extra_effort': extras,
                   'wrenches': wrenches, 'task_frame': tasks, 'task_pose': POSE_VALUES * tasks,
                   'task_valid': tasks}
        texts = {'header.frame_id': BASE_FRAME, 'imu.header.frame_id': shape.imu_frame}
        texts.update({f'extra_name.{i}': name for i, name in enumerate(shape.extra_names)})
        texts.update({f'wrenches.{i}.header.frame_id': frame
                      for i, frame in enumerate(shape.wrench_frames)})
        texts.update({f'task_frame.{i}': frame for i, frame in enumerate(shape.task_frames)})
        self.image = image = CdrImage(fielddefs, STATE_TYPE, lengths, texts)
        names = ('position', 'velocity', 'effort', 'valid', 'temperature', 'motor_status',
                 'extra_position', 'task_pose', 'task_valid', 'stamp_source', 'sequence',
                 'imu_valid')
        self.views = {name: image.view(name) for name in names}
        self.imu = image.view(f'imu.{IMU_BLOCK[0]}', IMU_BLOCK[1])
        self.wrenches = [image.view(f'wrenches.{i}.wrench.force.x', 6) for i in range(wrenches)]
        self.stamps = [image.stamp_offset(path) for path in (
            'header.stamp', 'imu.header.stamp',
            *(f'wrenches.{i}.header.stamp' for i in range(wrenches)))]
        self.receive = image.stamp_offset('receive_stamp')
        image.view('extra_velocity')[...] = np.nan
        image.view('extra_effort')[...] = np.nan

    def serialize(self, state: CanonicalState, *, stamp_ns: int, receive_ns: int,
                  stamp_source: int, wrenches: Mapping[str, np.ndarray]) -> bytes:
        """The message of one mapped sample; MappingError when it does not fit the shape."""
        views, image = self.views, self.image
        for name in ('position', 'velocity', 'effort', 'valid'):
            put(views[name], getattr(state, name), name)
        if self.shape.temperature:
            put(views['temperature'], state.temperature, 'temperature')
        if self.shape.status:
            put(views['motor_status'], state.status, 'motor_status')
        put(views['extra_position'], state.extra_position, 'extra_position')
        if self.shape.task_frames:
            put(views['task_pose'], np.asarray(state.task_pose).reshape(-1), 'task_pose')
            put(views['task_valid'], state.task_valid, 'task_valid')
        views['stamp_source'][0] = stamp_source
        views['sequence'][0] = 0 if state.sequence is None else int(state.sequence)
        fill_imu(self.imu, state.imu)
        views['imu_valid'][0] = state.imu is not None
        for frame, view in zip(self.shape.wrench_frames, self.wrenches):
            put(view, wrenches[frame], f'wrench {frame}')
        for offset in self.stamps:
            image.write_stamp(offset, stamp_ns)
        image.write_stamp(self.receive, receive_ns)
        return image.tobytes()


class JointStateImage:
    """sensor_msgs/JointState with a constant name list (empty frame id)."""

    def __init__(self, fielddefs: TypeDefinitions, names: Sequence[str], *,
                 velocity: bool = True, effort: bool = True) -> None:
        count = len(names)
        lengths = {'name': count, 'position': count, 'velocity': count if velocity else 0,
                   'effort': count if effort else 0}
        texts = {'header.frame_id': '', **{f'name.{i}': name for i, name in enumerate(names)}}
        self.image = CdrImage(fielddefs, JOINT_STATE_TYPE, lengths, texts)
        self.names = tuple(names)
        self.present = {'position': True, 'velocity': velocity, 'effort': effort}
        self.views = {name: self.image.view(name) for name in ('position', 'velocity', 'effort')}
        self.stamp = self.image.stamp_offset('header.stamp')

    def serialize(self, stamp_ns: int, position: object, velocity: object = None,
                  effort: object = None) -> bytes:
        """The message; velocity and effort are given exactly when the shape has them."""
        for name, values in (('position', position), ('velocity', velocity),
                             ('effort', effort)):
            if self.names and (values is None) == self.present[name]:
                msg = (f'joint_state {name}: the shape has {self.views[name].size} values, '
                       f'given {"none" if values is None else "some"}')
                raise MappingError(msg)
            if values is not None:
                put(self.views[name], values, name)
        self.image.write_stamp(self.stamp, stamp_ns)
        return self.image.tobytes()


class ImuImage:
    """sensor_msgs/Imu of one frame."""

    def __init__(self, fielddefs: TypeDefinitions, frame: str) -> None:
        self.image = CdrImage(fielddefs, IMU_TYPE, texts={'header.frame_id': frame})
        self.block = self.image.view(*IMU_BLOCK)
        self.stamp = self.image.stamp_offset('header.stamp')

    def serialize(self, stamp_ns: int, imu: ImuSample | None) -> bytes:
        """The message of one sample (None: no data, covariance[0] = -1)."""
        fill_imu(self.block, imu)
        self.image.write_stamp(self.stamp, stamp_ns)
        return self.image.tobytes()
