"""check-profile --urdf on the G1 left arm, built from the zero-pose positions of the public
URDF (reference facts, vendor-interfaces.md Appendix A: joint positions at q = 0 in the pelvis
frame, axes +x/+y/+z) and the limits of its section 1.6: the shipped mapping passes, a flipped
sign, a missing elbow offset and a degree scale are each named with their cause."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from interop_bridge.kinematics.model import load_model
from interop_bridge.kinematics.profile_check import check_profile_kinematics
from interop_bridge.profile import load_profile
from interop_bridge.profile_model import Profile

# (joint, position at q = 0 [m], axis, lower, upper); the shoulder pitch position is not in the
# facts: it only needs to be above the roll joint, on the left.
ARM = (('left_shoulder_pitch_joint', (0.0, 0.10, 0.29), 'y', -3.0892, 2.6704),
       ('left_shoulder_roll_joint', (0.0, 0.141, 0.289), 'x', -1.5882, 2.2515),
       ('left_shoulder_yaw_joint', (0.0, 0.147, 0.186), 'z', -2.618, 2.618),
       ('left_elbow_joint', (0.016, 0.147, 0.105), 'y', -1.0472, 2.0944),
       ('left_wrist_roll_joint', (0.116, 0.149, 0.095), 'x', -1.9722, 1.9722),
       ('left_wrist_pitch_joint', (0.154, 0.149, 0.095), 'y', -1.6144, 1.6144),
       ('left_wrist_yaw_joint', (0.200, 0.149, 0.095), 'z', -1.6144, 1.6144))
AXES = {'x': '1 0 0', 'y': '0 1 0', 'z': '0 0 1'}


def arm_urdf(path: Path) -> Path:
    links, joints, parent, where = ['<link name="pelvis"/>'], [], 'pelvis', np.zeros(3)
    for name, position, axis, lower, upper in ARM:
        child = name.replace('_joint', '_link')
        offset = np.array(position) - where
        links.append(f'<link name="{child}"/>')
        joints.append(
            f'<joint name="{name}" type="revolute"><parent link="{parent}"/>'
            f'<child link="{child}"/><origin xyz="{offset[0]} {offset[1]} {offset[2]}"/>'
            f'<axis xyz="{AXES[axis]}"/><limit lower="{lower}" upper="{upper}" effort="25" '
            f'velocity="37"/></joint>')
        parent, where = child, np.array(position)
    path.write_text(f'<robot name="g1_left_arm">{"".join(links)}{"".join(joints)}</robot>')
    return path


def arm_problems(profile: Profile, tmp_path: Path) -> dict[str, str]:
    report = check_profile_kinematics(profile, load_model(arm_urdf(tmp_path / 'arm.urdf')))
    return {joint: cause for joint, cause in report.causes().items()
            if joint.startswith('left_') and joint.split('_')[1] in ('shoulder', 'elbow', 'wrist')}


def mutated(tmp_path: Path, canonical: str, **changes: object) -> Profile:
    shipped = load_profile('unitree_g1_29dof')
    raw = yaml.safe_load(Path(shipped.source_file).read_text())
    for joint in raw['joints']:
        if joint['canonical'] == canonical:
            joint.update(changes)
    path = tmp_path / 'unitree_g1_29dof.yaml'
    path.write_text(yaml.safe_dump(raw))
    return load_profile(path)


def test_the_shipped_g1_left_arm_matches_its_urdf_facts(tmp_path: Path):
    assert arm_problems(load_profile('unitree_g1_29dof'), tmp_path) == {}


@pytest.mark.parametrize('canonical,changes,cause', [
    # symmetric limits: the profile loader's range check cannot see these two
    ('left_shoulder_yaw', {'sign': -1}, 'SIGN'),
    ('left_elbow', {'offset': -0.9}, 'OFFSET'),
    ('left_wrist_pitch', {'scale': 0.0174533}, 'SCALE'),
    ('left_elbow', {'position': [-1.5, 2.6]}, 'LIMITS'),
])
def test_an_injected_error_is_named_with_its_cause(tmp_path: Path, canonical, changes, cause):
    assert arm_problems(mutated(tmp_path, canonical, **changes), tmp_path) == {canonical: cause}
