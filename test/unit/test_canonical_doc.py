"""docs/canonical-interface.md and config/canonical.yaml say the same thing."""

from __future__ import annotations

import re

import pytest
from ros_process import REPO

from interop_bridge.canonical import load_canonical

DOC = (REPO / 'docs' / 'canonical-interface.md').read_text()
SPEC = load_canonical(REPO / 'config' / 'canonical.yaml')


def table_after(header: str) -> list[list[str]]:
    """Rows (cells stripped of spaces and backticks) of the Markdown table with this header."""
    lines = DOC.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == header), None)
    assert start is not None, f'table {header!r} not found in the doc'
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith('|'):
            break
        rows.append([cell.strip().strip('`') for cell in line.strip().strip('|').split('|')])
    return rows


def test_the_doc_states_the_interface_version_of_the_yaml():
    assert f'**Interface version: {SPEC.interface_version}**' in DOC


def test_the_joint_table_matches_the_yaml_row_by_row():
    rows = table_after('| index | name | group | axis | range [rad] | positive value |')
    expected = [[str(j.index), j.name, j.group, f'+{j.axis}',
                 f'[{j.range[0]:g}, {j.range[1]:g}]', j.positive] for j in SPEC.joints]
    assert rows == expected


def test_the_segment_table_matches_the_yaml_row_by_row():
    rows = table_after('| segment | start | end | direction at R |')
    expected = [[s.name, s.start, ', '.join(f'`{end}`' for end in s.end).strip('`'),
                 '[' + ', '.join(f'{v:g}' for v in s.direction) + ']'] for s in SPEC.segments]
    assert rows == expected and len(rows) == 8


def test_the_group_ranges_in_the_doc_match_the_yaml():
    for group in SPEC.groups:
        indices = SPEC.group_indices(group)
        assert f'`{group}` ({indices[0]}–{indices[-1]})' in DOC.replace('\n', ' '), group


def test_the_hand_table_matches_the_yaml():
    rows = table_after('| index | channel | left name | right name | closing means |')
    left, right = SPEC.hand_channel_names('left'), SPEC.hand_channel_names('right')
    expected = [[str(c.index), c.name, left[c.index], right[c.index], c.meaning]
                for c in SPEC.hand_channels]
    assert rows == expected


def test_the_topic_table_matches_the_yaml_with_qos():
    rows = table_after('| topic | type | direction | reliability | durability | depth | rate '
                       '| status |')
    expected = [[t.name, t.type, t.direction, t.reliability, t.durability, str(t.depth), t.rate,
                 t.status] for t in SPEC.topics]
    assert rows == expected


def test_the_service_table_matches_the_yaml():
    rows = table_after('| service | type | meaning |')
    assert rows == [[s.name, s.type, s.meaning] for s in SPEC.services]


def test_the_units_table_matches_the_yaml():
    rows = table_after('| quantity | unit |')
    assert dict(rows) == dict(SPEC.units)


def test_the_frames_table_matches_the_yaml():
    rows = table_after('| frame | meaning |')
    assert rows == [[f.name, f.meaning] for f in SPEC.frames]


def test_the_wrench_frames_are_stated():
    frames = ', '.join(f'`{name}`' for name in SPEC.wrench_frames)
    assert f'Wrench frames: {frames}' in DOC


def test_the_reference_pose_and_quaternion_order_are_stated():
    assert SPEC.reference_pose in DOC
    order = ', '.join(SPEC.quaternion_order)
    assert f'`[{order}]`' in DOC


@pytest.mark.parametrize('msg_file', sorted((REPO / 'interop_msgs' / 'msg').glob('*.msg')),
                         ids=lambda path: path.stem)
def test_every_message_is_described_in_the_doc_and_every_field_is_commented(msg_file):
    assert f'`{msg_file.stem}`' in DOC
    lines = msg_file.read_text().splitlines()
    for number, line in enumerate(lines):
        is_field = line and not line.startswith('#') and re.match(r'^\S+ \w+$', line.strip())
        if is_field:
            comments = [prev for prev in lines[max(0, number - 8):number] if prev.startswith('#')]
            assert comments, f'{msg_file.name}:{number + 1} {line!r} has no comment above it'
