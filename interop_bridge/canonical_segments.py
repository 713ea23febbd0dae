"""Body segments of the canonical reference pose: where each limb points when every joint is 0.

`config/canonical.yaml` `segments:` declares, per segment, its start joint, its end (the first
of a list of canonical joints or frames that the robot has) and its unit direction in the
pelvis frame at the reference pose R. `interop check-profile --urdf` measures each segment on
the robot's own kinematic model at R and blames a wrong offset on the joint whose rotation
would put the segment right.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from interop_bridge.schema import Key, Reader, Rule, list_of, non_empty, read_section

DIRECTION_TOLERANCE = 1e-6


def _unit_vector(value: Any) -> bool:
    return (isinstance(value, list) and len(value) == 3
            and all(isinstance(item, (int, float)) for item in value)
            and abs(math.sqrt(sum(float(item) ** 2 for item in value)) - 1.0)
            < DIRECTION_TOLERANCE)


SEGMENT_KEYS = (
    Key('name', str, 'segment name', check=non_empty),
    Key('start', str, 'the canonical joint where the segment starts', check=non_empty),
    Key('end', list, 'where it ends: canonical joints or frames, the first the robot has',
        check=list_of(str, allow_empty=False)),
    Key('direction', list, 'unit direction start -> end in the pelvis frame at R',
        check=Rule(_unit_vector, 'a unit vector [x, y, z]'), kind_name='[x, y, z]'),
)


@dataclass(frozen=True)
class SegmentSpec:
    """One body segment at the reference pose."""

    name: str
    start: str
    end: tuple[str, ...]
    direction: tuple[float, float, float]


def read_segments(items: list[Any], joints: Collection[str], frames: Collection[str],
                  reader: Reader) -> tuple[SegmentSpec, ...]:
    """The declared segments; every unknown joint or frame name is reported."""
    segments = []
    for position, item in enumerate(items):
        path = f'segments[{position}]'
        before = len(reader.problems)
        values = read_section(item, SEGMENT_KEYS, reader, path)
        if len(reader.problems) != before:
            continue
        if values['start'] not in joints:
            reader.report(f'{path}.start', values['start'], 'a canonical joint name')
        for slot, name in enumerate(values['end']):
            if name not in joints and name not in frames:
                reader.report(f'{path}.end[{slot}]', name, 'a canonical joint or frame name')
        if len(reader.problems) == before:
            x, y, z = (float(item) for item in values['direction'])
            segments.append(SegmentSpec(values['name'], values['start'], tuple(values['end']),
                                        (x, y, z)))
    return tuple(segments)
