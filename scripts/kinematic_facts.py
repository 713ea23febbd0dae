"""Read the joint facts of a robot description into a kinematic fixture (test/fixtures/kinematics).

    python scripts/kinematic_facts.py ROBOT.urdf --source 'owner/repo@commit path' \
        --drop 'gripper_.*_(inner|fingertip|motor).*' > test/fixtures/kinematics/NAME.yaml

A fixture keeps only numbers: for every joint its parent and child link, origin (xyz, rpy),
axis, type, limits and, where declared, effort [N m] and velocity [rad/s] limits. Meshes,
inertias, collision shapes and materials are left behind, so the fixture is the robot's
kinematic facts in our own format, not a copy of the vendor file; the tests write a URDF from it
(test/kinematic_fixtures.py). URDF and MJCF (bodies with one hinge joint or none; a free joint
marks the root) are read. A leaf body (a hand without fingers, a foot, the head) gets one more
fixed frame, `<body>_com`, at its centre of mass from the description's inertial: the only fact
that says where a forearm without a wrist ends. This tool is for maintainers refreshing a
fixture from a new model revision, never imported by the package.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import yaml


def _floats(text: str | None, default: str) -> list[float]:
    return [round(float(value), 7) for value in (text or default).split()]


def _rpy_from_quaternion(w: float, x: float, y: float, z: float) -> list[float]:
    """URDF roll, pitch, yaw (R = Rz(yaw) Ry(pitch) Rx(roll)) of a MuJoCo w, x, y, z quaternion.

    At pitch +-90 degrees (gimbal lock) roll and yaw turn about the same axis: roll is 0 there
    and yaw carries the whole turn, read from the matrix (the half-angle formulas lose it).
    """
    norm = math.sqrt(w * w + x * x + y * y + z * z)
    w, x, y, z = w / norm, x / norm, y / norm, z / norm
    r00, r01 = 1 - 2 * (y * y + z * z), 2 * (x * y - w * z)
    r10, r11 = 2 * (x * y + w * z), 1 - 2 * (x * x + z * z)
    r20, r21, r22 = 2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)
    pitch = math.asin(max(-1.0, min(1.0, -r20)))
    if abs(r20) < 1.0 - 1e-9:
        roll, yaw = math.atan2(r21, r22), math.atan2(r10, r00)
    else:
        roll, yaw = 0.0, math.atan2(-r01, r11)
    return [round(roll, 7), round(pitch, 7), round(yaw, 7)]


MIN_COM_OFFSET_M = 0.01


def _com_frame(body: str, position: list[float]) -> dict[str, object] | None:
    if math.dist(position, (0.0, 0.0, 0.0)) < MIN_COM_OFFSET_M:
        return None
    return {'name': f'{body}_com_joint', 'type': 'fixed', 'parent': body,
            'child': f'{body}_com', 'xyz': position, 'rpy': [0.0, 0.0, 0.0]}


def urdf_leaf_frames(root: ElementTree.Element) -> list[dict[str, object]]:
    """A centre-of-mass frame for every URDF link that is no joint's parent."""
    parents = {joint.find('parent').get('link')  # type: ignore[union-attr]
               for joint in root.findall('joint')}
    frames = []
    for link in root.findall('link'):
        origin = link.find('inertial/origin')
        if link.get('name') in parents or origin is None:
            continue
        frame = _com_frame(link.get('name', ''), _floats(origin.get('xyz'), '0 0 0'))
        if frame is not None:
            frames.append(frame)
    return frames


def urdf_joints(root: ElementTree.Element) -> list[dict[str, object]]:
    """Every non-floating joint of a URDF, in file order."""
    joints = []
    for joint in root.findall('joint'):
        kind = joint.get('type', '')
        if kind == 'floating':
            continue
        origin = joint.find('origin')
        limit = joint.find('limit')
        entry: dict[str, object] = {
            'name': joint.get('name'), 'type': kind,
            'parent': joint.find('parent').get('link'),  # type: ignore[union-attr]
            'child': joint.find('child').get('link'),  # type: ignore[union-attr]
            'xyz': _floats(None if origin is None else origin.get('xyz'), '0 0 0'),
            'rpy': _floats(None if origin is None else origin.get('rpy'), '0 0 0')}
        if kind != 'fixed':
            axis = joint.find('axis')
            entry['axis'] = _floats(None if axis is None else axis.get('xyz'), '1 0 0')
        if limit is not None and kind in ('revolute', 'prismatic'):
            entry['limits'] = _floats(f"{limit.get('lower', 0)} {limit.get('upper', 0)}", '')
            for key in ('effort', 'velocity'):
                if limit.get(key) is not None:
                    entry[key] = _floats(limit.get(key), '0')[0]
        joints.append(entry)
    return joints + urdf_leaf_frames(root)


def mjcf_joints(root: ElementTree.Element) -> list[dict[str, object]]:
    """Every body of an MJCF below the free-joint body, as a joint to its parent body."""
    joints: list[dict[str, object]] = []

    def walk(body: ElementTree.Element, parent: str | None) -> None:
        name = body.get('name', '')
        if parent is not None:
            hinges = body.findall('joint')
            quat = _floats(body.get('quat'), '1 0 0 0')
            entry: dict[str, object] = {
                'name': hinges[0].get('name') if hinges else f'{name}_fixed',
                'type': 'revolute' if hinges else 'fixed', 'parent': parent, 'child': name,
                'xyz': _floats(body.get('pos'), '0 0 0'), 'rpy': _rpy_from_quaternion(*quat)}
            if hinges:
                entry['axis'] = _floats(hinges[0].get('axis'), '0 0 1')
                entry['limits'] = _floats(hinges[0].get('range'), '0 0')
                torque = hinges[0].get('actuatorfrcrange')
                if torque is not None:
                    entry['effort'] = max(abs(value) for value in _floats(torque, ''))
            joints.append(entry)
        for child in body.findall('body'):
            walk(child, name)
        inertial = body.find('inertial')
        if not body.findall('body') and inertial is not None:
            frame = _com_frame(name, _floats(inertial.get('pos'), '0 0 0'))
            if frame is not None:
                joints.append(frame)

    for body in root.iter('body'):
        if body.find('freejoint') is not None or body.find("joint[@type='free']") is not None:
            walk(body, None)
            break
    return joints


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('description', type=Path)
    parser.add_argument('--source', required=True, help="'owner/repo@commit path/in/repo'")
    parser.add_argument('--drop', action='append', default=[],
                        help='regex of joint names to leave out (with their subtrees)')
    args = parser.parse_args(argv)
    root = ElementTree.parse(args.description).getroot()
    joints = mjcf_joints(root) if root.tag == 'mujoco' else urdf_joints(root)
    dropped: set[str] = set()
    kept = []
    for joint in joints:
        name = str(joint['name'])
        if joint['parent'] in dropped or any(re.fullmatch(p, name) for p in args.drop):
            dropped.add(str(joint['child']))
            continue
        kept.append(joint)
    children = {joint['child'] for joint in kept}
    roots = sorted({str(joint['parent']) for joint in kept} - children)
    header = (f'# Kinematic facts (joint origins, axes, limits; no meshes or inertias) read by\n'
              f'# scripts/kinematic_facts.py from {args.source}\n')
    lines = [f'source: {args.source!r}', f'root: {roots[0]}', 'joints:']
    lines += ['  - ' + yaml.safe_dump(joint, default_flow_style=True, sort_keys=False,
                                      width=1000).strip() for joint in kept]
    body = '\n'.join(lines) + '\n'
    sys.stdout.write(header + body)
    return 0


if __name__ == '__main__':
    sys.exit(main())
