"""Seeded mutations of the shipped profiles, each knowing whether the checker must refuse it.

The knowledge comes from the mutation itself, not from the checker: a NaN, an infinity or a
number beyond any robot anywhere, a value of another type, a slot or name given twice, a slot
past the message, a default gain above the maximum the mutation itself wrote, the damping of
the safe command above every damping maximum, an unknown key, hostile YAML: refused. Other
changes (a negative or zero number, a changed value, a deleted key, swapped slots, cut or
flipped bytes) may or may not be fine: then the checker decides, and an accepted profile must
run safely (test/reliability/test_mutated_profiles.py, test/ros/test_profile_fuzz_bridge.py).
"""

from __future__ import annotations

import copy
import json
import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from interop_bridge.profile import load_profile, shipped_profiles

Where = tuple[Any, ...]  # keys and list indices from the document root
SEED = 13


@dataclass(frozen=True)
class Mutation:
    """One mutated profile: what was done, whether it must be refused, the file's text."""

    base: str
    what: str
    must_reject: bool
    raw: Any = None  # the mutated document (None for mutations of the text)
    text: bytes | None = None

    def write(self, directory: Path, number: int) -> Path:
        """The mutated profile as a file named after its base (so `name` still matches)."""
        folder = directory / f'm{number:04d}'
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f'{self.base}.yaml'
        path.write_bytes(as_yaml(self.raw) if self.text is None else self.text)
        return path


NON_FINITE = {'nan': '.nan', 'inf': '.inf', '-inf': '-.inf'}


def as_yaml(raw: Any) -> bytes:
    """A document as YAML, fast: JSON (a YAML subset) with YAML's spelling of NaN and inf."""
    def spell(node: Any) -> Any:
        if isinstance(node, dict):
            return {key: spell(value) for key, value in node.items()}
        if isinstance(node, list):
            return [spell(value) for value in node]
        if isinstance(node, float) and not math.isfinite(node):
            return f'@{node}@'
        return node
    text = json.dumps(spell(raw))
    for name, spelled in NON_FINITE.items():
        text = text.replace(f'"@{name}@"', spelled)
    return text.encode()


def leaves(node: Any, where: Where = ()) -> Iterator[tuple[Where, Any]]:
    """Every scalar of a document with its place."""
    items = node.items() if isinstance(node, dict) else \
        enumerate(node) if isinstance(node, list) else None
    if items is None:
        yield where, node
        return
    for key, value in items:
        yield from leaves(value, (*where, key))


def place(where: Where) -> str:
    return '.'.join(str(part) for part in where)


def _set(raw: Any, where: Where, value: Any) -> None:
    for part in where[:-1]:
        raw = raw[part]
    raw[where[-1]] = value


def _delete(raw: Any, where: Where) -> None:
    for part in where[:-1]:
        raw = raw[part]
    del raw[where[-1]]


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# ----- document mutations: (rng, raw) -> (what, must_reject), changing raw ---------------------

def _numbers(raw: Any) -> list[tuple[Where, Any]]:
    return [(where, value) for where, value in leaves(raw) if is_number(value)]


def non_finite(rng: random.Random, raw: Any) -> tuple[str, bool]:
    where, _ = rng.choice(_numbers(raw))
    value = rng.choice([math.nan, math.inf, -math.inf])
    _set(raw, where, value)
    return f'{place(where)} = {value}', True


def huge(rng: random.Random, raw: Any) -> tuple[str, bool]:
    where, _ = rng.choice(_numbers(raw))
    value = rng.choice([1e300, -1e300, 10**40, 1e12])
    _set(raw, where, value)
    return f'{place(where)} = {value:g}', True


def odd_number(rng: random.Random, raw: Any) -> tuple[str, bool]:
    where, old = rng.choice(_numbers(raw))
    value = rng.choice([0, 0.0, -abs(old) - 1, -old, old * rng.uniform(0.1, 3.0), old + 1,
                        1e-9, 2])
    _set(raw, where, value)
    return f'{place(where)} = {value!r} (was {old!r})', False


def wrong_type(rng: random.Random, raw: Any) -> tuple[str, bool]:
    where, old = rng.choice(list(leaves(raw)))
    kinds: dict[type, list[Any]] = {
        str: [7, 1.5, True, [], {'a': 1}], bool: ['yes', 1, [1]],
        int: ['3', True, [3], {'v': 3}], float: ['1.0', False, [1.0]]}
    value = rng.choice(kinds.get(type(old), ['x', 3, True]))
    _set(raw, where, value)
    return f'{place(where)} = {value!r} (was {old!r})', True


def delete_key(rng: random.Random, raw: Any) -> tuple[str, bool]:
    where, _ = rng.choice([(where, value) for where, value in leaves(raw)
                           if isinstance(where[-1], str)])
    target = where[:rng.randrange(1, len(where) + 1)]
    _delete(raw, target)
    return f'deleted {place(target)}', False


def unknown_key(rng: random.Random, raw: Any) -> tuple[str, bool]:
    sections = [raw, *(value for value in raw.values() if isinstance(value, dict)),
                *(entry for entry in raw['joints'])]
    rng.choice(sections)['colour'] = 'red'
    return 'an unknown key colour', True


def duplicate_entry(rng: random.Random, raw: Any) -> tuple[str, bool]:
    section = rng.choice([name for name in ('joints', 'extra', 'grippers', 'wrenches')
                          if raw.get(name)])
    raw[section].append(dict(rng.choice(raw[section])))
    return f'{section}: an entry twice', True


def _two_joints(rng: random.Random, raw: Any, key: str) -> tuple[dict[str, Any], dict[str, Any]]:
    first, second = rng.sample(raw['joints'], 2)
    if first[key] == second[key]:
        msg = f'shipped joints share {key} {first[key]!r}'
        raise AssertionError(msg)
    return first, second


def same_native_name(rng: random.Random, raw: Any) -> tuple[str, bool]:
    first, second = _two_joints(rng, raw, 'native_name')
    second['native_name'] = first['native_name']
    return f"native_name {first['native_name']} twice", True


def same_source(rng: random.Random, raw: Any) -> tuple[str, bool]:
    first, second = _two_joints(rng, raw, 'source')
    second['source'] = first['source']
    return f"source {first['source']} twice", True


def swap_sources(rng: random.Random, raw: Any) -> tuple[str, bool]:
    first, second = _two_joints(rng, raw, 'source')
    first['source'], second['source'] = second['source'], first['source']
    return f"sources of {first['canonical']} and {second['canonical']} swapped", False


def slot_count(rng: random.Random, raw: Any) -> tuple[str, bool]:
    section, key = ('unitree', 'motor_slots') if 'unitree' in raw else \
        ('booster', 'motor_count') if 'booster' in raw else ('', '')
    if not section:
        return same_source(rng, raw)
    raw[section][key] = rng.choice([10**9, 2**31, 5000])
    return f'{section}.{key} = {raw[section][key]}', True


def weight_slot(rng: random.Random, raw: Any) -> tuple[str, bool]:
    if 'unitree' not in raw:
        return same_native_name(rng, raw)
    slots = raw['unitree']['motor_slots']
    used = {entry['source'] for name in ('joints', 'extra', 'grippers')
            for entry in raw.get(name, [])}
    free = sorted(set(range(slots)) - used)
    slot, must = rng.choice([(rng.choice(sorted(used)), True), (slots, True),
                             (slots + 60, True), (-2, True), (rng.choice(free), False)])
    raw['unitree']['weight_slot'] = slot
    return f'unitree.weight_slot = {slot}', must


def default_above_max(rng: random.Random, raw: Any) -> tuple[str, bool]:
    joint = rng.choice(raw['joints'])
    gain = rng.choice(['stiffness', 'damping'])
    maximum = round(rng.uniform(1.0, 9.0), 3)
    joint[f'{gain}_max'] = maximum
    joint[gain] = maximum + rng.choice([0.001, 1.0, 50.0])
    return f"{joint['canonical']}.{gain} {joint[gain]} above its maximum {maximum}", True


def damping_above_every_max(rng: random.Random, raw: Any) -> tuple[str, bool]:
    maximum = round(rng.uniform(0.5, 5.0), 3)
    for joint in raw['joints']:
        joint['damping_max'] = maximum
        joint['damping'] = min(joint.get('damping', 0.0), maximum)
    raw['command']['timeout_damping'] = maximum + rng.choice([0.01, 1.0])
    return f"timeout_damping {raw['command']['timeout_damping']} above damping_max " \
        f'{maximum}', True


DOCUMENT_MUTATIONS: dict[Callable[[random.Random, Any], tuple[str, bool]], int] = {
    non_finite: 6, huge: 4, odd_number: 12, wrong_type: 5, delete_key: 5, unknown_key: 1,
    duplicate_entry: 2, same_native_name: 1, same_source: 1, swap_sources: 3,
    slot_count: 1, weight_slot: 3, default_above_max: 2, damping_above_every_max: 1}


# ----- text mutations: hostile YAML, cut or flipped bytes ----------------------------------------

def _bomb(levels: int = 9) -> bytes:
    lines = ['l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]']
    lines += [f'l{n}: &l{n} [' + ', '.join([f'*l{n - 1}'] * 9) + ']' for n in range(1, levels)]
    return ('\n'.join(lines) + '\n').encode()


def text_mutation(rng: random.Random, text: bytes) -> tuple[str, bool, bytes]:
    """One mutation of a profile's bytes: (what, must_reject, new bytes)."""
    kind = rng.choice(['deep', 'bomb', 'big', 'twice', 'cut', 'flip', 'recursive'])
    if kind == 'deep':
        return 'nested 20,000 deep', True, b'joints: ' + b'[' * 20_000 + b']' * 20_000
    if kind == 'bomb':
        return 'alias bomb', True, text + _bomb()
    if kind == 'big':
        return 'a 2 MiB description', True, text + b'extra_text: "' + b'x' * (2 << 20) + b'"\n'
    if kind == 'twice':
        return 'the key vendor twice', True, text + b'vendor: other\n'
    if kind == 'recursive':
        return 'a recursive alias', True, text + b'loop: &loop [*loop]\n'
    if kind == 'cut':
        at = rng.randrange(len(text))
        return f'cut at byte {at}', False, text[:at]
    flipped = bytearray(text)
    for _ in range(rng.randint(1, 8)):
        flipped[rng.randrange(len(flipped))] = rng.randrange(256)
    return 'bytes flipped', False, bytes(flipped)


def mutations(seed: int, count: int) -> list[Mutation]:
    """`count` seeded mutations over the shipped profiles, one to three changes each."""
    rng = random.Random(seed)
    bases = shipped_profiles()
    texts = {base: Path(load_profile(base).source_file).read_bytes() for base in bases}
    documents = {base: yaml.load(text, Loader=yaml.CSafeLoader) for base, text in texts.items()}
    found = []
    operators, weights = zip(*DOCUMENT_MUTATIONS.items())
    for _ in range(count):
        base = rng.choice(bases)
        if rng.random() < 0.12:
            what, must, text = text_mutation(rng, texts[base])
            found.append(Mutation(base, what, must, text=text))
            continue
        raw = copy.deepcopy(documents[base])
        done = [_apply(operator, rng, raw) for operator in
                rng.choices(operators, weights, k=rng.choice([1, 1, 1, 1, 2, 3]))]
        found.append(Mutation(base, '; '.join(what for what, _ in done),
                              any(must for _, must in done), raw=raw))
    return found


def _apply(operator: Callable[[random.Random, Any], tuple[str, bool]], rng: random.Random,
           raw: Any) -> tuple[str, bool]:
    """One mutation; one that no longer fits an earlier one's result changes what it did so
    far and claims nothing (the checker decides; an accepted result must still be safe)."""
    try:
        return operator(rng, raw)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError, AssertionError):
        return f'{operator.__name__} (did not fit)', False
