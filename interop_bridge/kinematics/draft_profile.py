"""`interop draft-profile`: a complete robot profile proposed from the robot's URDF/MJCF.

    text = draft_profile_text(Path('robot.urdf'), out=Path('robot.yaml'), bag=None)

The joint mapping comes from `draft_body` (limbs, reference pose, axes, signs, offsets); limits,
velocities and efforts from the model; with a sample recording, the adapter, topics, slot count
or joint names and the state rate from `draft_bag`. Every guess carries a `# REVIEW:` comment;
the result loads as a profile and passes `interop check-profile --urdf` against the model.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

from interop_bridge.canonical import CanonicalSpec, load_canonical
from interop_bridge.kinematics.draft_bag import BagFacts
from interop_bridge.kinematics.draft_body import DraftJoint, DraftMapping, draft_mapping
from interop_bridge.kinematics.model import KinematicModel, ModelJoint, load_model

UNKNOWN_VELOCITY = 10.0  # rad/s, when the model declares none
UNKNOWN_EFFORT = 10.0    # N m
DEFAULT_RATE_HZ = 500.0
ROS2_CONTROL_TOPICS = ('/joint_states', '/forward_position_controller/commands')


def draft_profile_text(model_path: Path, out: Path, bag: BagFacts | None = None,
                       name: str = '', vendor: str = 'unknown',
                       spec: CanonicalSpec | None = None) -> str:
    """The profile YAML (with review comments) for the model at `model_path`, to be written
    at `out` (the kinematics.model path is relative to it)."""
    spec = spec or load_canonical()
    model = load_model(model_path)
    draft = draft_mapping(model, spec)
    name = name or re.sub(r'[^a-z0-9_]+', '_', out.stem.lower()).strip('_')
    lines = _header(model_path, draft, bag, name, vendor)
    lines += _interface(bag, draft, model)
    lines += ['joints:']
    mapped = [joint for joint in draft.joints if joint.canonical]
    order = list(model.joints)
    for joint in sorted(mapped, key=lambda joint: spec.joint_index(str(joint.canonical))):
        lines += _joint_lines(joint, model.joint(joint.native_name), _source(joint, order, bag),
                              spec)
    extras = [joint for joint in draft.joints if not joint.canonical]
    if extras:
        lines.append('extra:')
        for joint in extras:
            source = _source(joint, order, bag)
            lines.append(f'  - {{name: {vendor}/{joint.native_name}, source: {source}}}'
                         f'  # REVIEW: {"; ".join(joint.review)}')
    lines += _kinematics(model_path, out, draft)
    return '\n'.join(lines) + '\n'


def _header(model_path: Path, draft: DraftMapping, bag: BagFacts | None, name: str,
            vendor: str) -> list[str]:
    lines = [f'# Drafted by interop draft-profile from {model_path.name}'
             + (f' and the recording {Path(bag.source).name}' if bag else '') + '.',
             '# Every "REVIEW" is a guess to confirm; check with:',
             f'#   interop check-profile {name}.yaml --urdf {model_path.name}']
    lines += [f'# REVIEW: {note}' for note in draft.notes]
    rate = bag.rate_hz if bag and bag.rate_hz > 0 else DEFAULT_RATE_HZ
    lines += [f'name: {name}', f'vendor: {vendor}' + ('  # REVIEW' if vendor == 'unknown' else ''),
              f'model: {name}', f'description: {name} (drafted from {model_path.name})',
              f'state_rate_hz: {rate:g}' + ('' if bag else '  # REVIEW: no recording given')]
    return lines


def _interface(bag: BagFacts | None, draft: DraftMapping, model: KinematicModel) -> list[str]:
    if bag is None or bag.adapter.by_name:
        state, command = ((bag.state_topic, bag.command_topic or ROS2_CONTROL_TOPICS[1])
                          if bag else ROS2_CONTROL_TOPICS)
        imu = bag.imu_topic if bag else ''
        joints = [joint.native_name for joint in draft.joints if joint.canonical]
        review = '' if bag else '  # REVIEW: no recording given; a ros2_control robot assumed'
        return ([f'adapter: ros2_control{review}', 'stamp_source: vendor', 'topics:',
                 f'  state: {state}', f'  command: {command}']
                + ([f'  imu: {imu}', 'imu: {frame: imu_link, orientation: quaternion_xyzw}']
                   if imu else ['imu: {present: false}  # REVIEW: no IMU topic found'])
                + ['command: {limit_policy: clamp}', 'ros2_control:',
                   f'  controller_joints: [{", ".join(joints)}]'
                   '  # REVIEW: the controller\'s joint order'])
    adapter = bag.adapter
    section = {'unitree': f'unitree: {{motor_slots: {bag.slots}}}',
               'booster': f'booster: {{motor_count: {bag.slots}}}'}[adapter.section]
    command = bag.command_topic or '/' + adapter.command_type.rsplit('/', 1)[-1].lower()
    return [f'adapter: {adapter.name}', 'stamp_source: receive', 'topics:',
            f'  state: {bag.state_topic}', f'  command: {command}'
            + ('' if bag.command_topic else '  # REVIEW: no command in the recording'),
            'command: {limit_policy: clamp}', section]


def _source(joint: DraftJoint, order: list[str], bag: BagFacts | None) -> int | str:
    if bag is None or bag.adapter.by_name:
        return joint.native_name
    return order.index(joint.native_name)


def _joint_lines(joint: DraftJoint, urdf: ModelJoint, source: int | str,
                 spec: CanonicalSpec) -> list[str]:
    review = list(joint.review)
    if isinstance(source, int):
        review.append(f'slot {source} is the joint\'s place in the model, not read from the '
                      'vendor')
    low, high = _limits(joint, urdf, spec, review)
    velocity = urdf.velocity or UNKNOWN_VELOCITY
    effort = urdf.effort or UNKNOWN_EFFORT
    if not urdf.velocity or not urdf.effort:
        review.append('velocity/effort not in the model: placeholders')
    text = (f'  - {{canonical: {joint.canonical}, source: {source}, native_name: '
            f'{joint.native_name},\n     sign: {joint.sign}, offset: {joint.offset!r}, '
            f'position: [{low:.6g}, {high:.6g}], velocity: {velocity:g}, effort: {effort:g}}}')
    return [text + (f'  # REVIEW: {"; ".join(review)}' if review else '')]


def _limits(joint: DraftJoint, urdf: ModelJoint, spec: CanonicalSpec,
            review: list[str]) -> tuple[float, float]:
    """The model's limits, cut to what maps inside the canonical range of the joint."""
    low, high = urdf.lower, urdf.upper
    if not (math.isfinite(low) and math.isfinite(high)):
        low, high = -math.pi, math.pi
        review.append('continuous joint: limits set to +-pi')
    canonical = spec.joints[spec.joint_index(str(joint.canonical))].range
    native = sorted(joint.sign * (value - joint.offset) for value in canonical)
    cut = (max(low, native[0]), min(high, native[1]))
    if cut != (low, high):
        review.append(f'model limits [{low:.4g}, {high:.4g}] cut to the canonical range')
    return cut


def _kinematics(model_path: Path, out: Path, draft: DraftMapping) -> list[str]:
    relative = os.path.relpath(model_path.resolve(), out.resolve().parent)
    lines = ['kinematics:', f'  model: {relative}', f'  base: {draft.base}', '  frames:']
    lines += [f'    - {{name: {frame}, link: {link}}}  # REVIEW: the branch tip found'
              for frame, link in sorted(draft.frames.items())]
    return lines if draft.frames else lines[:-1]
