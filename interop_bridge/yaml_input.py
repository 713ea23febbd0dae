"""Configuration YAML read with bounds checked before and while parsing.

A profile or the canonical specification is user input: a file of gigabytes, a 20,000-deep
nesting (RecursionError in PyYAML's recursive composer) or an alias bomb ("billion laughs":
a few hundred bytes that expand to billions of nodes) must fail fast with one problem, not
with a traceback, minutes of CPU or gigabytes of memory. `read_bytes` reads at most
`max_bytes` (+1 to notice more). `parse` first walks the parser's events (no document is
built): depth, alias uses, and the expanded size of every node (an alias counts the whole
node it names, every time), refusing recursive aliases and a key given twice in one mapping;
only a document within every bound is then loaded (SafeLoader, libyaml's when available).
Every failure is a `ConfigError` of the caller's kind carrying one `Problem` at '<file>'.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.composer import ComposerError

from interop_bridge.errors import MISSING, ConfigError, Problem


@dataclass(frozen=True)
class YamlLimits:
    """Bounds on one configuration file."""

    max_bytes: int = 1 << 20  # 1 MiB; shipped profiles are about 10 KB
    max_depth: int = 32  # profiles nest 4 deep
    max_aliases: int = 1000  # alias uses (*name) in the file
    max_expanded: int = 4 << 20  # scalar characters + nodes, every alias use expanded


LIMITS = YamlLimits()


def load_yaml(path: str | os.PathLike[str], error: type[ConfigError],
              limits: YamlLimits = LIMITS) -> tuple[Any, bytes]:
    """The parsed document of a file and its bytes; `error` with one problem otherwise."""
    text = read_bytes(path, error, limits)
    return parse(text, str(path), error, limits), text


def read_bytes(path: str | os.PathLike[str], error: type[ConfigError],
               limits: YamlLimits = LIMITS) -> bytes:
    """At most `limits.max_bytes` of a file; `error` when it is larger or unreadable."""
    try:
        with open(path, 'rb') as stream:
            text = stream.read(limits.max_bytes + 1)
    except OSError as err:
        raise error([_problem(path, f'a readable file ({err.strerror or err})')]) from err
    if len(text) > limits.max_bytes:
        raise error([_problem(path, f'a file of at most {limits.max_bytes} bytes (it is '
                              'larger): nothing was parsed')])
    return text


def parse(text: bytes | str, source: str, error: type[ConfigError],
          limits: YamlLimits = LIMITS) -> Any:
    """One YAML document, checked against `limits` first; `error` with the reason and place."""
    try:
        _Budget(limits).walk(yaml.parse(text, Loader=_LOADER))
        return yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as err:
        raise error([_problem(source, f'a readable YAML file ({_reason(err)})')]) from err
    except (ValueError, OverflowError) as err:  # e.g. a date 2024-13-45, a 5000-digit int
        raise error([_problem(source, f'a readable YAML file, valid values ({err})')]) from err


def load_document(path: str | os.PathLike[str], error: type[ConfigError]) -> Any:
    """The parsed document of a file, within the default limits."""
    return load_yaml(path, error)[0]


_LOADER: Any = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)
MERGE_KEY = '<<'


def _problem(source: str | os.PathLike[str], expected: str) -> Problem:
    return Problem(str(source), '<file>', MISSING, expected)


def _reason(err: yaml.YAMLError) -> str:
    mark = getattr(err, 'problem_mark', None)
    where = f' at line {mark.line + 1}, column {mark.column + 1}' if mark else ''
    return f"{getattr(err, 'problem', None) or type(err).__name__}{where}"


@dataclass
class _Open:
    """A collection being parsed."""

    anchor: str | None
    mapping: bool
    size: int = 1
    at_key: bool = True  # mappings: the next node is a key
    keys: set[tuple[str | None, bool, str]] = field(default_factory=set)


@dataclass
class _Budget:
    """What a document costs so far, event by event."""

    limits: YamlLimits
    stack: list[_Open] = field(default_factory=list)
    anchors: dict[str, int | None] = field(default_factory=dict)  # None: still open
    aliases: int = 0

    def walk(self, events: Iterable[yaml.Event]) -> None:
        """Refuse (ComposerError) at the first event past a bound."""
        for event in events:
            if isinstance(event, yaml.ScalarEvent):
                self._scalar(event)
            elif isinstance(event, yaml.AliasEvent):
                self._alias(event)
            elif isinstance(event, yaml.CollectionStartEvent):
                self._start(event)
            elif isinstance(event, yaml.CollectionEndEvent):
                self._end(event)

    def _scalar(self, event: yaml.ScalarEvent) -> None:
        parent = self._node(event)
        if parent is not None and parent.mapping and not parent.at_key:  # it was a key
            self._key(parent, event)
        self._add(1 + len(event.value), event.anchor, event)

    def _alias(self, event: yaml.AliasEvent) -> None:
        self._node(event)
        self.aliases += 1
        if self.aliases > self.limits.max_aliases:
            _refuse(f'at most {self.limits.max_aliases} aliases', event.start_mark)
        size = self.anchors.get(str(event.anchor), 0)  # 0: undefined, the loader says so
        if size is None:
            _refuse('an alias to a complete node (this one refers to a node that contains '
                    'it)', event.start_mark)
        self._add(size or 0, None, event)

    def _start(self, event: yaml.CollectionStartEvent) -> None:
        self._node(event)
        if len(self.stack) >= self.limits.max_depth:
            _refuse(f'at most {self.limits.max_depth} levels of nesting', event.start_mark)
        if event.anchor is not None:
            self.anchors[event.anchor] = None
        self.stack.append(_Open(event.anchor, isinstance(event, yaml.MappingStartEvent)))

    def _end(self, event: yaml.CollectionEndEvent) -> None:
        done = self.stack.pop()
        self._add(done.size, done.anchor, event)

    def _node(self, event: yaml.Event) -> _Open | None:
        """The collection a node event belongs to; in a mapping, keys and values alternate."""
        parent = self.stack[-1] if self.stack else None
        if parent is not None and parent.mapping:
            parent.at_key = not parent.at_key
        return parent

    def _add(self, size: int, anchor: str | None, event: yaml.Event) -> None:
        if anchor is not None:
            self.anchors[anchor] = size
        if self.stack:
            self.stack[-1].size += size
            size = self.stack[-1].size
        if size > self.limits.max_expanded:
            _refuse(f'at most {self.limits.max_expanded} values and characters once aliases '
                    'are expanded', event.start_mark)

    @staticmethod
    def _key(parent: _Open, event: yaml.ScalarEvent) -> None:
        plain = bool(event.implicit and event.implicit[0]) and not event.style
        if plain and event.value == MERGE_KEY:
            return
        key = (event.tag, plain, event.value)
        if key in parent.keys:
            _refuse(f'each key once in a mapping ({event.value!r} is given twice)',
                    event.start_mark)
        parent.keys.add(key)


def _refuse(expected: str, mark: Any) -> None:  # a Mark of PyYAML's or of libyaml's
    raise ComposerError(None, None, expected, mark)
