"""Human-readable renderings of the canonical specification (terminal summary, Markdown)."""

from __future__ import annotations

from interop_bridge.canonical import CanonicalSpec


def summarize_canonical(spec: CanonicalSpec) -> str:
    """A terminal summary: version, joints by group, hands, topics with QoS."""
    lines = [f'canonical humanoid interface {spec.interface_version} ({spec.source})',
             f'{spec.joint_count} body joints, values 0 in the reference pose:']
    for group in spec.groups:
        names = ', '.join(f'{index} {spec.joints[index].name}'
                          for index in spec.group_indices(group))
        lines.append(f'  {group:<10} {names}')
    for side in spec.hand_sides:
        label = f'{side}_hand'
        lines.append(f'  {label:<10} closure 0..1: {", ".join(spec.hand_channel_names(side))}')
    lines.append(f'  extra      vendor-only joints as {spec.extra_joint_pattern}')
    lines.append('topics (relative to the robot namespace):')
    for topic in spec.topics:
        qos = f'{topic.reliability}/{topic.durability}/depth {topic.depth}'
        lines.append(f'  {topic.name:<26} {topic.type:<38} {qos}')
    for service in spec.services:
        lines.append(f'  {service.name:<26} {service.type} (service)')
    return '\n'.join(lines)


def joint_table(spec: CanonicalSpec) -> str:
    """Markdown table of the canonical joints (the one in docs/canonical-interface.md)."""
    lines = ['| index | name | group | axis | range [rad] | positive value |',
             '|---|---|---|---|---|---|']
    for joint in spec.joints:
        low, high = joint.range
        lines.append(f'| {joint.index} | `{joint.name}` | {joint.group} | +{joint.axis} '
                     f'| [{low:g}, {high:g}] | {joint.positive} |')
    return '\n'.join(lines)


def topic_table(spec: CanonicalSpec) -> str:
    """Markdown table of the topics with their QoS (the one in the doc)."""
    lines = ['| topic | type | direction | reliability | durability | depth | rate | status |',
             '|---|---|---|---|---|---|---|---|']
    for topic in spec.topics:
        lines.append(f'| `{topic.name}` | `{topic.type}` | {topic.direction} '
                     f'| {topic.reliability} | {topic.durability} | {topic.depth} '
                     f'| {topic.rate} | {topic.status} |')
    return '\n'.join(lines)


def hand_table(spec: CanonicalSpec) -> str:
    """Markdown table of the hand channels."""
    lines = ['| index | channel | left name | right name | closing means |',
             '|---|---|---|---|---|']
    left, right = (spec.hand_channel_names(side) for side in spec.hand_sides)
    for channel in spec.hand_channels:
        lines.append(f'| {channel.index} | `{channel.name}` | `{left[channel.index]}` '
                     f'| `{right[channel.index]}` | {channel.meaning} |')
    return '\n'.join(lines)
