"""Declared keys check types, defaults, unknown keys and custom checks, collecting problems."""

from __future__ import annotations

import math

import pytest

from interop_bridge.commands.profiles import SECTIONS
from interop_bridge.schema import (
    INT_LIMIT, Key, Reader, between, describe_keys, list_of, number_pair, one_of, positive,
    read_section, shown)

KEYS = (
    Key('name', str, 'what it is called'),
    Key('count', int, 'how many', default=1),
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
    assert values == {'name': 'g1', 'count': 1, 'rate': 1000.0, 'mode': 'hold',
                      'limits': [-1.0, 1.0], 'tags': []}
    assert isinstance(values['rate'], float)


def test_every_problem_is_collected_with_file_path_value_and_expectation():
    _, problems = read({'rate': -5, 'mode': 'off', 'limits': [2, 1], 'tags': [3], 'colour': 1})
    assert problems == [
        "robot.yaml: bridge.colour: got 1, expected no such key (allowed: count, limits, mode, "
        "name, rate, tags)",
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
    assert table.splitlines()[0] == '| key | type | default | meaning | accepted |'
    assert '| `name` | string | required | what it is called |  |' in table
    assert "| `mode` | string | `'hold'` | how it runs | one of ['hold', 'damp'] |" in table
    assert '| `rate` | number | `500.0` | samples per second | a number > 0 |' in table


@pytest.mark.parametrize('value', [math.nan, math.inf, -math.inf, 10**320],
                         ids=['nan', 'inf', '-inf', 'beyond float range'])
def test_a_number_key_takes_only_finite_numbers_before_its_own_check(value):
    _, problems = read({'name': 'g1', 'rate': value})
    assert problems == [f'robot.yaml: bridge.rate: got {shown(value)!r}, expected a finite '
                        'number']


def test_an_integer_key_takes_32_bit_integers_only():
    assert read({'name': 'g1', 'count': INT_LIMIT})[1] == []
    _, problems = read({'name': 'g1', 'count': INT_LIMIT + 1})
    assert problems == [f'robot.yaml: bridge.count: got {INT_LIMIT + 1}, expected an integer '
                        f'from {-INT_LIMIT} to {INT_LIMIT}']


def test_non_finite_numbers_inside_lists_are_refused():
    _, problems = read({'name': 'g1', 'limits': [-math.inf, 1.0]})
    assert problems == ['robot.yaml: bridge.limits: got [-inf, 1.0], expected a list [low, '
                        'high] of two numbers with low <= high']
    keys = (Key('gains', list, 'gains', check=list_of(float)),)
    reader = Reader('robot.yaml')
    read_section({'gains': [1.0, math.nan]}, keys, reader, '')
    assert [problem.expected for problem in reader.problems] == ['a list of number items']


def test_between_states_its_range():
    assert between(0, 5, above=True)(0) == 'a number > 0 and <= 5'
    assert between(0, 5, above=True)(5) is None
    assert between(-1, 1)(1.5) == 'a number from -1 to 1'


def test_a_long_bad_value_is_shown_cut_with_its_length():
    _, problems = read({'name': 'g1', 'mode': 'x' * 1000})
    assert problems == [f"robot.yaml: bridge.mode: got '{'x' * 199}... (1002 characters), "
                        "expected one of ['hold', 'damp']"]


@pytest.mark.parametrize('title, keys', SECTIONS, ids=[title for title, _ in SECTIONS])
def test_every_declared_profile_default_passes_its_own_check(title, keys):
    reader = Reader('defaults')
    optional = [key for key in keys if not key.required]
    values = read_section({key.name: key.default for key in optional}, optional, reader, title)
    assert reader.problems == [] and set(values) == {key.name for key in optional}
