"""Declared configuration keys: type, default, meaning and check, declared once per key.

A configuration section is a tuple of `Key`s. `read_section` checks one mapping against it,
collects every problem (unknown keys, missing keys, wrong types, failed checks) into a shared
list instead of stopping at the first, and returns the values with defaults filled in. Every
number is checked before the key's own check: a number key takes only finite values (no NaN,
no infinity, nothing beyond float range), an integer key only integers of 32 bits. The same
declarations render the reference tables of the docs (`describe_keys`, with the text of each
`Rule`), so checks and documentation cannot drift apart.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from interop_bridge.errors import MISSING, Problem

# A check returns None when the value is fine, or what was expected instead.
Check = Callable[[Any], 'str | None']

REQUIRED: Any = MISSING
INT_LIMIT = 2**31 - 1  # integer keys: 32-bit values (slots, modes, depths)
SHOWN_CHARACTERS = 200  # a longer bad value is shown cut, with its length


@dataclass(frozen=True)
class Rule:
    """A check with a fixed expectation, shown in the reference tables."""

    accepts: Callable[[Any], bool]
    expected: str

    def __call__(self, value: Any) -> str | None:
        """None when `value` is fine, else what was expected."""
        return None if self.accepts(value) else self.expected


@dataclass(frozen=True)
class Shortened:
    """A bad value too long to show whole in a problem (its repr is cut)."""

    text: str

    def __repr__(self) -> str:
        """The cut repr."""
        return self.text


@dataclass(frozen=True)
class Key:
    """One declared configuration key."""

    name: str
    kind: type | tuple[type, ...]
    meaning: str
    default: Any = REQUIRED
    check: Check | None = None
    kind_name: str = ''

    @property
    def required(self) -> bool:
        """Whether the key must be present."""
        return self.default is REQUIRED

    @property
    def type_name(self) -> str:
        """Human name of the accepted type."""
        if self.kind_name:
            return self.kind_name
        kinds = self.kind if isinstance(self.kind, tuple) else (self.kind,)
        return ' or '.join(_TYPE_NAMES.get(kind, kind.__name__) for kind in kinds)


_TYPE_NAMES = {str: 'string', int: 'integer', float: 'number', bool: 'boolean',
               list: 'list', dict: 'mapping'}


@dataclass
class Reader:
    """Collects problems while one file is read."""

    source: str
    problems: list[Problem] = field(default_factory=list)

    def report(self, key_path: str, value: Any, expected: str) -> None:
        """Record one problem (a long value is shown cut)."""
        self.problems.append(Problem(self.source, key_path, shown(value), expected))


def shown(value: Any) -> Any:
    """`value`, or a `Shortened` stand-in when its repr is longer than SHOWN_CHARACTERS."""
    text = repr(value)
    if len(text) <= SHOWN_CHARACTERS:
        return value
    return Shortened(f'{text[:SHOWN_CHARACTERS]}... ({len(text)} characters)')


def _kind_matches(value: Any, kind: type | tuple[type, ...]) -> bool:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        return False  # YAML true/false must not pass as a number
    if isinstance(value, int) and float in kinds:
        return True
    return isinstance(value, kinds)


def read_section(raw: Any, keys: Sequence[Key], reader: Reader, path: str) -> dict[str, Any]:
    """Check one mapping against its declared keys; return values with defaults filled in.

    Problems are added to `reader`; a key with a problem is left out of the result.
    """
    if not isinstance(raw, Mapping):
        reader.report(path or '<top level>', raw, 'a mapping')
        return {}
    declared = {key.name: key for key in keys}
    for name in raw:
        if name not in declared:
            allowed = ', '.join(sorted(declared))
            reader.report(_join(path, str(name)), raw[name], f'no such key (allowed: {allowed})')
    values: dict[str, Any] = {}
    for key in keys:
        key_path = _join(path, key.name)
        if key.name not in raw:
            if key.required:
                reader.report(key_path, MISSING, f'{key.type_name}: {key.meaning}')
            else:
                values[key.name] = key.default
            continue
        value = raw[key.name]
        if not _kind_matches(value, key.kind):
            reader.report(key_path, value, f'{key.type_name}: {key.meaning}')
            continue
        expected = number_problem(value, key.kind) or (key.check(value) if key.check else None)
        if expected:
            reader.report(key_path, value, expected)
            continue
        values[key.name] = float(value) if key.kind is float else value
    return values


def number_problem(value: Any, kind: type | tuple[type, ...]) -> str | None:
    """What a number must be instead (finite, or a 32-bit integer); None when fine or no number.

    Runs before a key's own check, so no check ever sees NaN, an infinity or a huge integer.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if float in kinds:
        return None if _finite(value) else 'a finite number'
    if abs(value) > INT_LIMIT:
        return f'an integer from {-INT_LIMIT} to {INT_LIMIT}'
    return None


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except OverflowError:  # an integer beyond float range
        return False


def _join(path: str, name: str) -> str:
    return f'{path}.{name}' if path else name


def describe_keys(keys: Sequence[Key]) -> str:
    """Render declared keys as a Markdown table (key, type, default, meaning, accepted)."""
    lines = ['| key | type | default | meaning | accepted |', '|---|---|---|---|---|']
    for key in keys:
        default = 'required' if key.required else f'`{key.default!r}`'
        accepted = key.check.expected if isinstance(key.check, Rule) else ''
        lines.append(f'| `{key.name}` | {key.type_name} | {default} | {key.meaning} | '
                     f'{accepted} |')
    return '\n'.join(lines)


# ----- reusable checks (numbers reach them finite: number_problem runs first) -------------

def one_of(*choices: str) -> Rule:
    """Accept only the given strings."""
    return Rule(lambda value: value in choices, f'one of {list(choices)}')


def between(low: float, high: float, *, above: bool = False) -> Rule:
    """Accept numbers from `low` (or above it) to `high`."""
    if above:
        return Rule(lambda value: low < value <= high, f'a number > {low:g} and <= {high:g}')
    return Rule(lambda value: low <= value <= high, f'a number from {low:g} to {high:g}')


def _pair(value: Any) -> bool:
    return (isinstance(value, list) and len(value) == 2
            and all(_kind_matches(item, float) and _finite(item) for item in value)
            and value[0] <= value[1])


def number_pair_within(low: float, high: float) -> Rule:
    """Accept [low, high] of two numbers inside [`low`, `high`], first <= second."""
    return Rule(lambda value: _pair(value) and low <= value[0] and value[1] <= high,
                f'a list [low, high] of two numbers with low <= high, from {low:g} to {high:g}')


number_pair = Rule(_pair, 'a list [low, high] of two numbers with low <= high')
positive = Rule(lambda value: value > 0, 'a number > 0')
non_negative = Rule(lambda value: value >= 0, 'a number >= 0')
non_empty = Rule(lambda value: len(value) > 0, 'a non-empty value')


def list_of(kind: type, *, allow_empty: bool = True) -> Rule:
    """Accept lists whose items are all of `kind` (numbers finite)."""
    def accepts(value: Any) -> bool:
        return all(_kind_matches(item, kind) and number_problem(item, kind) is None
                   for item in value) and (allow_empty or bool(value))
    what = 'list' if allow_empty else 'non-empty list'
    return Rule(accepts, f'a {what} of {_TYPE_NAMES.get(kind, kind.__name__)} items')
