"""Synthetic rosbag2 recordings with known ground truth, for exporter tests.

Bags are written with rosbags (sqlite3 or mcap) and carry their message definitions, like a
`ros2 bag record` of the vendor's topics. Joint values follow `native_value(slot, t)`; state
messages are logged on an exact 300 Hz clock so that 30 fps grid instants fall on samples and
the exported values equal the ground truth after mapping.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import vendor_messages as vm
from spelled_frames import spelling_frame
from rosbags.rosbag2 import StoragePlugin, Writer

from interop_bridge.profile import load_profile as _load_profile

NS = 1_000_000_000
START_NS = 1_700_000_000 * NS
STATE_HZ = 300
CAMERA_HZ = 30
IMAGE_SIZE = (32, 64)
COMMAND_HZ = 50
COMMAND_OFFSET = 0.05  # commanded native value = current native value + this
COMMAND_KP, COMMAND_KD = 60.0, 1.5  # gains of the enabled slots of recorded commands


@functools.lru_cache(maxsize=None)
def load_profile(name: str):
    """Profiles are read once per test session (the factory asks for them per message)."""
    return _load_profile(name)


def native_value(slot: int, t: float) -> float:
    """Ground-truth native joint value of one vendor slot at time t [s]."""
    return 0.2 * math.sin(2 * math.pi * 0.5 * t + 0.3 * slot)


@dataclass(frozen=True)
class EventSpec:
    """An episode to mark in the bag: [start_s, end_s) with its outcome."""

    start_s: float
    end_s: float
    task: str
    outcome: int = 2  # EpisodeEvent.SUCCESS


def _storage(storage: str) -> StoragePlugin:
    return StoragePlugin.MCAP if storage == 'mcap' else StoragePlugin.SQLITE3


def spelling_pixels(code: int) -> np.ndarray:
    """An image of IMAGE_SIZE that spells `code` (test/spelled_frames.py)."""
    return spelling_frame(code, *IMAGE_SIZE)


def _image(index: int) -> bytes:
    """An rgb8 sensor_msgs/Image that spells its own index."""
    return rgb8_image(spelling_pixels(index), START_NS + index * NS // CAMERA_HZ)


def rgb8_image(pixels: np.ndarray, stamp_ns: int) -> bytes:
    """A serialized rgb8 sensor_msgs/Image of (H, W, 3) uint8 pixels, frame 'camera'."""
    store = vm.typestore()
    types = store.types
    height, width = pixels.shape[:2]
    header = types['std_msgs/msg/Header'](
        stamp=types['builtin_interfaces/msg/Time'](sec=stamp_ns // NS, nanosec=stamp_ns % NS),
        frame_id='camera')
    message = types['sensor_msgs/msg/Image'](header=header, height=height, width=width,
                                             encoding='rgb8', is_bigendian=0, step=width * 3,
                                             data=pixels.reshape(-1))
    return bytes(store.serialize_cdr(message, 'sensor_msgs/msg/Image'))


def _event(kind: int, episode_id: str, task: str, stamp_ns: int) -> bytes:
    store = vm.typestore()
    types = store.types
    header = types['std_msgs/msg/Header'](
        stamp=types['builtin_interfaces/msg/Time'](sec=stamp_ns // NS, nanosec=stamp_ns % NS),
        frame_id='')
    message = types['interop_msgs/msg/EpisodeEvent'](header=header, type=kind,
                                                     episode_id=episode_id, task=task, text='')
    return bytes(store.serialize_cdr(message, 'interop_msgs/msg/EpisodeEvent'))


def vendor_state_at(profile_name: str, t: float, names: list[str] | None) -> bytes:
    """The serialized vendor state of a profile's robot at time t."""
    profile = load_profile(profile_name)
    if profile.adapter.startswith('unitree_'):
        slots = profile.options['motor_slots']
        q = np.asarray([native_value(slot, t) for slot in range(slots)], dtype=np.float32)
        return vm.unitree_lowstate(profile.adapter[-2:], q, tick=int(t * 1000))
    if profile.adapter == 'booster':
        motors = range(profile.options['motor_count'])
        q = np.asarray([native_value(slot, t) for slot in motors], dtype=np.float32)
        return vm.booster_lowstate(q)
    q = np.asarray([native_value(slot, t) for slot in range(len(names))])
    return vm.joint_state(names, q, START_NS + int(round(t * NS)))


def name_order(profile_name: str) -> list[str] | None:
    """The JointState name order of name-addressed robots (None for slot-addressed ones)."""
    profile = load_profile(profile_name)
    if profile.adapter != 'ros2_control':
        return None
    return [str(entry.source) for entry in (*profile.joints, *profile.extra, *profile.grippers)]


def unitree_lowcmd(family: str, slots: int, enabled: int, t: float,
                   kp: float = COMMAND_KP) -> bytes:
    """A serialized Unitree LowCmd commanding native_value + COMMAND_OFFSET on enabled slots."""
    store = vm.typestore()
    package = f'unitree_{family}'
    motor = store.types[f'{package}/msg/MotorCmd']
    motors = []
    for slot in range(slots):
        on = slot < enabled
        fields = {name: (0 if name in ('mode', 'reserve') else np.float32(0.0))
                  for name, _ in store.fielddefs[f'{package}/msg/MotorCmd'][1]}
        fields.update(mode=1 if on else 0,
                      q=np.float32(native_value(slot, t) + COMMAND_OFFSET if on else 0.0),
                      kp=np.float32(kp if on else 0.0),
                      kd=np.float32(COMMAND_KD if on else 0.0))
        if family == 'go':
            fields['reserve'] = np.zeros(3, dtype=np.uint32)
        motors.append(motor(**fields))
    message = vm._message(f'{package}/msg/LowCmd', motor_cmd=motors)
    return bytes(store.serialize_cdr(message, f'{package}/msg/LowCmd'))


def write_vendor_bag(path: Path, profile_name: str, *, storage: str = 'mcap',
                     duration_s: float = 2.0, events: tuple[EventSpec, ...] = (),
                     camera: bool = True, namespace: str = '', version: int = 9,
                     commands: bool = False,
                     extra: tuple[tuple[str, str, float, bytes], ...] = (),
                     state_gap: tuple[float, float] | None = None,
                     vendor_in_namespace: bool = False) -> Path:
    """A bag of a robot's vendor topics (what `ros2 bag record` of the vendor gives).

    Vendor topics are where the profile names them (`/lowstate`, as a real G1 publishes), or
    with `vendor_in_namespace` inside `namespace` (`/g1/lowstate`: a driver started there).
    `extra`: more messages (topic, type, time [s], serialized bytes) to record.
    `state_gap`: (start, end) [s] during which no state message was recorded (a dropout).
    """
    profile = load_profile(profile_name)
    names = name_order(profile_name)
    store = vm.typestore()
    state_type = {'unitree_hg': 'unitree_hg/msg/LowState', 'unitree_go': 'unitree_go/msg/LowState',
                  'booster': 'booster_interface/msg/LowState',
                  'ros2_control': 'sensor_msgs/msg/JointState'}[profile.adapter]

    def vendor_topic(topic: str) -> str:
        inside = vendor_in_namespace or not topic.startswith('/')
        return f'{namespace}/{topic.lstrip("/")}' if inside else topic
    state_topic = vendor_topic(profile.topics.state)
    with Writer(path, version=version, storage_plugin=_storage(storage)) as writer:
        state = writer.add_connection(state_topic, state_type, typestore=store)
        image = writer.add_connection(f'{namespace}/camera/image_raw', 'sensor_msgs/msg/Image',
                                      typestore=store) if camera else None
        episode = writer.add_connection(f'{namespace}/interop/episode',
                                        'interop_msgs/msg/EpisodeEvent',
                                        typestore=store) if events else None
        messages = []
        for tick in range(int(duration_s * STATE_HZ) + 1):
            t = tick / STATE_HZ
            if state_gap is not None and state_gap[0] <= t < state_gap[1]:
                continue
            messages.append((START_NS + tick * NS // STATE_HZ, state,
                             vendor_state_at(profile_name, t, names)))
        if image is not None:
            for index in range(int(duration_s * CAMERA_HZ) + 1):
                messages.append((START_NS + index * NS // CAMERA_HZ, image, _image(index)))
        for number, spec in enumerate(events):
            episode_id = f'episode-{number}'
            for kind, at in ((0, spec.start_s), (1, spec.end_s), (spec.outcome, spec.end_s)):
                stamp = START_NS + int(round(at * NS))
                messages.append((stamp, episode, _event(kind, episode_id, spec.task, stamp)))
        if commands:
            family = profile.adapter[-2:]
            command = writer.add_connection(vendor_topic(profile.topics.command),
                                            f'{profile.adapter}/msg/LowCmd', typestore=store)
            enabled = len(profile.joints)
            for tick in range(int(duration_s * COMMAND_HZ) + 1):
                messages.append((START_NS + tick * NS // COMMAND_HZ, command, unitree_lowcmd(
                    family, profile.options['motor_slots'], enabled, tick / COMMAND_HZ)))
        connections: dict[str, Any] = {}
        for topic, typename, at, data in extra:
            if topic not in connections:
                connections[topic] = writer.add_connection(topic, typename, typestore=store)
            messages.append((START_NS + int(round(at * NS)), connections[topic], data))
        for stamp, connection, data in sorted(messages, key=lambda item: item[0]):
            writer.write(connection, stamp, data)
    return path


def mapped_state(profile_name: str, t: float) -> tuple[np.ndarray, np.ndarray]:
    """Canonical positions and validity from the ground truth, mapped by the profile."""
    profile = load_profile(profile_name)
    names = name_order(profile_name)
    state, valid = np.zeros(32, dtype=np.float32), np.zeros(32, dtype=np.float32)
    for joint in profile.joints:
        slot = names.index(joint.source) if names else joint.source
        native = np.float64(np.float32(native_value(slot, t))) if names is None else \
            native_value(slot, t)
        state[joint.index] = joint.gain * native + joint.offset
        valid[joint.index] = 1.0
    return state, valid
