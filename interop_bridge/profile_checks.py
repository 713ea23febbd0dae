"""Checks of a robot profile across keys: what no single key's declaration can see.

Each key's own type and range are declared in interop_bridge.profile_schema. Here: position
limits that must map inside the canonical range, default gains within their maxima (the
defaults are sent as they are to joints a command does not drive and in the hold safe
command), the timeout damping within every joint's damping maximum, slots and native names
used once, slot counts a vendor message can have, a state timeout of two state periods at
least. Problems go to the shared `Reader`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from interop_bridge.canonical import CanonicalSpec
from interop_bridge.profile_model import ExtraJoint, GripperProfile, JointProfile
from interop_bridge.schema import Reader
from interop_bridge.vendors.registry import Adapter

# Mapped limits may exceed the canonical plausibility envelope by this much [rad].
RANGE_TOLERANCE = 0.05
MAX_SLOTS = 1024  # vendor slots of one message (the largest shipped: 35)

Entries = Sequence[tuple[str, Any]]  # (key path of the entry, its record)


def check_mapped_range(joint: JointProfile, spec: CanonicalSpec, reader: Reader,
                       path: str) -> None:
    """Position limits must map (sign, scale, offset) inside the joint's canonical range."""
    low, high = joint.canonical_position
    envelope_low, envelope_high = spec.joints[joint.index].range
    if low < envelope_low - RANGE_TOLERANCE or high > envelope_high + RANGE_TOLERANCE:
        reader.report(f'{path}.position', list(joint.position),
                      f'limits that map (sign {joint.sign}, offset {joint.offset:g}) inside the '
                      f'canonical range [{envelope_low:g}, {envelope_high:g}] of {joint.canonical}'
                      f'; they map to [{low:.3g}, {high:.3g}]: wrong sign or offset?')


def check_gains(joint: JointProfile, reader: Reader, path: str) -> None:
    """Default kp and kd must not exceed the joint's own maxima."""
    for name, maximum in (('stiffness', 'stiffness_max'), ('damping', 'damping_max')):
        value, limit = getattr(joint, name), getattr(joint, maximum)
        if value > limit:
            reader.report(f'{path}.{name}', value, f'a default at most {maximum} ({limit:g}): '
                          'defaults are sent unclamped to joints a command does not drive')


def check_timeout_damping(damping: Any, joints: Entries, reader: Reader) -> None:
    """The damping safe command goes to every joint: within each joint's damping_max."""
    if not isinstance(damping, float):
        return
    over = [(path, joint) for path, joint in joints if damping > joint.damping_max]
    if over:
        path, joint = min(over, key=lambda entry: entry[1].damping_max)
        reader.report('command.timeout_damping', damping,
                      f'at most the smallest damping_max ({joint.damping_max:g}, '
                      f'{path} {joint.canonical}): the damping safe command goes to every joint')


def check_state_timeout(top: dict[str, Any], command: dict[str, Any], reader: Reader) -> None:
    """A state timeout shorter than two state periods refuses commands between two states."""
    rate, timeout = top.get('state_rate_hz'), command.get('state_timeout_s')
    if isinstance(rate, float) and isinstance(timeout, float) and timeout < 2.0 / rate:
        reader.report('command.state_timeout_s', timeout,
                      f'at least two state periods ({2.0 / rate:g} s at state_rate_hz '
                      f'{rate:g}): commands between two states would be refused')


def check_unique(reader: Reader, field: str, entries: Iterable[tuple[str, Any]],
                 what: str) -> None:
    """Each value of `field` given once over `entries` (key path, value)."""
    first: dict[Any, str] = {}
    for path, value in entries:
        if value in first:
            reader.report(f'{path}.{field}', value, f'{what} not already used by {first[value]}')
        else:
            first[value] = path


def check_sources(joints: Entries, extra: Entries, grippers: Entries, adapter: Adapter | None,
                  options: dict[str, Any], reader: Reader) -> None:
    """Slots or native names: the adapter's kind, inside the slot count, each used once."""
    if adapter is None:
        return
    slots = _slot_count(adapter, options, reader)
    entries: list[tuple[str, JointProfile | ExtraJoint | GripperProfile]] = \
        [*joints, *extra, *grippers]
    used: dict[int | str, str] = {}
    for path, entry in entries:
        source = entry.source
        if adapter.by_name != isinstance(source, str):
            reader.report(f'{path}.source', source, 'a native joint name (string)'
                          if adapter.by_name else 'a slot index (integer)')
        elif isinstance(source, int) and slots is not None and source >= slots:
            reader.report(f'{path}.source', source, f'a slot index below {slots}')
        elif source in used:
            reader.report(f'{path}.source', source, f'a source not already used by {used[source]}')
        else:
            used[source] = path
    known: set[int | str] = set(used)
    if adapter.by_name:
        known |= {joint.native_name for _, joint in joints}
    for key_path, value, expected in adapter.check_options(options, known):
        reader.report(key_path, value, expected)


def _slot_count(adapter: Adapter, options: dict[str, Any], reader: Reader) -> int | None:
    slots = adapter.slot_count(options)
    key_path = f'{adapter.section}.{adapter.slot_count_option}'
    if adapter.wire_slots is not None and slots is not None and slots != adapter.wire_slots:
        reader.report(key_path, slots,
                      f'{adapter.wire_slots}: the motor slots of {adapter.state_type}')
    elif slots is not None and slots > MAX_SLOTS:
        reader.report(key_path, slots, f'a slot count from 1 to {MAX_SLOTS}')
        return None
    return slots
