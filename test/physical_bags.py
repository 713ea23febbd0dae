"""A physically consistent G1 recording: what a clean `ros2 bag record` of the robot would hold.

bag_factory.py's bags carry easy-to-predict values (dq = q / 2, a constant gyro under a constant
non-unit quaternion), right for checking the mapping, wrong for judging physics. Here the truth
is analytic: each native joint rests at the middle of its limits for REST_S, then swings
q(t) = mid + A sin^2(pi f (t - REST_S)) inside its limits, dq = dq/dt exactly, a small effort;
the pelvis stands upright (unit quaternion, gyro 0, accelerometer +9.81 m/s^2 along body z);
the commands lead the state by COMMAND_LEAD_S (a tracking controller); a 30 Hz camera shows a
mid-grey scene with a moving square. Messages are built from the vendor IDL (vendor_messages)
with the robot's own CRC.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import vendor_messages as vm
from bag_factory import START_NS, EventSpec, _event, _storage, load_profile, rgb8_image
from rosbags.rosbag2 import Writer

NS = 1_000_000_000
PROFILE = 'unitree_g1_29dof'
STATE_HZ, COMMAND_HZ, CAMERA_HZ = 500, 50, 30
REST_S = 0.9           # still from the start of the bag (the episode starts at 0.2 s)
SWING_HZ = 0.4         # f of the sin^2 swing
AMPLITUDE = 0.3        # share of each joint's half range
COMMAND_LEAD_S = 0.02
GRAVITY = 9.81
SIZE = (96, 128)


def joint_motion(t: float) -> tuple[np.ndarray, np.ndarray]:
    """Native (q, dq) of every motor slot at t (slots the profile does not map stay 0)."""
    profile = load_profile(PROFILE)
    q = np.zeros(profile.options['motor_slots'])
    dq = np.zeros_like(q)
    for joint in profile.joints:
        low, high = joint.position
        mid, half = (low + high) / 2, (high - low) / 2
        slot = int(joint.source)
        phase = math.pi * SWING_HZ * (t - REST_S) + 0.2 * slot
        if t < REST_S:
            q[slot] = mid + AMPLITUDE * half * math.sin(0.2 * slot) ** 2
            continue
        q[slot] = mid + AMPLITUDE * half * math.sin(phase) ** 2
        dq[slot] = AMPLITUDE * half * math.pi * SWING_HZ * math.sin(2 * phase)
    return q, dq


def lowstate(t: float) -> bytes:
    """A G1 LowState at t: the motion, an upright still pelvis, the robot's CRC."""
    q, dq = joint_motion(t)
    return vm.unitree_lowstate('hg', q.astype(np.float32), tick=int(t * 1000),
                               quaternion_wxyz=(1.0, 0.0, 0.0, 0.0), dq=dq,
                               tau=0.1 * np.sin(q), gyroscope=(0.0, 0.0, 0.0),
                               accelerometer=(0.0, 0.0, GRAVITY))


def lowcmd(t: float) -> bytes:
    """A G1 LowCmd driving every mapped motor to the motion COMMAND_LEAD_S ahead."""
    store = vm.typestore()
    motor = store.types['unitree_hg/msg/MotorCmd']
    mapped = {int(joint.source) for joint in load_profile(PROFILE).joints}
    target, _ = joint_motion(t + COMMAND_LEAD_S)
    motors = []
    for slot in range(len(target)):
        fields = {name: (0 if name in ('mode', 'reserve') else np.float32(0.0))
                  for name, _ in store.fielddefs['unitree_hg/msg/MotorCmd'][1]}
        if slot in mapped:
            fields.update(mode=1, q=np.float32(target[slot]), kp=np.float32(60.0),
                          kd=np.float32(1.5))
        motors.append(motor(**fields))
    message = vm._message('unitree_hg/msg/LowCmd', motor_cmd=motors)
    return bytes(store.serialize_cdr(message, 'unitree_hg/msg/LowCmd'))


def scene(index: int) -> bytes:
    """A sensor_msgs/Image: a grey gradient scrolling 3 rows and a square moving 4 pixels per
    frame (every frame differs from the last by a few grey levels, like a camera on a robot)."""
    height, width = SIZE
    rows = 80 + 90 * ((np.arange(height) + 3 * index) % height) / height
    pixels = np.repeat(np.broadcast_to(rows[:, None], SIZE)[..., None], 3,
                       axis=2).astype(np.uint8)
    left = 10 + (4 * index) % (width - 30)
    pixels[30:50, left:left + 20] = (200, 60, 60)
    return rgb8_image(pixels, START_NS + index * NS // CAMERA_HZ)


def write_physical_bag(path: Path, *, duration_s: float = 3.0, storage: str = 'mcap',
                       episodes: tuple[EventSpec, ...] = (EventSpec(0.2, 2.8, 'wave both arms'),)
                       ) -> Path:
    """The recording; episodes marked by interop_msgs EpisodeEvent as the recorder does."""
    store = vm.typestore()
    profile = load_profile(PROFILE)
    messages = []
    with Writer(path, version=9, storage_plugin=_storage(storage)) as writer:
        state = writer.add_connection(f'/{profile.topics.state.lstrip("/")}',
                                      'unitree_hg/msg/LowState', typestore=store)
        command = writer.add_connection(f'/{profile.topics.command.lstrip("/")}',
                                        'unitree_hg/msg/LowCmd', typestore=store)
        camera = writer.add_connection('/camera/image_raw', 'sensor_msgs/msg/Image',
                                       typestore=store)
        events = writer.add_connection('/interop/episode', 'interop_msgs/msg/EpisodeEvent',
                                       typestore=store)
        for tick in range(int(duration_s * STATE_HZ) + 1):
            messages.append((START_NS + tick * NS // STATE_HZ, state, lowstate(tick / STATE_HZ)))
        for tick in range(int(duration_s * COMMAND_HZ) + 1):
            messages.append((START_NS + tick * NS // COMMAND_HZ, command,
                             lowcmd(tick / COMMAND_HZ)))
        for index in range(int(duration_s * CAMERA_HZ) + 1):
            messages.append((START_NS + index * NS // CAMERA_HZ, camera, scene(index)))
        for number, spec in enumerate(episodes):
            for kind, at in ((0, spec.start_s), (1, spec.end_s), (spec.outcome, spec.end_s)):
                stamp = START_NS + int(round(at * NS))
                messages.append((stamp, events, _event(kind, f'episode-{number}', spec.task,
                                                       stamp)))
        for stamp, connection, data in sorted(messages, key=lambda item: item[0]):
            writer.write(connection, stamp, data)
    return path
