"""Fuzzing the profile checker: hundreds of seeded mutations of the shipped profiles.

Each mutated file also goes through the real `interop check-profile`: a refused one is one
`error: ...` line (with the problems under it) and exit 1, never a traceback.

No mutation may end in a traceback (only ProfileError); every mutation that must be refused
(test/profile_mutations.py knows which, from what it broke) is; and every accepted profile
builds a BridgeCore that survives a state, a command inside the limits, a wild command and a
timeout, with every value it would send finite and inside the limits the profile file gives
(checked here in native units on the decoded wire message, from the profile's own numbers).
"""

from __future__ import annotations

import time
from collections import Counter

import numpy as np
import pytest
import vendor_messages as vm
from mutated_bridge import SPEC, N, inside_targets, native_state, unsafe_values
from profile_mutations import SEED, Mutation, mutations
from reliability.judging import run_cli
from reliability.outcomes import CLEAR_ERROR, HANDLED, TRACEBACK, Outcome, record

from interop_bridge.bridge_core import BridgeCore, command_from_arrays
from interop_bridge.errors import ProfileError
from interop_bridge.profile import Profile, load_profile

COUNT = 400


def wild_command(rng: np.random.Generator) -> object:
    return command_from_arrays(
        N, np.ones(N, dtype=bool), rng.uniform(-10, 10, N), rng.uniform(-1e4, 1e4, N),
        rng.uniform(-1e5, 1e5, N), np.where(rng.random(N) < 0.3, np.nan, rng.uniform(0, 1e5, N)),
        np.where(rng.random(N) < 0.3, np.nan, rng.uniform(0, 1e4, N)))


def inside_command(profile: Profile) -> object:
    return command_from_arrays(N, *inside_targets(profile), [], [], [], [])


def drive(profile: Profile, rng: np.random.Generator) -> list[str]:
    """Run a bridge core of an accepted profile; what went wrong (empty: safe)."""
    core = BridgeCore(profile, SPEC, vm.typestore().fielddefs)
    if core.on_state(native_state(profile), 0.0) is None:
        return [f'a state inside the limits refused: {core.health["state"].reasons}']
    first = core.on_command(inside_command(profile), 0.0)
    if first.payload is None:
        return [f'a command inside the limits refused: {first.outcome.rejected}']
    problems = unsafe_values(core, first.payload)
    wild = core.on_command(wild_command(rng), 0.001)
    if wild.payload is not None:
        problems += [f'wild command: {problem}' for problem in unsafe_values(core, wild.payload)]
    late = max(profile.command.timeout_s, profile.command.state_timeout_s) + 0.01
    safe = core.safe_command_due(late)
    if safe is None:
        return [*problems, 'no safe command after the timeout']
    return problems + [f'safe command: {problem}' for problem in unsafe_values(core, safe)]


def check(mutation: Mutation, path: str, rng: np.random.Generator) -> tuple[str, list[str]]:
    """'rejected' or 'accepted', and what is wrong with the outcome."""
    try:
        profile = load_profile(path)
    except ProfileError as err:
        sources = {problem.source for problem in err.problems}
        return 'rejected', [] if err.problems and sources == {path} else [f'problems {sources}']
    except Exception as err:  # noqa: BLE001 - a traceback is the finding
        return 'traceback', [f'{type(err).__name__}: {err}']
    problems = ['accepted, but it must be refused'] if mutation.must_reject else []
    try:
        return 'accepted', problems + drive(profile, rng)
    except Exception as err:  # noqa: BLE001
        return 'accepted', [*problems, f'bridge core: {type(err).__name__}: {err}']


RESULTS = {'rejected': CLEAR_ERROR, 'accepted': HANDLED, 'traceback': TRACEBACK}


def said_by_the_cli(path: str, outcome: str) -> list[str]:
    """What is wrong with what `interop check-profile PATH` said, given the loader's outcome."""
    checked = run_cli('check-profile', path)
    if checked.result() == TRACEBACK:
        return [f'check-profile: traceback: {checked.said()}']
    if (checked.returncode == 0) != (outcome == 'accepted'):
        return [f'check-profile exit {checked.returncode} for a profile {outcome}']
    return []


@pytest.mark.timeout(120)
def test_mutated_profiles_are_refused_or_run_safely(tmp_path, capsys):
    started = time.monotonic()
    rng = np.random.default_rng(SEED)
    outcomes: Counter[str] = Counter()
    wrong = []
    for number, mutation in enumerate(mutations(SEED, COUNT)):
        path = str(mutation.write(tmp_path, number))
        outcome, problems = check(mutation, path, rng)
        problems += said_by_the_cli(path, outcome)
        outcomes[outcome] += 1
        wrong += [f'{mutation.base}: {mutation.what}: {problem}' for problem in problems]
        record(Outcome('mutated profiles (check-profile, then a bridge core)',
                       f'{mutation.base}: {mutation.what}', RESULTS[outcome],
                       unsafe=sum('non-finite on the wire' in problem or 'outside [' in problem
                                  for problem in problems), detail='; '.join(problems)))
    elapsed = time.monotonic() - started
    with capsys.disabled():
        print(f'\nprofile fuzz (seed {SEED}): {COUNT} mutated, {outcomes["accepted"]} accepted, '
              f'{outcomes["rejected"]} rejected, {outcomes["traceback"]} tracebacks, '
              f'{elapsed:.1f} s')
    assert wrong == []
    assert outcomes['accepted'] >= COUNT // 10 and outcomes['rejected'] >= COUNT // 2


@pytest.mark.parametrize('number', range(3))
def test_the_fuzzer_is_seeded(number):
    first, second = mutations(SEED + number, 20), mutations(SEED + number, 20)
    assert [(m.what, m.must_reject) for m in first] == [(m.what, m.must_reject) for m in second]
