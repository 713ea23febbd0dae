"""The simulated robot styles: vendor slot orders, joint names and limits, vendor specifics.

Slot orders and names follow the vendors' SDKs (vendor-interfaces.md §1.5, §2.4, §5.1): slot i
of a Unitree `motor_state`, of a Booster `motor_state_serial` or position i of the TALOS
`/joint_states` holds `joint_names[i]` (None: the slot carries no joint). Limits [rad] are the
URDF/MJCF limits of the same research (used to keep the simulated motion plausible); the few
that source gives none for are marked [approx.] below.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from interop_bridge.errors import UnknownNameError

FAMILIES = ('unitree_hg', 'unitree_go', 'booster', 'ros2_control')


@dataclass(frozen=True)
class JointSpec:
    """One simulated joint: vendor name, limits [rad] and the pose it sways around."""

    name: str
    lower: float
    upper: float
    home: float = 0.0


@dataclass(frozen=True)
class StyleSpec:
    """How one vendor robot looks on the wire."""

    name: str
    family: str  # one of FAMILIES
    slots: tuple[JointSpec | None, ...]  # vendor order; None = a slot without a joint
    mode_machine: int = 0  # Unitree robot-type id reported in LowState, expected in LowCmd
    arm_sdk_weight_slot: int | None = None  # Unitree arm_sdk: motor_cmd[slot].q = weight
    arm_sdk_slots: tuple[int, ...] = ()  # slots an arm_sdk command may drive
    parallel_pairs: tuple[tuple[int, int], ...] = ()  # Booster (ankle pitch, roll) slot pairs

    @property
    def joint_names(self) -> tuple[str | None, ...]:
        """Joint name per slot, vendor order (None where a slot has no joint)."""
        return tuple(joint.name if joint else None for joint in self.slots)

    @property
    def slot_count(self) -> int:
        """Number of slots in the vendor arrays."""
        return len(self.slots)


def _mirror(name: str, lower: float, upper: float) -> tuple[float, float]:
    """Right-side limits: axis-aligned robots mirror roll and yaw limits, not pitch."""
    if any(word in name.lower() for word in ('roll', 'yaw')):
        return -upper, -lower
    return lower, upper


def _sides(pattern: str, joints: Iterable[tuple[str, float, float]],
           sides: tuple[str, str] = ('left', 'right')) -> list[JointSpec]:
    """Joints of the first side as given, then the second side with mirrored limits."""
    joints = list(joints)
    specs = [JointSpec(pattern.format(side=sides[0], joint=j), lo, hi) for j, lo, hi in joints]
    for joint, lower, upper in joints:
        lower, upper = _mirror(joint, lower, upper)
        specs.append(JointSpec(pattern.format(side=sides[1], joint=joint), lower, upper))
    return specs


def _split(specs: list[JointSpec], size: int) -> tuple[list[JointSpec], list[JointSpec]]:
    return specs[:size], specs[size:]


def _g1(dof: int) -> StyleSpec:
    legs = _sides('{side}_{joint}_joint', [
        ('hip_pitch', -2.5307, 2.8798), ('hip_roll', -0.5236, 2.9671),
        ('hip_yaw', -2.7576, 2.7576), ('knee', -0.087267, 2.8798),
        ('ankle_pitch', -0.87267, 0.5236), ('ankle_roll', -0.2618, 0.2618)])
    waist = [JointSpec('waist_yaw_joint', -2.618, 2.618),
             JointSpec('waist_roll_joint', -0.52, 0.52),
             JointSpec('waist_pitch_joint', -0.52, 0.52)]
    left_arm, right_arm = _split(_sides('{side}_{joint}_joint', [
        ('shoulder_pitch', -3.0892, 2.6704), ('shoulder_roll', -1.5882, 2.2515),
        ('shoulder_yaw', -2.618, 2.618), ('elbow', -1.0472, 2.0944),
        ('wrist_roll', -1.9722, 1.9722), ('wrist_pitch', -1.6144, 1.6144),
        ('wrist_yaw', -1.6144, 1.6144)]), 7)
    slots: list[JointSpec | None] = [*legs, *waist, *left_arm, *right_arm] + [None] * 6
    if dof == 23:  # same numbering; waist roll/pitch and wrist pitch/yaw do not exist
        for missing in (13, 14, 20, 21, 27, 28):
            slots[missing] = None
    # mode_machine: unitree_ros g1_description README (23dof rev 1.0 = 4, 29dof rev 1.0 = 5).
    return StyleSpec(f'unitree_g1_{dof}dof', 'unitree_hg', tuple(slots),
                     mode_machine=5 if dof == 29 else 4, arm_sdk_weight_slot=29,
                     arm_sdk_slots=tuple(range(12, 29)))


def _h1_2() -> StyleSpec:
    legs = _sides('{side}_{joint}_joint', [
        ('hip_yaw', -0.43, 0.43), ('hip_pitch', -3.14, 2.5), ('hip_roll', -0.43, 3.14),
        ('knee', -0.12, 2.19), ('ankle_pitch', -0.897, 0.524), ('ankle_roll', -0.262, 0.262)])
    # h1_2_handless.urdf (shoulder roll capped at the canonical range, as in the profile)
    left_arm, right_arm = _split(_sides('{side}_{joint}_joint', [
        ('shoulder_pitch', -3.14, 1.57), ('shoulder_roll', -0.38, 3.2),
        ('shoulder_yaw', -2.66, 3.01), ('elbow', -0.95, 3.18), ('wrist_roll', -3.01, 2.75),
        ('wrist_pitch', -0.4625, 0.4625), ('wrist_yaw', -1.27, 1.27)]), 7)
    slots = [*legs, JointSpec('torso_joint', -2.35, 2.35), *left_arm, *right_arm] + [None] * 8
    # mode_machine 7 is a placeholder: no public source gives the H1-2 id.
    return StyleSpec('unitree_h1_2', 'unitree_hg', tuple(slots), mode_machine=7,
                     arm_sdk_weight_slot=27, arm_sdk_slots=tuple(range(12, 27)))


def _h1() -> StyleSpec:
    names = {}
    for spec in _sides('{side}_{joint}_joint', [
            ('hip_yaw', -0.43, 0.43), ('hip_roll', -0.43, 0.43), ('hip_pitch', -3.14, 2.53),
            ('knee', -0.26, 2.05), ('ankle', -0.87, 0.52), ('shoulder_pitch', -2.87, 2.87),
            ('shoulder_roll', -0.34, 3.11), ('shoulder_yaw', -1.3, 4.45),
            ('elbow', -1.25, 2.61)]):
        names[spec.name] = spec
    names['torso_joint'] = JointSpec('torso_joint', -2.35, 2.35)
    order = ['right_hip_roll', 'right_hip_pitch', 'right_knee', 'left_hip_roll',
             'left_hip_pitch', 'left_knee', 'torso', 'left_hip_yaw', 'right_hip_yaw', None,
             'left_ankle', 'right_ankle', 'right_shoulder_pitch', 'right_shoulder_roll',
             'right_shoulder_yaw', 'right_elbow', 'left_shoulder_pitch', 'left_shoulder_roll',
             'left_shoulder_yaw', 'left_elbow']
    slots = tuple(names[f'{name}_joint'] if name else None for name in order)
    return StyleSpec('unitree_h1', 'unitree_go', slots, arm_sdk_weight_slot=9,
                     arm_sdk_slots=(6, *range(12, 20)))


def _t1() -> StyleSpec:
    head = [JointSpec('AAHead_yaw', -1.57, 1.57), JointSpec('Head_pitch', -0.35, 1.22)]
    # Shoulder roll and elbow pitch (upper-arm twist) limits are [approx.]; home = arms down.
    left_arm, right_arm = _split(_sides('{side}_{joint}', [
        ('Shoulder_Pitch', -3.31, 1.22), ('Shoulder_Roll', -1.74, 1.57),
        ('Elbow_Pitch', -2.27, 2.27), ('Elbow_Yaw', -2.44, 0.0)], ('Left', 'Right')), 4)
    left_arm[1] = JointSpec(left_arm[1].name, left_arm[1].lower, left_arm[1].upper, -1.4)
    right_arm[1] = JointSpec(right_arm[1].name, right_arm[1].lower, right_arm[1].upper, 1.4)
    left_leg, right_leg = _split(_sides('{side}_{joint}', [
        ('Hip_Pitch', -1.8, 1.57), ('Hip_Roll', -0.2, 1.57), ('Hip_Yaw', -1.0, 1.0),
        ('Knee_Pitch', 0.0, 2.34), ('Ankle_Pitch', -0.87, 0.35), ('Ankle_Roll', -0.44, 0.44)],
        ('Left', 'Right')), 6)
    slots = (*head, *left_arm, *right_arm, JointSpec('Waist', -1.57, 1.57), *left_leg,
             *right_leg)
    return StyleSpec('booster_t1', 'booster', slots, parallel_pairs=((15, 16), (21, 22)))


def _talos() -> StyleSpec:
    deg = math.radians
    legs = _sides('leg_{side}_{joint}_joint', [
        ('1', deg(-20.0), deg(90.0)), ('2', -0.5236, 0.5236), ('3', -2.095, 0.7),
        ('4', 0.0, 2.618), ('5', -1.27, 0.68), ('6', -0.5236, 0.5236)])
    # TALOS reflects leg_1 and arm_2 limits (left/right), unlike its other joints.
    legs[6] = JointSpec('leg_right_1_joint', deg(-90.0), deg(20.0))
    torso_head = [JointSpec('torso_1_joint', deg(-72.0), deg(72.0)),
                  JointSpec('torso_2_joint', deg(-13.0), deg(42.0)),
                  JointSpec('head_1_joint', deg(-12.0), deg(45.0)),
                  JointSpec('head_2_joint', deg(-75.0), deg(75.0))]
    arms = []
    for side, reflect in (('left', 1.0), ('right', -1.0)):
        low, high = sorted((reflect * deg(0.5), reflect * deg(164.5)))
        arms += [JointSpec(f'arm_{side}_1_joint', -1.0, 1.0),  # [approx.]
                 JointSpec(f'arm_{side}_2_joint', low, high, reflect * 0.3),
                 JointSpec(f'arm_{side}_3_joint', deg(-139.0), deg(139.0)),
                 JointSpec(f'arm_{side}_4_joint', deg(-128.0), deg(-0.2), -0.5),
                 JointSpec(f'arm_{side}_5_joint', deg(-144.0), deg(144.0)),
                 JointSpec(f'arm_{side}_6_joint', deg(-78.5), deg(78.5)),
                 JointSpec(f'arm_{side}_7_joint', deg(-39.0), deg(39.0))]
    grippers = [JointSpec(f'gripper_{side}_joint', deg(-55.0), 0.0) for side in ('left', 'right')]
    return StyleSpec('ros2_control_talos', 'ros2_control',
                     tuple([*legs, *torso_head, *arms, *grippers]))


def _h2() -> StyleSpec:
    # H2.urdf (vendor-interfaces-2.md §2.1); the newest SDK order: ankle roll before pitch, head
    # pitch before yaw ([conflict] with an older example, see config/robots/unitree_h2.yaml).
    legs = _sides('{side}_{joint}_joint', [
        ('hip_pitch', -2.4526, 2.7754), ('hip_roll', -0.4674, 2.1689),
        ('hip_yaw', -2.827, 2.827), ('knee', -0.08725, 2.5303),
        ('ankle_roll', -0.3491, 0.2967), ('ankle_pitch', -1.1345, 0.6109)])
    waist = [JointSpec('waist_yaw_joint', -1.7453, 1.7453),
             JointSpec('waist_roll_joint', -0.5236, 0.5236),
             JointSpec('waist_pitch_joint', -0.43633, 0.5236)]
    left_arm, right_arm = _split(_sides('{side}_{joint}_joint', [
        ('shoulder_pitch', -2.618, 1.833), ('shoulder_roll', -0.517, 2.494),
        ('shoulder_yaw', -2.618, 2.618), ('elbow', -0.986, 3.071),
        ('wrist_roll', -2.618, 2.618), ('wrist_pitch', -0.576, 0.576),
        ('wrist_yaw', -1.22, 1.22)]), 7)
    head = [JointSpec('head_pitch_joint', -0.5236, 0.83775),
            JointSpec('head_yaw_joint', -1.7453, 1.7453)]
    slots = [*legs, *waist, *left_arm, *right_arm, *head] + [None] * 4
    # mode_machine 8 is a placeholder (no public H2 id); arm_sdk weight in slot 31 follows the
    # older arm_sdk example [unverified].
    return StyleSpec('unitree_h2', 'unitree_hg', tuple(slots), mode_machine=8,
                     arm_sdk_weight_slot=31, arm_sdk_slots=tuple(range(12, 31)))


def _r1() -> StyleSpec:
    # R1.urdf; the G1 numbering with gaps (dds_wrapper r1/defines.h): waist roll 12, yaw 13.
    legs = _sides('{side}_{joint}_joint', [
        ('hip_pitch', -2.9322, 2.5482), ('hip_roll', -1.0472, 1.7453),
        ('hip_yaw', -2.7402, 2.7402), ('knee', -0.17453, 2.426),
        ('ankle_pitch', -0.87266, 0.57596), ('ankle_roll', -0.2618, 0.2618)])
    left_arm, right_arm = _split(_sides('{side}_{joint}_joint', [
        ('shoulder_pitch', -3.1416, 2.0944), ('shoulder_roll', -0.22689, 2.4784),
        ('shoulder_yaw', -1.9199, 1.9199), ('elbow', -0.97564, 2.1852),
        ('wrist_roll', -1.9199, 1.9199)]), 5)
    slots: list[JointSpec | None] = [
        *legs, JointSpec('waist_roll_joint', -0.5236, 0.5236),
        JointSpec('waist_yaw_joint', -2.618, 2.618), None, *left_arm, None, None, *right_arm,
        None, None, JointSpec('head_pitch_joint', -0.62832, 0.62832),
        JointSpec('head_yaw_joint', -2.0071, 2.0071)] + [None] * 4
    # mode_machine 9 is a placeholder (no public R1 id). The R1 arm_sdk carries its weight in
    # mode_pr, not in a slot: not simulated.
    return StyleSpec('unitree_r1', 'unitree_hg', tuple(slots), mode_machine=9)


def _k1() -> StyleSpec:
    # K1_22dof.urdf (booster_assets); the T1 layout without the waist; home = arms down.
    head = [JointSpec('AAHead_yaw', -1.0, 1.0), JointSpec('Head_pitch', -0.349, 0.855)]
    left_arm, right_arm = _split(_sides('{side}_{joint}', [
        ('Shoulder_Pitch', -3.316, 1.22), ('Shoulder_Roll', -1.74, 1.57),
        ('Elbow_Pitch', -2.27, 2.27), ('Elbow_Yaw', -2.44, 0.0)], ('Left', 'Right')), 4)
    left_arm[0] = JointSpec('ALeft_Shoulder_Pitch', -3.316, 1.22)
    right_arm[0] = JointSpec('ARight_Shoulder_Pitch', -3.316, 1.22)
    left_arm[1] = JointSpec(left_arm[1].name, left_arm[1].lower, left_arm[1].upper, -1.4)
    right_arm[1] = JointSpec(right_arm[1].name, right_arm[1].lower, right_arm[1].upper, 1.4)
    left_leg, right_leg = _split(_sides('{side}_{joint}', [
        ('Hip_Pitch', -3.0, 2.21), ('Hip_Roll', -0.4, 1.57), ('Hip_Yaw', -1.0, 1.0),
        ('Knee_Pitch', 0.0, 2.23), ('Ankle_Pitch', -0.87, 0.345),
        ('Ankle_Roll', -0.345, 0.345)], ('Left', 'Right')), 6)
    slots = (*head, *left_arm, *right_arm, *left_leg, *right_leg)
    return StyleSpec('booster_k1', 'booster', slots, parallel_pairs=((14, 15), (20, 21)))


STYLES: dict[str, StyleSpec] = {spec.name: spec for spec in (
    _g1(29), _g1(23), _h1_2(), _h1(), _t1(), _talos(), _h2(), _r1(), _k1())}
# Vendor joint order per style (slot -> joint name, None = no joint), for checking profiles.
VENDOR_JOINT_ORDERS: dict[str, tuple[str | None, ...]] = {
    name: spec.joint_names for name, spec in STYLES.items()}
# The forward_position_controller joint order of the TALOS style: every joint but the
# grippers, arm_X_1 (no canonical equivalent) last, as config/robots/pal_talos.yaml expects.
_TALOS_ARM_PAN = ('arm_left_1_joint', 'arm_right_1_joint')
TALOS_CONTROLLER_JOINTS: tuple[str, ...] = tuple(
    name for name in VENDOR_JOINT_ORDERS['ros2_control_talos']
    if name and 'gripper' not in name and name not in _TALOS_ARM_PAN) + _TALOS_ARM_PAN


def style_spec(name: str) -> StyleSpec:
    """The style called `name`.

    Raises:
        UnknownNameError: No such style.
    """
    if name not in STYLES:
        msg = f'unknown robot style {name!r} (known: {", ".join(STYLES)})'
        raise UnknownNameError(msg)
    return STYLES[name]
