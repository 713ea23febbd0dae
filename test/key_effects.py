"""Shared pieces of the profile-key effect tests (test/unit/test_profile_*_effects.py).

The keys are enumerated from the declarations themselves (profile_schema and each adapter's
entry in the registry); each effect test module covers some sections and fails when one of
their keys has no effect test.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import vendor_messages as vm
import yaml
from profile_variants import EMBODIMENT_KEYS, variant

from interop_bridge.bridge_core import BridgeCore, command_from_arrays
from interop_bridge.canonical import load_canonical
from interop_bridge.profile import Profile, load_profile
from interop_bridge.profile_schema import (
    COMMAND_KEYS, EXTRA_KEYS, GRIPPER_KEYS, IMU_KEYS, JOINT_KEYS, TOP_KEYS, TOPIC_KEYS,
    WRENCH_KEYS)
from interop_bridge.vendors.registry import sections

SPEC = load_canonical()
N = SPEC.joint_count
SECTION_KEYS = {'topics': TOPIC_KEYS, 'imu': IMU_KEYS, 'joints': JOINT_KEYS,
                'extra': EXTRA_KEYS, 'wrenches': WRENCH_KEYS, 'grippers': GRIPPER_KEYS,
                'command': COMMAND_KEYS, **sections()}
TOP_LEVEL = ''  # the section name of top-level keys
KNEE = SPEC.joint_index('left_knee')  # G1 slot 3, measured -0.07 in the test state
HIP_YAW = SPEC.joint_index('left_hip_yaw')  # G1 slot 2, measured -0.08
G1_FILE = yaml.safe_load(Path(load_profile('unitree_g1_29dof').source_file).read_text())
G1_KNEE = next(joint for joint in G1_FILE['joints'] if joint['canonical'] == 'left_knee')
G1_HIP_PITCH = G1_FILE['joints'][0]


def declared_keys(of_sections: set[str]) -> set[str]:
    """Every declared key of these sections ('' for the top level), embodiment keys aside."""
    keys = {key.name for key in TOP_KEYS if key.name not in SECTION_KEYS} \
        if TOP_LEVEL in of_sections else set()
    for section, section_keys in SECTION_KEYS.items():
        if section in of_sections:
            keys |= {f'{section}.{key.name}' for key in section_keys}
    return keys - EMBODIMENT_KEYS


def all_sections() -> set[str]:
    """Every section of a profile, the top level included."""
    return {TOP_LEVEL, *SECTION_KEYS}


def key_of(function_name: str) -> str:
    """'effect_ros2_control_command_interface' -> 'ros2_control.command_interface'."""
    name = function_name.removeprefix('effect_')
    for section in sorted(SECTION_KEYS, key=len, reverse=True):
        if name.startswith(f'{section}_'):
            return f'{section}.{name.removeprefix(section + "_")}'
    return name


def effects_of(namespace: Mapping[str, Any]) -> dict[str, Callable[..., None]]:
    """The effect_* functions of a test module, by the key each one checks."""
    return {key_of(name): function for name, function in namespace.items()
            if name.startswith('effect_')}


def uncovered_keys(effects: Mapping[str, Callable[..., None]], of_sections: set[str]) -> set[str]:
    """Keys of these sections without an effect test, and effect tests of no declared key."""
    declared = declared_keys(of_sections)
    return (declared - set(effects)) | (set(effects) - declared)


def run_effect(effect: Callable[..., None], tmp_path: Path, capsys: Any) -> None:
    """Run one effect test (those that read the console take pytest's capsys too)."""
    if effect.__code__.co_argcount == 2:
        effect(tmp_path, capsys)
    else:
        effect(tmp_path)


def core_of(profile: Profile) -> BridgeCore:
    return BridgeCore(profile, SPEC, vm.typestore().fielddefs)


def g1_core(tmp_path: Path, edit: Callable[[dict[str, Any]], None]) -> BridgeCore:
    core = core_of(variant(tmp_path, 'unitree_g1_29dof', edit))
    core.on_state(vm.unitree_lowstate('hg', vm.slot_values(35)), 0.0)
    return core


def knee_command(core: BridgeCore, position: float, **fields: Any) -> Any:
    """Command only the left knee; other fields as canonical arrays (one value for all)."""
    commanded = np.zeros(N, dtype=bool)
    commanded[KNEE] = True
    target = np.zeros(N)
    target[KNEE] = position
    arrays = {name: np.full(N, value) for name, value in fields.items()}
    command = command_from_arrays(N, commanded, target, arrays.get('velocity', []),
                                  arrays.get('effort', []), arrays.get('stiffness', []),
                                  arrays.get('damping', []))
    return core.on_command(command, 0.01)


def lowcmd(result: Any) -> Any:
    return vm.deserialize(result.payload, 'unitree_hg/msg/LowCmd')
