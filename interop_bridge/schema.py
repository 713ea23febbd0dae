"""Declared configuration keys: type, default, meaning and check, declared once per key.

A configuration section is a tuple of `Key`s. `read_section` checks one mapping against it,
collects every problem (unknown keys, missing keys, wrong types, failed checks) into a shared
list instead of stopping at the first, and returns the values with defaults filled in. The
same declarations render the reference tables of the docs (`describe_keys`), so checks and
documentation cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from interop_bridge.errors import MISSING, Problem

# A check returns None when the value is fine, or what was expected instead.
Check = Callable[[Any], 'str | None']

REQUIRED: Any = MISSING


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
        """Record one problem."""
        self.problems.append(Problem(self.source, key_path, value, expected))


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
        expected = key.check(value) if key.check else None
        if expected:
            reader.report(key_path, value, expected)
            continue
        values[key.name] = float(value) if key.kind is float else value
    return values


def _join(path: str, name: str) -> str:
    return f'{path}.{name}' if path else name


def describe_keys(keys: Sequence[Key]) -> str:
    """Render declared keys as a Markdown table (key, type, default, meaning)."""
    lines = ['| key | type | default | meaning |', '|---|---|---|---|']
    for key in keys:
        default = 'required' if key.required else f'`{key.default!r}`'
        lines.append(f'| `{key.name}` | {key.type_name} | {default} | {key.meaning} |')
    return '\n'.join(lines)


# ----- reusable checks -----------------------------------------------------------------------

def one_of(*choices: str) -> Check:
    """Accept only the given strings."""
    def check(value: Any) -> str | None:
        return None if value in choices else f'one of {list(choices)}'
    return check


def number_pair(value: Any) -> str | None:
    """Accept [low, high] with low <= high."""
    ok = (isinstance(value, list) and len(value) == 2
          and all(_kind_matches(item, float) for item in value) and value[0] <= value[1])
    return None if ok else 'a list [low, high] of two numbers with low <= high'


def positive(value: Any) -> str | None:
    """Accept numbers > 0."""
    return None if value > 0 else 'a number > 0'


def non_negative(value: Any) -> str | None:
    """Accept numbers >= 0."""
    return None if value >= 0 else 'a number >= 0'


def non_empty(value: Any) -> str | None:
    """Accept non-empty strings and lists."""
    return None if len(value) > 0 else 'a non-empty value'


def list_of(kind: type, *, allow_empty: bool = True) -> Check:
    """Accept lists whose items are all of `kind`."""
    def check(value: Any) -> str | None:
        ok = all(_kind_matches(item, kind) for item in value) and (allow_empty or value)
        what = 'list' if allow_empty else 'non-empty list'
        return None if ok else f'a {what} of {_TYPE_NAMES.get(kind, kind.__name__)} items'
    return check
