"""Configuration YAML read with bounds checked before and while parsing.

A profile or the canonical specification is user input: a file of gigabytes, a 20,000-deep
nesting (RecursionError in PyYAML's recursive composer) or an alias bomb ("billion laughs":
a few hundred bytes that expand to billions of nodes) must fail fast with one problem, not
with a traceback, minutes of CPU or gigabytes of memory. `read_bytes` reads at most
`max_bytes` (+1 to notice more); `parse` composes with a SafeLoader whose composer counts
depth, aliases and the expanded size of every node as it goes (nodes shared through aliases
count once per use), and refuses recursive aliases and keys given twice in one mapping.
Every failure is a `ConfigError` of the caller's kind carrying one `Problem` at '<file>'.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.error import Mark
from yaml.nodes import MappingNode, Node, ScalarNode

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
    """One YAML document, composed within `limits`; `error` with the reason and place."""
    loader = _BoundedLoader(text, limits)
    try:
        return loader.get_single_data()
    except yaml.YAMLError as err:
        raise error([_problem(source, f'a readable YAML file ({_reason(err)})')]) from err
    except (ValueError, OverflowError) as err:  # e.g. a date 2024-13-45, a 5000-digit int
        raise error([_problem(source, f'a readable YAML file, valid values ({err})')]) from err
    finally:
        loader.dispose()


def _problem(source: str | os.PathLike[str], expected: str) -> Problem:
    return Problem(str(source), '<file>', MISSING, expected)


def _reason(err: yaml.YAMLError) -> str:
    mark = getattr(err, 'problem_mark', None)
    where = f' at line {mark.line + 1}, column {mark.column + 1}' if mark else ''
    return f"{getattr(err, 'problem', None) or type(err).__name__}{where}"


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader whose composer stops at the first bound a document exceeds."""

    def __init__(self, text: bytes | str, limits: YamlLimits) -> None:
        super().__init__(text)
        self.limits = limits
        self.depth = 0
        self.aliases = 0
        self.expanded: dict[int, int] = {}  # id(node) -> expanded size, once it is complete

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        """Compose one node (PyYAML's recursion point), counting what it costs."""
        if self.check_event(yaml.AliasEvent):
            return self._alias(parent, index)
        self.depth += 1
        if self.depth > self.limits.max_depth:
            self._refuse(f'at most {self.limits.max_depth} levels of nesting')
        node = super().compose_node(parent, index)
        self.depth -= 1
        if node is None:
            return None
        if isinstance(node, MappingNode):
            _check_unique_keys(node)
        size = self._size(node)
        if size > self.limits.max_expanded:
            self._refuse(f'at most {self.limits.max_expanded} values and characters once '
                         'aliases are expanded', node.start_mark)
        self.expanded[id(node)] = size
        return node

    def _alias(self, parent: Node | None, index: int) -> Node | None:
        self.aliases += 1
        if self.aliases > self.limits.max_aliases:
            self._refuse(f'at most {self.limits.max_aliases} aliases')
        mark = self._mark()
        node = super().compose_node(parent, index)
        if node is not None and id(node) not in self.expanded:
            raise ComposerError(None, None, 'an alias to a complete node (this one refers '
                                'to a node that contains it)', mark)
        return node

    def _size(self, node: Node) -> int:
        if isinstance(node, ScalarNode):
            return 1 + len(node.value)
        children = [child for pair in node.value for child in pair] \
            if isinstance(node, MappingNode) else node.value
        return 1 + sum(self.expanded[id(child)] for child in children)

    def _refuse(self, expected: str, mark: Mark | None = None) -> None:
        raise ComposerError(None, None, expected, mark or self._mark())

    def _mark(self) -> Mark | None:
        # check_event has just peeked: current_event is the event about to be composed.
        event = self.current_event
        return None if event is None else event.start_mark


def _check_unique_keys(node: MappingNode) -> None:
    seen: set[tuple[str, str]] = set()
    for key, _ in node.value:
        if isinstance(key, ScalarNode) and key.tag != 'tag:yaml.org,2002:merge':
            if (key.tag, key.value) in seen:
                raise ComposerError(None, None, f'each key once in a mapping ({key.value!r} '
                                    'is given twice)', key.start_mark)
            seen.add((key.tag, key.value))


def load_document(path: str | os.PathLike[str], error: type[ConfigError]) -> Any:
    """The parsed document of a file, within the default limits."""
    return load_yaml(path, error)[0]
