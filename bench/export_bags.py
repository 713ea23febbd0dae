"""Benchmark inputs for the exporter: G1 vendor bags written fast from serialized templates.

A 60-minute 500 Hz bag is 1.8 M LowState messages; building each with rosbags message objects
costs ~0.4 ms, so every message here is a copy of ONE LowState serialized by rosbags, with the
tick and the 35 motors' q, dq and tau_est patched in at their byte offsets (taken from
`interop_bridge.cdr.layout_from_sample`) by numpy, a block of messages at a time, then its CRC
rewritten (`LowStateCrc.of_payload`, ~10 us a message: the exporter drops a state whose CRC is
stale). The bags carry their message definitions (like `ros2 bag record`), so the exporter
decodes them without ROS.

    state bag   /lowstate (unitree_hg/LowState, 500 Hz, log times with up to 0.3 ms of jitter)
                and, unless events=False, /interop/episode: START / STOP / SUCCESS every 60 s
                (one task per episode, as in a teleop session).
    camera bag  the same state plus /camera/image_raw (sensor_msgs/Image rgb8 640x480, 30 fps,
                a moving gradient and square with +-12 noise: camera-like content).
"""

from __future__ import annotations

import math
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rosbags.rosbag2 import StoragePlugin, Writer
from rosbags.typesys.store import Typestore

from interop_bridge.cdr import HEADER_SIZE, layout_from_sample
from interop_bridge.export.typestore import interop_typestore, msg_files_types, register
from interop_bridge.vendors.unitree_state_crc import LowStateCrc

REPO = Path(__file__).resolve().parent.parent
VENDOR_MSG_DIR = REPO / 'test' / 'vendor_interfaces' / 'unitree_hg' / 'msg'
NS = 1_000_000_000
START_NS = 1_700_000_000 * NS
STATE_TOPIC, STATE_TYPE = '/lowstate', 'unitree_hg/msg/LowState'
EVENT_TOPIC, EVENT_TYPE = '/interop/episode', 'interop_msgs/msg/EpisodeEvent'
CAMERA_TOPIC, IMAGE_TYPE = '/camera/image_raw', 'sensor_msgs/msg/Image'
PROFILE = 'unitree_g1_29dof'
MOTORS = 35
EPISODE_S = 60.0
EVENT_MARGIN_S = 0.5  # START this long after each minute, STOP this long before the next
TASKS = ('pick up the red cup', 'open the drawer', 'wave to the operator',
         'hand over the box', 'wipe the table')
STORAGES = {'mcap': StoragePlugin.MCAP, 'sqlite3': StoragePlugin.SQLITE3}
BLOCK = 4096  # messages patched per numpy call
Progress = Callable[[str], None]
# A message other than LowState, to be written at its log time: (log ns, connection, bytes or
# a function making them when written, so camera images are never all in memory).
Pending = tuple[int, Any, 'bytes | Callable[[], bytes]']


@dataclass(frozen=True)
class BagSpec:
    """One benchmark bag: its length, rate and contents."""

    name: str
    minutes: float
    state_hz: int = 500
    events: bool = True
    camera_hz: int = 0  # 0: no camera topic
    image_size: tuple[int, int] = (480, 640)

    @property
    def state_messages(self) -> int:
        """Number of LowState messages in the bag."""
        return int(round(self.minutes * 60 * self.state_hz))

    @property
    def camera_frames(self) -> int:
        """Number of images in the bag."""
        return int(round(self.minutes * 60 * self.camera_hz))

    @property
    def episodes(self) -> int:
        """Episodes marked by events (0 without events)."""
        return int(self.minutes * 60 // EPISODE_S) if self.events else 0


def bench_typestore() -> Typestore:
    """Jazzy + interop_msgs + the unitree_hg definitions of test/vendor_interfaces."""
    store = interop_typestore()
    register(store, msg_files_types(sorted(VENDOR_MSG_DIR.glob('*.msg')), 'unitree_hg'),
             str(VENDOR_MSG_DIR))
    return store


class LowStateTemplate:
    """One G1 LowState serialized by rosbags, and numpy byte indices of the patched fields."""

    def __init__(self, store: Typestore) -> None:
        self.raw = np.frombuffer(bytes(store.serialize_cdr(self._message(store), STATE_TYPE)),
                                 dtype=np.uint8)
        layout = layout_from_sample(store.fielddefs, STATE_TYPE, self.raw.tobytes())
        self.index = {}
        for name, pattern in (('tick', 'tick'), ('q', 'motor_state.*.q'),
                              ('dq', 'motor_state.*.dq'), ('tau', 'motor_state.*.tau_est')):
            offsets, dtype = layout.offsets(pattern)
            self.index[name] = ((offsets[:, None] + np.arange(dtype.itemsize)).reshape(-1)
                                + HEADER_SIZE, dtype)
        self.crc = LowStateCrc(store.fielddefs, STATE_TYPE)
        self.crc_at = HEADER_SIZE + layout.leaves['crc'].offset

    @staticmethod
    def _message(store: Typestore) -> object:
        types = store.types
        motor_fields = dict(mode=1, q=0.0, dq=0.0, ddq=0.0, tau_est=0.0, vol=48.0, motorstate=0,
                            sensor=np.zeros(2, np.uint32), reserve=np.zeros(4, np.uint32))
        motors = [types['unitree_hg/msg/MotorState'](
            **motor_fields, temperature=np.array([30 + slot % 10, 32 + slot % 10], np.int16))
            for slot in range(MOTORS)]
        imu = types['unitree_hg/msg/IMUState'](
            quaternion=np.array([1.0, 0.0, 0.0, 0.0], np.float32),
            gyroscope=np.zeros(3, np.float32),
            accelerometer=np.array([0.0, 0.0, 9.81], np.float32),
            rpy=np.zeros(3, np.float32), temperature=35)
        return types[STATE_TYPE](version=np.zeros(2, np.uint32), mode_pr=0, mode_machine=5,
                                 tick=0, imu_state=imu, motor_state=motors,
                                 wireless_remote=np.zeros(40, np.uint8),
                                 reserve=np.zeros(4, np.uint32), crc=0)

    def block(self, first: int, count: int, hz: int) -> np.ndarray:
        """`count` messages from message number `first`, CRC included: (count, bytes) uint8."""
        out = np.tile(self.raw, (count, 1))
        number = np.arange(first, first + count)
        t = number / hz
        phase = 2 * math.pi * 0.5 * t[:, None] + 0.3 * np.arange(MOTORS)
        values = {'tick': (t * 1000).astype(np.uint32)[:, None],
                  'q': 0.2 * np.sin(phase), 'dq': 0.2 * math.pi * np.cos(phase),
                  'tau': -2.0 * np.sin(phase)}
        for name, (index, dtype) in self.index.items():
            data = np.ascontiguousarray(values[name], dtype=dtype)
            out[:, index] = data.view(np.uint8).reshape(count, -1)
        crcs = [self.crc.of_payload(row[HEADER_SIZE:]) for row in out]
        out[:, self.crc_at:self.crc_at + 4] = np.asarray(crcs, '<u4').view(np.uint8).reshape(
            count, 4)
        return out


class ImageTemplate:
    """One rgb8 sensor_msgs/Image serialized by rosbags; stamp and pixels patched per frame."""

    def __init__(self, store: Typestore, size: tuple[int, int]) -> None:
        height, width = size
        types = store.types
        header = types['std_msgs/msg/Header'](
            stamp=types['builtin_interfaces/msg/Time'](sec=0, nanosec=0), frame_id='camera')
        message = types[IMAGE_TYPE](header=header, height=height, width=width, encoding='rgb8',
                                    is_bigendian=0, step=width * 3,
                                    data=np.zeros(height * width * 3, np.uint8))
        self.raw = bytearray(store.serialize_cdr(message, IMAGE_TYPE))
        layout = layout_from_sample(store.fielddefs, IMAGE_TYPE, bytes(self.raw))
        self.sec = HEADER_SIZE + layout.leaves['header.stamp.sec'].offset
        self.nanosec = HEADER_SIZE + layout.leaves['header.stamp.nanosec'].offset
        self.data = HEADER_SIZE + layout.leaves['data'].offset
        self.size = size
        yy, xx = np.mgrid[0:height, 0:width]
        self._yy, self._xx = yy.astype(np.int16), xx.astype(np.int16)
        self._rng = np.random.default_rng(7)

    def pixels(self, index: int) -> np.ndarray:
        """Frame `index`: a gradient moving 4 px/frame, a square moving along it, noise."""
        height, width = self.size
        shift = 4 * index
        base = np.empty((height, width, 3), np.int16)
        base[..., 0] = (self._xx + shift) % 256
        base[..., 1] = (self._yy + shift // 2) % 256
        base[..., 2] = (self._xx + self._yy) // 5 % 256
        left, top = (7 * index) % (width - 96), (3 * index) % (height - 96)
        base[top:top + 96, left:left + 96] = (240, 40, 40)
        base += self._rng.integers(-12, 13, size=base.shape, dtype=np.int16)
        return np.clip(base, 0, 255).astype(np.uint8)

    def message(self, index: int, stamp_ns: int) -> bytes:
        """The serialized image of frame `index` stamped at `stamp_ns`."""
        raw = self.raw
        raw[self.sec:self.sec + 4] = (stamp_ns // NS).to_bytes(4, 'little', signed=True)
        raw[self.nanosec:self.nanosec + 4] = (stamp_ns % NS).to_bytes(4, 'little')
        pixels = self.pixels(index).reshape(-1)
        raw[self.data:self.data + len(pixels)] = pixels.tobytes()
        return bytes(raw)


def _event(store: Typestore, kind: int, episode_id: str, task: str, stamp_ns: int) -> bytes:
    types = store.types
    header = types['std_msgs/msg/Header'](
        stamp=types['builtin_interfaces/msg/Time'](sec=stamp_ns // NS, nanosec=stamp_ns % NS),
        frame_id='')
    message = types[EVENT_TYPE](header=header, type=kind, episode_id=episode_id, task=task,
                                text='')
    return bytes(store.serialize_cdr(message, EVENT_TYPE))


def _events(store: Typestore, spec: BagSpec) -> list[tuple[int, bytes]]:
    out = []
    for number in range(spec.episodes):
        start = START_NS + int((number * EPISODE_S + EVENT_MARGIN_S) * NS)
        end = START_NS + int(((number + 1) * EPISODE_S - EVENT_MARGIN_S) * NS)
        episode_id, task = f'episode-{number:03d}', TASKS[number % len(TASKS)]
        # The operator stops the episode, then labels it (a label after STOP only labels).
        out += [(start, _event(store, 0, episode_id, task, start)),
                (end, _event(store, 1, episode_id, task, end)),
                (end + 1, _event(store, 2, episode_id, task, end + 1))]
    return out


def _state_times(first: int, count: int, hz: int) -> np.ndarray:
    number = np.arange(first, first + count, dtype=np.int64)
    jitter = (number * 7919 % 300) * 1000  # deterministic 0..0.3 ms receive jitter
    return START_NS + number * NS // hz + jitter


def _state_stream(template: LowStateTemplate, spec: BagSpec) -> Iterator[tuple[int, bytes]]:
    total = spec.state_messages
    for first in range(0, total, BLOCK):
        count = min(BLOCK, total - first)
        block = template.block(first, count, spec.state_hz)
        for log_ns, row in zip(_state_times(first, count, spec.state_hz).tolist(), block):
            yield log_ns, row.tobytes()


def write_bag(path: Path, spec: BagSpec, storage: str = 'mcap',
              progress: Progress = print) -> Path:
    """Write the bag of `spec` at `path` (replaced if it exists), printing % done."""
    if path.exists():
        shutil.rmtree(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    store = bench_typestore()
    started = time.monotonic()
    with Writer(path, version=9, storage_plugin=STORAGES[storage]) as writer:
        state = writer.add_connection(STATE_TOPIC, STATE_TYPE, typestore=store)
        others: list[Pending] = []
        if spec.events:
            event = writer.add_connection(EVENT_TOPIC, EVENT_TYPE, typestore=store)
            others += [(stamp, event, data) for stamp, data in _events(store, spec)]
        if spec.camera_hz:
            camera = writer.add_connection(CAMERA_TOPIC, IMAGE_TYPE, typestore=store)
            image = ImageTemplate(store, spec.image_size)
            for index in range(spec.camera_frames):
                stamp = START_NS + index * NS // spec.camera_hz
                others.append((stamp, camera, _frame_maker(image, index, stamp)))
        others.sort(key=lambda item: item[0])
        _write_merged(writer, state, LowStateTemplate(store), spec, others, progress)
    progress(f'  {path.name}: written in {time.monotonic() - started:.1f} s, '
             f'{_size_mb(path):.0f} MB')
    return path


def _frame_maker(image: ImageTemplate, index: int, stamp: int) -> Callable[[], bytes]:
    return lambda: image.message(index, stamp)


def _write_merged(writer: Writer, state: Any, template: LowStateTemplate, spec: BagSpec,
                  others: list[Pending], progress: Progress) -> None:
    """LowState messages block by block, the other messages slotted in at their times."""
    total, step = spec.state_messages, max(1, spec.state_messages // 10)
    pending = iter(others)
    upcoming = next(pending, None)
    for number, (log_ns, data) in enumerate(_state_stream(template, spec)):
        while upcoming is not None and upcoming[0] <= log_ns:
            body = upcoming[2] if isinstance(upcoming[2], bytes) else upcoming[2]()
            writer.write(upcoming[1], upcoming[0], body)
            upcoming = next(pending, None)
        writer.write(state, log_ns, data)
        if (number + 1) % step == 0:
            progress(f'  {spec.name}: {100 * (number + 1) // total:3d} % '
                     f'({number + 1} / {total} state messages)')
    while upcoming is not None:
        body = upcoming[2] if isinstance(upcoming[2], bytes) else upcoming[2]()
        writer.write(upcoming[1], upcoming[0], body)
        upcoming = next(pending, None)


def _size_mb(path: Path) -> float:
    return sum(item.stat().st_size for item in path.rglob('*') if item.is_file()) / 1e6
