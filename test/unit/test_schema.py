"""Declared keys check types, defaults, unknown keys and custom checks, collecting problems."""

from __future__ import annotations

from interop_bridge.schema import (
    Key, Reader, describe_keys, list_of, number_pair, one_of, positive, read_section)

KEYS = (
    Key('name', str, 'what it is called'),
    Key('rate', float, 'samples per second', default=500.0, check=positive),
    Key('mode', str, 'how it runs', default='hold', check=one_of('hold', 'damp')),
    Key('limits', list, 'low and high', default=[-1.0, 1.0], check=number_pair),
    Key('tags', list, 'labels', default=[], check=list_of(str)),
)


def read(raw):
    reader = Reader('robot.yaml')
    return read_section(raw, KEYS, reader, 'bridge'), [str(p) for p in reader.problems]


def test_defaults_fill_missing_optional_keys_and_ints_become_floats():
    values, problems = read({'name': 'g1', 'rate': 1000})
    assert problems == []
    assert values == {'name': 'g1', 'rate': 1000.0, 'mode': 'hold', 'limits': [-1.0, 1.0],
                      'tags': []}
    assert isinstance(values['rate'], float)


def test_every_problem_is_collected_with_file_path_value_and_expectation():
    _, problems = read({'rate': -5, 'mode': 'off', 'limits': [2, 1], 'tags': [3], 'colour': 1})
    assert problems == [
        "robot.yaml: bridge.colour: got 1, expected no such key (allowed: limits, mode, name, "
        "rate, tags)",
        'robot.yaml: bridge.name: got nothing (key missing), expected string: what it is called',
        'robot.yaml: bridge.rate: got -5, expected a number > 0',
        "robot.yaml: bridge.mode: got 'off', expected one of ['hold', 'damp']",
        'robot.yaml: bridge.limits: got [2, 1], expected a list [low, high] of two numbers '
        'with low <= high',
        'robot.yaml: bridge.tags: got [3], expected a list of string items',
    ]


def test_a_boolean_is_not_accepted_as_a_number():
    _, problems = read({'name': 'g1', 'rate': True})
    assert problems == ['robot.yaml: bridge.rate: got True, expected number: samples per second']


def test_a_section_that_is_not_a_mapping_is_one_problem():
    values, problems = read(['name'])
    assert values == {}
    assert problems == ["robot.yaml: bridge: got ['name'], expected a mapping"]


def test_describe_keys_renders_a_markdown_row_per_key():
    table = describe_keys(KEYS)
    assert table.splitlines()[0] == '| key | type | default | meaning |'
    assert '| `name` | string | required | what it is called |' in table
    assert "| `mode` | string | `'hold'` | how it runs |" in table
