"""A physically consistent recording: what a clean `ros2 bag record` of the robot would hold.

bag_factory.py's bags carry easy-to-predict values (dq = q / 2, a constant gyro under a constant
non-unit quaternion), right for checking the mapping, wrong for judging physics. Here the truth
is analytic: each native joint rests at the middle of its limits for REST_S, then swings
q(t) = mid + A sin^2(pi f (t - REST_S)) inside its limits, dq = dq/dt exactly, a small effort;
the pelvis stands upright (unit quaternion, gyro 0, accelerometer +9.81 m/s^2 along body z);
the commands lead the state by COMMAND_LEAD_S (a tracking controller); a 30 Hz camera shows a
mid-grey scene with a moving square. Two robots: the Unitree G1 (LowState / LowCmd from the
vendor IDL with the robot's own CRC) and PAL TALOS through ros2_control (JointState with header
stamps, sensor_msgs/Imu, a Float64MultiArray position controller).

`Seeds` plants one defect at a time (bench/certify_corpus.py, test/seeded_corpus.py); its
defaults write the clean recording.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import vendor_messages as vm
from bag_factory import START_NS, EventSpec, _event, _storage, load_profile, name_order
from bag_factory import rgb8_image
from rosbags.rosbag2 import Writer

NS = 1_000_000_000
PROFILE = 'unitree_g1_29dof'
TALOS = 'pal_talos'
STATE_HZ, COMMAND_HZ, CAMERA_HZ = 500, 50, 30
REST_S = 0.9           # still from the start of the bag (the episode starts at 0.2 s)
SWING_HZ = 0.4         # f of the sin^2 swing
AMPLITUDE = 0.3        # share of each joint's half range
COMMAND_LEAD_S = 0.02
GRAVITY = 9.81
SIZE = (96, 128)
Span = tuple[float, float]  # [start, end) in seconds from the start of the bag


@dataclass(frozen=True)
class StateSeeds:
    """Defects of the state messages themselves (their values); defaults: none."""

    rest_s: float = REST_S
    position_over: Span | None = None   # first joint 0.3 rad beyond its upper limit
    velocity_over: Span | None = None   # first joint's velocity 3x its maximum
    effort_over: Span | None = None     # first joint's effort 2x its maximum
    velocity_scale: float = 1.0         # recorded dq = scale * dq/dt
    quaternion_wxyz: tuple[float, float, float, float] = (1.0, 0.0, 0.0, 0.0)
    gyroscope: tuple[float, float, float] = (0.0, 0.0, 0.0)
    accelerometer: tuple[float, float, float] = (0.0, 0.0, GRAVITY)


@dataclass(frozen=True)
class Seeds:
    """One recording's defects (a default field plants nothing)."""

    state: StateSeeds = field(default_factory=StateSeeds)
    state_gap: Span | None = None       # no state (nor IMU) message recorded
    state_jitter_s: float = 0.0         # every state receive time late by up to this
    header_offset_s: float = 0.0        # ros2_control: state header = receive time + this
    swapped_headers: int = 0            # ros2_control: pairs of header stamps swapped
    command_lead_s: float = COMMAND_LEAD_S
    command_offset: float = 0.0         # every command this far above the motion [rad]
    command_over: Span | None = None    # first joint commanded 0.2 rad beyond its limit
    camera_hz: int = CAMERA_HZ
    frozen: Span | None = None          # the camera repeats one image
    black: Span | None = None           # the camera image is black
    camera_stamps: bool = True          # False: image header stamps left at 0


def _inside(span: Span | None, t: float) -> bool:
    return span is not None and span[0] <= t < span[1]


@functools.lru_cache(maxsize=None)
def _slots(profile_name: str) -> tuple[int, tuple[int, ...]]:
    """(native slots, the slot of each mapped joint): motor slots, or the JointState order."""
    profile = load_profile(profile_name)
    names = name_order(profile_name)
    if names is None:
        return profile.options['motor_slots'], tuple(int(j.source) for j in profile.joints)
    return len(names), tuple(names.index(str(j.source)) for j in profile.joints)


def joint_motion(t: float, profile_name: str = PROFILE,
                 seeds: StateSeeds = StateSeeds()) -> tuple[np.ndarray, np.ndarray]:
    """Native (q, dq) of every slot at t (slots the profile does not map stay 0)."""
    count, slots = _slots(profile_name)
    q, dq = np.zeros(count), np.zeros(count)
    for joint, slot in zip(load_profile(profile_name).joints, slots):
        low, high = joint.position
        mid, half = (low + high) / 2, (high - low) / 2
        phase = math.pi * SWING_HZ * (t - seeds.rest_s) + 0.2 * slot
        if t < seeds.rest_s:
            q[slot] = mid + AMPLITUDE * half * math.sin(0.2 * slot) ** 2
            continue
        q[slot] = mid + AMPLITUDE * half * math.sin(phase) ** 2
        dq[slot] = AMPLITUDE * half * math.pi * SWING_HZ * math.sin(2 * phase)
    return q, dq * seeds.velocity_scale


def _state_values(t: float, profile_name: str,
                  seeds: StateSeeds) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(q, dq, tau) at t with the state seeds applied to the first mapped joint."""
    q, dq = joint_motion(t, profile_name, seeds)
    tau = 0.1 * np.sin(q)
    first = load_profile(profile_name).joints[0]
    slot = _slots(profile_name)[1][0]
    if _inside(seeds.position_over, t):
        q[slot] = first.position[1] + 0.3
    if _inside(seeds.velocity_over, t):
        dq[slot] = 3.0 * first.velocity
    if _inside(seeds.effort_over, t):
        tau[slot] = 2.0 * first.effort
    return q, dq, tau


@functools.lru_cache(maxsize=8192)
def lowstate(t: float, seeds: StateSeeds = StateSeeds()) -> bytes:
    """A G1 LowState at t: the motion, an upright still pelvis, the robot's CRC (cached: the
    CRC is computed bitwise, and most seeded recordings share their state)."""
    q, dq, tau = _state_values(t, PROFILE, seeds)
    return vm.unitree_lowstate('hg', q.astype(np.float32), tick=int(t * 1000),
                               quaternion_wxyz=seeds.quaternion_wxyz, dq=dq, tau=tau,
                               gyroscope=seeds.gyroscope, accelerometer=seeds.accelerometer)


def lowcmd(t: float, seeds: Seeds = Seeds()) -> bytes:
    """A G1 LowCmd driving every mapped motor to the motion `command_lead_s` ahead."""
    store = vm.typestore()
    motor = store.types['unitree_hg/msg/MotorCmd']
    mapped = set(_slots(PROFILE)[1])
    target = _command_target(t, PROFILE, seeds)
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


def _command_target(t: float, profile_name: str, seeds: Seeds) -> np.ndarray:
    target, _ = joint_motion(t + seeds.command_lead_s, profile_name, seeds.state)
    _, slots = _slots(profile_name)
    target[list(slots)] += seeds.command_offset
    if _inside(seeds.command_over, t):
        target[slots[0]] = load_profile(profile_name).joints[0].position[1] + 0.2
    return target


def scene(index: int, seeds: Seeds = Seeds()) -> bytes:
    """A sensor_msgs/Image: a grey gradient scrolling 3 rows and a square moving 4 pixels per
    frame (every frame differs from the last by a few grey levels, like a camera on a robot)."""
    t = index / seeds.camera_hz
    shown = index
    if _inside(seeds.frozen, t):
        shown = int(math.ceil(seeds.frozen[0] * seeds.camera_hz)) if seeds.frozen else index
    height, width = SIZE
    rows = 80 + 90 * ((np.arange(height) + 3 * shown) % height) / height
    pixels = np.repeat(np.broadcast_to(rows[:, None], SIZE)[..., None], 3,
                       axis=2).astype(np.uint8)
    left = 10 + (4 * shown) % (width - 30)
    pixels[30:50, left:left + 20] = (200, 60, 60)
    if _inside(seeds.black, t):
        pixels[:] = 0
    stamp = START_NS + index * NS // seeds.camera_hz if seeds.camera_stamps else 0
    return rgb8_image(pixels, stamp)


def _talos_state(t: float, seeds: StateSeeds, header_ns: int) -> bytes:
    store = vm.typestore()
    q, dq, tau = _state_values(t, TALOS, seeds)
    message = store.types['sensor_msgs/msg/JointState'](
        header=vm._header(header_ns), name=name_order(TALOS), position=q, velocity=dq,
        effort=tau)
    return bytes(store.serialize_cdr(message, 'sensor_msgs/msg/JointState'))


def _talos_imu(seeds: StateSeeds, header_ns: int) -> bytes:
    w, x, y, z = seeds.quaternion_wxyz
    return vm.imu((x, y, z, w), seeds.gyroscope, seeds.accelerometer, stamp_ns=header_ns)


def _jitter_ns(tick: int, seeds: Seeds) -> int:
    """A deterministic delay in [0, state_jitter_s) of one state message's receive time."""
    return int(seeds.state_jitter_s * NS * ((tick * 0.6180339887) % 1.0))


def _header_stamps(receive: list[int], seeds: Seeds) -> list[int]:
    stamps = [stamp + int(round(seeds.header_offset_s * NS)) for stamp in receive]
    for pair in range(seeds.swapped_headers):
        at = len(stamps) // 3 + 40 * pair
        stamps[at], stamps[at + 1] = stamps[at + 1], stamps[at]
    return stamps


def _state_messages(writer: Writer, profile_name: str, duration_s: float, seeds: Seeds,
                    store) -> list[tuple[int, object, bytes]]:
    profile = load_profile(profile_name)
    ticks = [tick for tick in range(int(duration_s * STATE_HZ) + 1)
             if not _inside(seeds.state_gap, tick / STATE_HZ)]
    receive = [START_NS + tick * NS // STATE_HZ + _jitter_ns(tick, seeds) for tick in ticks]
    topic = f'/{profile.topics.state.lstrip("/")}'
    if profile_name == PROFILE:
        state = writer.add_connection(topic, 'unitree_hg/msg/LowState', typestore=store)
        return [(at, state, lowstate(tick / STATE_HZ, seeds.state))
                for tick, at in zip(ticks, receive)]
    state = writer.add_connection(topic, 'sensor_msgs/msg/JointState', typestore=store)
    imu = writer.add_connection(profile.topics.imu, 'sensor_msgs/msg/Imu', typestore=store)
    messages = []
    for tick, at, header in zip(ticks, receive, _header_stamps(receive, seeds)):
        messages.append((at, state, _talos_state(tick / STATE_HZ, seeds.state, header)))
        messages.append((at, imu, _talos_imu(seeds.state, at)))
    return messages


def _command(t: float, profile_name: str, seeds: Seeds) -> bytes:
    if profile_name == PROFILE:
        return lowcmd(t, seeds)
    target = _command_target(t, profile_name, seeds)
    order = name_order(profile_name)
    joints = load_profile(profile_name).options['controller_joints']
    return vm.float64_multi_array([target[order.index(name)] for name in joints])


def write_physical_bag(path: Path, *, duration_s: float = 3.0, storage: str = 'mcap',
                       episodes: tuple[EventSpec, ...] = (EventSpec(0.2, 2.8, 'wave both arms'),),
                       profile: str = PROFILE, seeds: Seeds = Seeds()) -> Path:
    """The recording; episodes marked by interop_msgs EpisodeEvent as the recorder does."""
    store = vm.typestore()
    robot = load_profile(profile)
    command_type = 'unitree_hg/msg/LowCmd' if profile == PROFILE else \
        'std_msgs/msg/Float64MultiArray'
    with Writer(path, version=9, storage_plugin=_storage(storage)) as writer:
        messages = _state_messages(writer, profile, duration_s, seeds, store)
        command = writer.add_connection(f'/{robot.topics.command.lstrip("/")}', command_type,
                                        typestore=store)
        camera = writer.add_connection('/camera/image_raw', 'sensor_msgs/msg/Image',
                                       typestore=store)
        events = writer.add_connection('/interop/episode', 'interop_msgs/msg/EpisodeEvent',
                                       typestore=store)
        for tick in range(int(duration_s * COMMAND_HZ) + 1):
            messages.append((START_NS + tick * NS // COMMAND_HZ, command,
                             _command(tick / COMMAND_HZ, profile, seeds)))
        for index in range(int(duration_s * seeds.camera_hz) + 1):
            messages.append((START_NS + index * NS // seeds.camera_hz, camera,
                             scene(index, seeds)))
        for number, spec in enumerate(episodes):
            for kind, at in ((0, spec.start_s), (1, spec.end_s), (spec.outcome, spec.end_s)):
                stamp = START_NS + int(round(at * NS))
                messages.append((stamp, events, _event(kind, f'episode-{number}', spec.task,
                                                       stamp)))
        for stamp, connection, data in sorted(messages, key=lambda item: item[0]):
            writer.write(connection, stamp, data)
    return path
