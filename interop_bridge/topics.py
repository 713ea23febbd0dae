"""Names of the canonical topics and services, as the code uses them.

Every node and the exporter take topic names from here; `load_canonical` checks at load that
each one is declared in config/canonical.yaml (`check_declared`), so a renamed topic in the
specification cannot leave the code on an undeclared name. Names are relative to the robot
namespace unless they start with '/'.
"""

from __future__ import annotations

from collections.abc import Collection

STATE = 'interop/state'
COMMAND = 'interop/command'
EMBODIMENT = 'interop/embodiment'
EPISODE = 'interop/episode'
EPISODE_CONTROL = 'interop/episode/control'  # service
JOINT_STATES = 'joint_states'
NATIVE_JOINT_STATES = 'native/joint_states'
IMU = 'imu/data'
DIAGNOSTICS = '/diagnostics'
WRENCH_PATTERN = 'wrench/<frame>'
SIDE = '<side>'


def hand_state(side: str) -> str:
    """State topic of one hand or gripper."""
    return f'interop/hand/{side}/state'


def hand_command(side: str) -> str:
    """Command topic of one hand or gripper."""
    return f'interop/hand/{side}/command'


def tactile(side: str) -> str:
    """Tactile topic of one hand."""
    return f'interop/tactile/{side}'


def wrench(frame: str) -> str:
    """Standard copy of one force/torque sensor ('wrench/l_sole')."""
    return WRENCH_PATTERN.replace('<frame>', frame)


def used_topics(sides: Collection[str]) -> tuple[str, ...]:
    """Every topic name the code uses, hand topics expanded for `sides`."""
    per_side = [make(side) for side in sides for make in (hand_state, hand_command, tactile)]
    return (STATE, COMMAND, EMBODIMENT, EPISODE, JOINT_STATES, NATIVE_JOINT_STATES, IMU,
            WRENCH_PATTERN, DIAGNOSTICS, *per_side)


def check_declared(topics: Collection[str], services: Collection[str],
                   sides: Collection[str]) -> list[str]:
    """Names the code uses that the specification does not declare."""
    missing = [name for name in used_topics(sides) if name not in topics]
    return missing + ([EPISODE_CONTROL] if EPISODE_CONTROL not in services else [])
