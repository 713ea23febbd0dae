"""Whether a robot profile fits a recording: refused with the reason when it does not.

Checked at planning time, on the first `SAMPLE_MESSAGES` state messages, against what the
recording itself says:

- a canonical state whose valid joints the profile lacks is another robot (a `--profile` of
  another robot than the recorded embodiment is refused before: robot_discovery.py);
- vendor slot arrays (Unitree `motor_state`, Booster `motor_state_serial`): a slot of a profile
  joint whose q, dq and tau are exactly 0 in every sampled message has no motor (a G1-23 read
  as a G1-29), and a slot the profile does not read that carries data while other slots are
  empty belongs to a joint the profile lacks (a G1-29 read as an H1-2 or a G1-23). A recording
  whose every slot carries data (synthetic) says nothing about its layout;
- Booster: the number of serial motors must be the profile's `motor_count`;
- JointState: every native name of the profile must be in the recorded names.

The sampled log times also give the state stream's rate (`StateSample.rate_hz`), which the
planner compares with `--fps`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from interop_bridge.errors import ExportError, InteropError
from interop_bridge.export import topic_decoders
from interop_bridge.export.robot_discovery import RobotStreams
from interop_bridge.profile import Profile
from interop_bridge.vendors.native import NativeState

SAMPLE_MESSAGES = 1000
SLOT_ADAPTERS = ('unitree_hg', 'unitree_go', 'booster')


@dataclass(frozen=True)
class StateSample:
    """The first state messages of a recording: raw bytes and log times."""

    topic: str
    raws: tuple[bytes, ...]
    log_ns: np.ndarray

    @property
    def rate_hz(self) -> float:
        """Messages per second between the first and last sampled message (0: unknown)."""
        if len(self.log_ns) < 2 or self.log_ns[-1] <= self.log_ns[0]:
            return 0.0
        return (len(self.log_ns) - 1) * 1e9 / float(self.log_ns[-1] - self.log_ns[0])


def sample_state(recording: Any, topic: str, limit: int = SAMPLE_MESSAGES) -> StateSample:
    """The first `limit` messages of the state topic."""
    raws: list[bytes] = []
    stamps: list[int] = []
    for record in recording.messages([topic]):
        raws.append(record.data)
        stamps.append(record.log_ns)
        if len(raws) >= limit:
            break
    return StateSample(topic, tuple(raws), np.asarray(stamps, dtype=np.int64))


def check_fit(robot: RobotStreams, sample: StateSample, source: str) -> None:
    """Refuse a profile whose joints, slots or names do not fit the sampled state."""
    if not sample.raws:
        return
    decoder = robot.decoders[robot.state_topic]
    where = f'{source}: {sample.topic}'
    if isinstance(decoder, topic_decoders.CanonicalStateDecoder):
        _check_canonical(robot.profile, decoder.decode(list(sample.raws)).values, where)
        return
    native = _native(decoder, sample.raws, robot.profile, where)
    if robot.profile.adapter in SLOT_ADAPTERS:
        _check_slots(robot.profile, native, where, _mode_machine(decoder, sample.raws))
    elif native.names is not None:
        _check_names(robot.profile, native.names, where)


def _native(decoder: Any, raws: Sequence[bytes], profile: Profile, where: str) -> NativeState:
    try:
        native: NativeState = decoder.codec.vendor.decode_states(list(raws))
    except InteropError as err:
        msg = f'{where}: does not fit profile {profile.name}: {err}'
        raise ExportError(msg) from err
    return native


def _mode_machine(decoder: Any, raws: Sequence[bytes]) -> int | None:
    if not decoder.codec.state_type.startswith('unitree_hg/'):
        return None
    value: int | None = decoder.codec.vendor.decode_state(raws[0]).mode_machine
    return value


def _check_canonical(profile: Profile, values: Any, where: str) -> None:
    valid = np.asarray(values['valid']) > 0.5
    present = np.zeros(valid.shape[1], dtype=bool)
    present[[joint.index for joint in profile.joints]] = True
    foreign = np.flatnonzero(valid.any(axis=0) & ~present)
    if foreign.size:
        msg = (f'{where}: canonical joints {foreign.tolist()} are valid in the recording but '
               f'profile {profile.name} has no such joints: the profile does not fit the '
               'recording')
        raise ExportError(msg)


def _used_slots(profile: Profile) -> dict[int, str]:
    used = {int(joint.source): joint.native_name for joint in profile.joints}
    used.update({int(extra.source): extra.name for extra in profile.extra})
    used.update({int(gripper.source): f'{gripper.side} gripper' for gripper in profile.grippers})
    return used


def _check_slots(profile: Profile, native: NativeState, where: str,
                 mode_machine: int | None) -> None:
    arrays = [native.position] + [a for a in (native.velocity, native.effort) if a is not None]
    live = np.any([np.any(np.asarray(a).reshape(-1, a.shape[-1]) != 0, axis=0)
                   for a in arrays], axis=0)
    used = _used_slots(profile)
    machine = '' if mode_machine is None else f', LowState mode_machine {mode_machine}'
    messages = int(np.asarray(native.position).reshape(-1, live.size).shape[0])
    dead = sorted(slot for slot in used if slot < live.size and not live[slot])
    if dead:
        names = ', '.join(used[slot] for slot in dead)
        msg = (f'{where}: profile {profile.name} reads slots {dead} ({names}), which carry '
               f'no data (q, dq and tau 0 in all {messages} sampled messages{machine}): the '
               'recording is of a robot without these joints; wrong --profile?')
        raise ExportError(msg)
    foreign = [slot for slot in np.flatnonzero(live).tolist() if slot not in used]
    if foreign and not live.all():
        msg = (f'{where}: slots {foreign} carry motor data that profile {profile.name} '
               f'does not read ({int(live.sum())} of {live.size} slots carry data{machine}): '
               'the recording is of a robot with more joints; wrong --profile?')
        raise ExportError(msg)


def _check_names(profile: Profile, names: Sequence[str], where: str) -> None:
    recorded = set(names)
    missing = [str(joint.source) for joint in profile.joints if str(joint.source) not in recorded]
    if missing:
        msg = (f'{where}: joint names {missing[:6]}{" ..." if len(missing) > 6 else ""} of '
               f'profile {profile.name} are not in the recorded JointState names '
               f'{list(names)[:6]}{" ..." if len(names) > 6 else ""}: the profile does not fit '
               'the recording')
        raise ExportError(msg)
