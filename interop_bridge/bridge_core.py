"""The bridge without ROS: vendor state in, canonical state out; canonical command in, vendor
command out, with every safety rule of the profile.

The node (interop_bridge.nodes.bridge) only moves bytes and messages between DDS and this class,
so everything that decides what reaches a robot is testable without a ROS graph.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from interop_bridge.canonical import CanonicalSpec
from interop_bridge.command_safety import (
    CanonicalCommand, CommandLimits, CommandOutcome, check_command, command_limits,
    safe_command)
from interop_bridge.errors import MappingError
from interop_bridge.profile import Profile
from interop_bridge.robot_codec import RobotCodec
from interop_bridge.state_checks import implausible_position
from interop_bridge.state_mapping import CanonicalState
from interop_bridge.stream_health import StreamHealth
from interop_bridge.vendors.codec import FieldDefs
from interop_bridge.vendors.native import ImuSample, NativeCommand, NativeState
from interop_bridge.vendors.ros_sensors import IMU_TYPE, WRENCH_TYPE

if TYPE_CHECKING:
    from interop_bridge.kinematics.task_space import TaskSpace


@dataclass(frozen=True)
class VendorTopic:
    """One vendor topic the bridge reads or writes."""

    role: str  # 'state', 'command', 'imu', or the wrench frame
    topic: str
    typename: str


@dataclass(frozen=True)
class CommandResult:
    """What became of one canonical command: bytes to send (or None) and why."""

    payload: bytes | None
    outcome: CommandOutcome


class BridgeCore:
    """State and command conversion for one robot profile."""

    def __init__(self, profile: Profile, spec: CanonicalSpec, fielddefs: FieldDefs) -> None:
        self.profile = profile
        self.spec = spec
        self.codec = RobotCodec(profile, spec, fielddefs)
        self.mapper = self.codec.mapper
        self.limits: CommandLimits = command_limits(profile, self.mapper.joint_map,
                                                    spec.joint_names)
        self.task_space = _task_space(profile, spec)
        self.native: NativeState | None = None
        self.canonical: CanonicalState | None = None
        self.imu: ImuSample | None = None
        self.wrenches: dict[str, np.ndarray] = {}
        self.last_targets: np.ndarray | None = None
        self.last_command_s: float | None = None
        self.last_state_s: float | None = None
        self.timed_out = False
        self.state_stale = False
        rate = profile.state_rate_hz
        self.health = {'state': StreamHealth('vendor state', rate),
                       'command': StreamHealth('canonical command'),
                       'vendor_command': StreamHealth('vendor command')}

    def vendor_topics(self) -> tuple[VendorTopic, ...]:
        """The vendor topics of the profile: state and command, the IMU and wrench topics."""
        topics = self.profile.topics
        found = [VendorTopic('state', topics.state, self.codec.state_type),
                 VendorTopic('command', topics.command, self.codec.command_type)]
        if topics.imu:
            found.append(VendorTopic('imu', topics.imu, IMU_TYPE))
        found += [VendorTopic(sensor.frame, sensor.topic, WRENCH_TYPE)
                  for sensor in self.profile.wrenches]
        return tuple(found)

    def stamp_ns(self, state: CanonicalState, receive_ns: int) -> tuple[int, str]:
        """The header stamp of a canonical state and where it came from ('vendor', 'receive').

        The vendor's sample time when the profile asks for it (`stamp_source: vendor`) and
        the message carries one, else the receive time.
        """
        if self.profile.stamp_source == 'vendor' and state.stamp_ns is not None:
            return int(state.stamp_ns), 'vendor'
        return receive_ns, 'receive'

    def on_state(self, raw: bytes | memoryview, now_s: float) -> CanonicalState | None:
        """Decode and map one vendor state; None (and counted) when it is malformed.

        Malformed: undecodable, a failed checksum (Unitree LowState CRC, also counted in
        `crc_errors`), NaN positions, or a joint far past its limits. Such a state is never
        published and never the reference of a hold target.
        """
        health = self.health['state']
        health.received(now_s)
        try:
            native, state = self.codec.state(raw, self.imu)
        except MappingError as err:
            health.malformed += 1
            health.reject(str(err))
            return None
        problem = self._state_problem(native, state)
        if problem is not None or state is None:
            health.malformed += 1
            health.reject(problem or 'malformed vendor state')
            return None
        if self.task_space is not None:
            pose, valid = self.task_space.poses(state.position, state.valid)
            state = replace(state, task_pose=pose, task_valid=valid)
        self.native, self.canonical, self.last_state_s = native, state, now_s
        if self.state_stale:  # the safe command goes on until a command is accepted again,
            self.timed_out = True  # the same watchdog event: not counted a second time
        self.state_stale = False
        return state

    def _state_problem(self, native: NativeState, state: CanonicalState | None) -> str | None:
        if state is None:
            self.health['state'].crc_errors += 1
            return (f'{self.codec.state_type} CRC does not match its contents: vendor state '
                    'not used')
        if not self.mapper.by_name and not np.isfinite(native.position).all():
            return 'non-finite joint position in vendor state'
        return implausible_position(self.limits, state.position)

    def state_is_stale(self, now_s: float) -> bool:
        """Whether the last good vendor state is older than the profile's state timeout."""
        return self.last_state_s is not None and \
            now_s - self.last_state_s > self.profile.command.state_timeout_s

    def on_imu(self, raw: bytes | memoryview) -> None:
        """Keep the latest IMU sample of robots that publish it separately."""
        try:
            self.imu = self.codec.imu(raw)
        except MappingError as err:
            self.health['state'].reject(f'imu: {err}')

    def on_wrench(self, frame: str, raw: bytes | memoryview) -> None:
        """Keep the latest wrench of one sensor, in its canonical frame."""
        sensor = next(sensor for sensor in self.profile.wrenches if sensor.frame == frame)
        try:
            wrench = self.codec.wrench(sensor, raw)
        except MappingError as err:
            self.health['state'].reject(f'wrench {frame}: {err}')
            return
        if np.isfinite(wrench).all():
            self.wrenches[frame] = wrench

    def on_command(self, command: CanonicalCommand, now_s: float) -> CommandResult:
        """Check a canonical command and encode it for the robot (or refuse it)."""
        health = self.health['command']
        health.received(now_s)
        if self.native is None or self.canonical is None:
            outcome = CommandOutcome(None, rejected='no vendor state seen yet: nothing is sent')
        elif self.state_is_stale(now_s):
            outcome = CommandOutcome(None, rejected=(
                f'vendor state older than {self.profile.command.state_timeout_s:g} s: '
                'nothing is forwarded'))
        else:
            outcome = check_command(self.limits, self.mapper.joint_map, command,
                                    self.canonical.position, self.last_targets,
                                    policy=self.profile.command.limit_policy,
                                    uncommanded=self.profile.command.uncommanded)
        health.clamped += outcome.clamped
        if outcome.command is None:
            health.reject(outcome.rejected)
            return CommandResult(None, outcome)
        self.last_targets = outcome.targets
        self.last_command_s = now_s
        self.timed_out = False
        return CommandResult(self._encode(outcome.command, now_s), outcome)

    def watchdog_due(self, now_s: float) -> bool:
        """Whether the safe command is due (commands stopped, or the state went stale) after
        a first command; no side effects (`safe_command_due` counts and builds it)."""
        if self.last_command_s is None:
            return False
        return self.state_is_stale(now_s) or \
            now_s - self.last_command_s > self.profile.command.timeout_s

    def safe_command_due(self, now_s: float) -> bytes | None:
        """The safe command when canonical commands stopped, or vendor state went stale.

        Returns None while commands and state are fresh, before the first command (the robot
        is left alone), or before any state.
        """
        if self.canonical is None or not self.watchdog_due(now_s):
            return None
        stale = self.state_is_stale(now_s)
        if stale and not self.state_stale:
            self.state_stale = True
            self.health['state'].timeouts += 1
        elif not stale and not self.timed_out:
            self.timed_out = True
            self.health['command'].timeouts += 1
        command = safe_command(self.limits, self.mapper.joint_map,
                               self.profile.command.on_timeout, self.canonical.position,
                               self.profile.command.timeout_damping)
        return None if command is None else self._encode(command, now_s)

    def ongoing_problem(self, key: str, now_s: float) -> str | None:
        """What is wrong with a stream right now, for /diagnostics (None: nothing)."""
        if key == 'state':
            if self.last_state_s is None:
                return 'no usable vendor state yet: nothing is sent'
            if self.state_is_stale(now_s):
                sent = ', safe command sent' if self.last_command_s is not None else ''
                return (f'no vendor state for {now_s - self.last_state_s:.2f} s: commands '
                        f'refused{sent}')
        if key == 'command' and self.timed_out:
            return (f'no canonical command for {self.health["command"].age(now_s):.2f} s: '
                    f'safe command ({self.profile.command.on_timeout}) sent')
        return None

    def summary(self) -> str:
        """One line of totals: what came in, what went out, how often the watchdog fired."""
        state, command = self.health['state'], self.health['command']
        return (f'{state.count} vendor states ({state.malformed} malformed, {state.crc_errors} '
                f'CRC errors), {command.count} canonical commands ({command.rejected} '
                f'rejected), {self.health["vendor_command"].count} vendor commands sent; '
                f'watchdog timeouts: {command.timeouts} command, {state.timeouts} vendor state')

    def _encode(self, command: NativeCommand, now_s: float) -> bytes:
        if self.native is None:
            msg = 'no vendor state seen yet: nothing is encoded'
            raise MappingError(msg)
        payload = self.codec.command_bytes(command, self.native)
        self.health['vendor_command'].received(now_s)
        return payload


def _task_space(profile: Profile, spec: CanonicalSpec) -> TaskSpace | None:
    """The profile's task space; Pinocchio is imported only for a profile with a model."""
    if not profile.kinematics.model:
        return None
    from interop_bridge.kinematics.task_space import task_space_for

    return task_space_for(profile, spec)


def command_from_arrays(count: int, commanded: Any, position: Any, velocity: Any, effort: Any,
                        stiffness: Any, damping: Any) -> CanonicalCommand:
    """A CanonicalCommand from message arrays, filling the fields a message may leave empty.

    Empty velocity and effort mean 0; empty stiffness and damping mean the profile defaults
    (named in `defaults`, filled by the safety check); an explicit NaN gain of a commanded
    joint is rejected like any other NaN. Wrong lengths are kept as they are so the check
    rejects them with the lengths in its message.
    """
    def optional(values: Any, empty: float) -> np.ndarray:
        array = np.asarray(values, dtype=np.float64)
        return np.full(count, empty) if array.size == 0 else array
    gains = {'stiffness': stiffness, 'damping': damping}
    return CanonicalCommand(
        commanded=np.asarray(commanded, dtype=bool), position=np.asarray(position, np.float64),
        velocity=optional(velocity, 0.0), effort=optional(effort, 0.0),
        stiffness=optional(stiffness, np.nan), damping=optional(damping, np.nan),
        defaults=frozenset(name for name, values in gains.items() if len(values) == 0))
