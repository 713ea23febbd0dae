"""Command safety: limits, NaN rejection, joints not commanded, and the safe command.

Pure numpy, no ROS. The bridge calls `check_command` for every canonical command and sends
only what it returns; nothing outside the profile's limits, and no NaN or infinity, can reach
the robot. All checks happen in canonical units, then values are converted to native ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from interop_bridge.mapping import (
    JointMap, efforts_to_native, gains_to_native, positions_to_native, velocities_to_native)
from interop_bridge.profile import Profile
from interop_bridge.vendors.native import NativeCommand

FIELDS = ('position', 'velocity', 'effort', 'stiffness', 'damping')


@dataclass(frozen=True)
class CanonicalCommand:
    """A whole-body command in canonical units, every array of the canonical joint count.

    Callers fill empty message fields first: velocity and effort with 0, stiffness and damping
    with NaN, and name in `defaults` the gains whose NaN entries take the profile default. The
    bridge names only the gains its message left empty (`command_from_arrays`), so an explicit
    NaN gain of a commanded joint is rejected like any other non-finite value.
    """

    commanded: np.ndarray  # bool
    position: np.ndarray
    velocity: np.ndarray
    effort: np.ndarray
    stiffness: np.ndarray
    damping: np.ndarray
    defaults: frozenset[str] = frozenset(('stiffness', 'damping'))  # NaN there: the default


@dataclass(frozen=True)
class CommandLimits:
    """A profile's limits and default gains in canonical units, per canonical joint."""

    present: np.ndarray  # bool (joints,)
    position_low: np.ndarray
    position_high: np.ndarray
    velocity_max: np.ndarray
    effort_max: np.ndarray
    stiffness_max: np.ndarray
    damping_max: np.ndarray
    stiffness_default: np.ndarray
    damping_default: np.ndarray
    names: tuple[str, ...]


@dataclass(frozen=True)
class CommandOutcome:
    """What the check made of one command."""

    command: NativeCommand | None  # None when rejected
    clamped: int = 0  # values changed to fit the limits
    ignored: tuple[str, ...] = ()  # commanded joints the robot does not have
    rejected: str = ''  # why the command was rejected ('' when accepted)
    targets: np.ndarray | None = None  # canonical position targets sent (for hold_last)


def command_limits(profile: Profile, joint_map: JointMap, names: tuple[str, ...]) -> CommandLimits:
    """Limits of a profile as canonical per-joint arrays (NaN where the robot lacks a joint)."""
    count = joint_map.joint_count

    def per_joint(values: list[float]) -> np.ndarray:
        array = np.full(count, np.nan)
        array[joint_map.canonical_index] = values
        return array

    joints = profile.joints
    return CommandLimits(
        present=joint_map.present.copy(),
        position_low=per_joint([joint.canonical_position[0] for joint in joints]),
        position_high=per_joint([joint.canonical_position[1] for joint in joints]),
        velocity_max=per_joint([joint.velocity * abs(joint.scale) for joint in joints]),
        effort_max=per_joint([joint.effort for joint in joints]),
        stiffness_max=per_joint([joint.stiffness_max for joint in joints]),
        damping_max=per_joint([joint.damping_max for joint in joints]),
        stiffness_default=per_joint([joint.stiffness for joint in joints]),
        damping_default=per_joint([joint.damping for joint in joints]),
        names=names)


def check_command(limits: CommandLimits, joint_map: JointMap, command: CanonicalCommand,
                  measured: np.ndarray, last_targets: np.ndarray | None, *, policy: str,
                  uncommanded: str) -> CommandOutcome:
    """Turn a canonical command into a safe native command, or reject it.

    Args:
        limits: the profile's limits (command_limits).
        joint_map: the profile's joint map.
        command: the canonical command, defaults already filled.
        measured: the latest measured canonical positions.
        last_targets: canonical position targets of the previous accepted command, or None.
        policy: 'clamp' (fit values into the limits) or 'reject' (refuse the command).
        uncommanded: 'hold_measured', 'hold_last' or 'damp' for joints not commanded.
    """
    count = limits.present.shape[0]
    shapes = {name: np.shape(getattr(command, name)) for name in ('commanded', *FIELDS)}
    if any(shape != (count,) for shape in shapes.values()):
        bad = {name: shape for name, shape in shapes.items() if shape != (count,)}
        return CommandOutcome(None, rejected=f'arrays must have {count} entries, got {bad}')
    commanded = np.asarray(command.commanded, dtype=bool)
    absent = commanded & ~limits.present
    ignored = tuple(limits.names[index] for index in np.flatnonzero(absent))
    if ignored and policy == 'reject':
        return CommandOutcome(None, ignored=ignored,
                              rejected=f'commands joints the robot does not have: {ignored}')
    active = commanded & limits.present
    values = _with_defaults(limits, command)
    for name in FIELDS:
        if not np.isfinite(values[name][active]).all():
            return CommandOutcome(None, ignored=ignored,
                                  rejected=f'non-finite {name} for a commanded joint')
    clamped_values, clamped = _clamp(limits, values, active)
    if clamped and policy == 'reject':
        return CommandOutcome(None, ignored=ignored,
                              rejected=f'{clamped} values outside the profile limits')
    targets = _fill_uncommanded(limits, clamped_values, active, measured, last_targets,
                                uncommanded)
    if not np.isfinite(targets['position'][limits.present]).all():
        return CommandOutcome(None, ignored=ignored,
                              rejected='no measured position yet for a joint not commanded')
    return CommandOutcome(_to_native(joint_map, targets), clamped=clamped, ignored=ignored,
                          targets=targets['position'])


def _with_defaults(limits: CommandLimits, command: CanonicalCommand) -> dict[str, np.ndarray]:
    values = {name: np.asarray(getattr(command, name), dtype=np.float64).copy()
              for name in FIELDS}
    for name, default in (('stiffness', limits.stiffness_default),
                          ('damping', limits.damping_default)):
        if name in command.defaults:
            unset = np.isnan(values[name])
            values[name][unset] = default[unset]
    return values


def _clamp(limits: CommandLimits, values: dict[str, np.ndarray],
           active: np.ndarray) -> tuple[dict[str, np.ndarray], int]:
    bounds = {
        'position': (limits.position_low, limits.position_high),
        'velocity': (-limits.velocity_max, limits.velocity_max),
        'effort': (-limits.effort_max, limits.effort_max),
        'stiffness': (np.zeros_like(limits.stiffness_max), limits.stiffness_max),
        'damping': (np.zeros_like(limits.damping_max), limits.damping_max),
    }
    clamped_values, clamped = {}, 0
    for name, (low, high) in bounds.items():
        value = values[name]
        fitted = value.copy()
        fitted[active] = np.clip(value[active], low[active], high[active])
        clamped += int(np.count_nonzero(fitted[active] != value[active]))
        clamped_values[name] = fitted
    return clamped_values, clamped


def _fill_uncommanded(limits: CommandLimits, values: dict[str, np.ndarray], active: np.ndarray,
                      measured: np.ndarray, last_targets: np.ndarray | None,
                      uncommanded: str) -> dict[str, np.ndarray]:
    idle = limits.present & ~active
    hold = np.asarray(measured, dtype=np.float64)
    if uncommanded == 'hold_last' and last_targets is not None:
        hold = np.where(np.isfinite(last_targets), last_targets, hold)
    values['position'][idle] = _inside_limits(limits, hold)[idle]
    values['velocity'][idle] = 0.0
    values['effort'][idle] = 0.0
    values['stiffness'][idle] = 0.0 if uncommanded == 'damp' else limits.stiffness_default[idle]
    values['damping'][idle] = limits.damping_default[idle]
    return values


def _to_native(joint_map: JointMap, values: dict[str, np.ndarray]) -> NativeCommand:
    stiffness, damping = gains_to_native(joint_map, values['stiffness'], values['damping'])
    return NativeCommand(
        position=positions_to_native(joint_map, values['position']),
        velocity=velocities_to_native(joint_map, values['velocity']),
        effort=efforts_to_native(joint_map, values['effort']),
        stiffness=stiffness, damping=damping,
        enabled=np.ones(joint_map.canonical_index.shape[0], dtype=bool))


def _inside_limits(limits: CommandLimits, positions: np.ndarray) -> np.ndarray:
    """Hold targets clipped into the position limits: a measured value past a limit (a joint
    pushed there, an encoder glitch) is never sent back as a target."""
    clipped: np.ndarray = np.clip(positions, limits.position_low, limits.position_high)
    return clipped


def safe_command(limits: CommandLimits, joint_map: JointMap, action: str,
                 measured: np.ndarray, damping: float) -> NativeCommand | None:
    """The command sent when canonical commands stop: damp every joint, or hold position.

    'damp': zero stiffness, the profile's timeout damping, target = measured position.
    'hold': default gains, target = the measured position. Targets are clipped into the
    limits. None when nothing was measured.
    """
    measured = np.asarray(measured, dtype=np.float64)
    if not np.isfinite(measured[limits.present]).all():
        return None
    count = measured.shape[0]
    hold = action == 'hold'
    values = {
        'position': _inside_limits(limits, measured), 'velocity': np.zeros(count),
        'effort': np.zeros(count),
        'stiffness': limits.stiffness_default.copy() if hold else np.zeros(count),
        'damping': limits.damping_default.copy() if hold else np.full(count, damping),
    }
    return _to_native(joint_map, values)
