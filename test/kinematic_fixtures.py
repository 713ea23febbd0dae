"""URDFs written from the kinematic fixtures (test/fixtures/kinematics/<profile>.yaml).

A fixture holds a robot's public joint facts (origins, axes, limits) read from the vendor's own
description by scripts/kinematic_facts.py; `write_urdf` turns it into a mesh-free URDF that the
kinematics library loads like the vendor file, so the tests check each shipped profile against
its robot's kinematics without a copy of the vendor file in the repository.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

FIXTURES = Path(__file__).parent / 'fixtures' / 'kinematics'
SHIPPED = ('unitree_g1_29dof', 'unitree_g1_23dof', 'unitree_h1', 'unitree_h1_2', 'booster_t1',
           'pal_talos', 'unitree_h2', 'unitree_r1', 'booster_k1')


def load_fixture(robot: str) -> dict[str, Any]:
    """The fixture's facts: source, root link and joints."""
    facts: dict[str, Any] = yaml.safe_load((FIXTURES / f'{robot}.yaml').read_text())
    return facts


def _vector(values: list[float]) -> str:
    return ' '.join(repr(float(value)) for value in values)


def _joint_element(joint: dict[str, Any]) -> str:
    parts = [f'<joint name="{joint["name"]}" type="{joint["type"]}">',
             f'<parent link="{joint["parent"]}"/><child link="{joint["child"]}"/>',
             f'<origin xyz="{_vector(joint["xyz"])}" rpy="{_vector(joint["rpy"])}"/>']
    if 'axis' in joint:
        parts.append(f'<axis xyz="{_vector(joint["axis"])}"/>')
    if 'limits' in joint:
        lower, upper = joint['limits']
        effort, velocity = joint.get('effort', 0.0), joint.get('velocity', 0.0)
        parts.append(f'<limit lower="{lower}" upper="{upper}" effort="{effort}" '
                     f'velocity="{velocity}"/>')
    return ''.join(parts) + '</joint>'


def urdf_text(facts: dict[str, Any], name: str = 'robot') -> str:
    """A URDF of the facts: one empty link per body, the joints as the vendor declared them."""
    links = [facts['root']] + [joint['child'] for joint in facts['joints']]
    body = ''.join(f'<link name="{link}"/>' for link in links)
    body += ''.join(_joint_element(joint) for joint in facts['joints'])
    return f'<?xml version="1.0"?>\n<robot name="{name}">{body}</robot>\n'


def write_urdf(robot: str, path: Path) -> Path:
    """The fixture of `robot` written as a URDF at `path`."""
    path.write_text(urdf_text(load_fixture(robot), robot))
    return path


def profile_with_model(robot: str, directory: Path) -> Path:
    """A copy of the shipped profile `robot` with its fixture attached as kinematics.model."""
    from interop_bridge.profile import load_profile

    directory.mkdir(parents=True, exist_ok=True)
    urdf = write_urdf(robot, directory / f'{robot}.urdf')
    raw = yaml.safe_load(Path(load_profile(robot).source_file).read_text())
    raw.setdefault('kinematics', {})['model'] = urdf.name
    path = directory / f'{robot}.yaml'
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path
