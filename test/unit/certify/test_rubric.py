"""The rubric's declarations, and levels from hand-made results."""

from __future__ import annotations

import re

import pytest

from interop_bridge.certify.checks_format import check_id
from interop_bridge.certify.model import CheckResult, CheckSpec
from interop_bridge.certify.rubric import (RUBRIC_VERSION, all_checks, all_specs,
                                           blocking_up_to, level_reached, spec_problems)
from interop_bridge.dataset.validate import CHECKS
from interop_bridge.errors import CertifyError


def spec(check: str, level: str, severity: str = 'fail') -> CheckSpec:
    return CheckSpec(check, check.split('.')[0], 'm', 't', severity, level, 'a')


SPECS = [spec('format.a', 'format'), spec('time.b', 'timing'), spec('time.w', 'timing', 'warn'),
         spec('physics.c', 'physical'), spec('episodes.d', 'training-ready')]


def result(check: str, passed: bool, skipped: bool = False) -> CheckResult:
    return CheckResult(check, passed, None, '', '', skipped=skipped)


def results(failed: set[str] = frozenset(), skipped: set[str] = frozenset()
            ) -> list[CheckResult]:
    return [result(s.id, s.id not in failed, s.id in skipped) for s in SPECS]


def test_the_rubric_is_versioned_and_its_declarations_are_valid() -> None:
    assert re.fullmatch(r'\d+\.\d+\.\d+', RUBRIC_VERSION)
    specs = all_specs()
    assert spec_problems(specs) == []
    ids = [s.id for s in specs]
    assert len(ids) == len(set(ids))
    assert [check_id(name) for name, _, _ in CHECKS] == [i for i in ids if i.startswith('format.')]
    assert {'provenance.source_bags', 'provenance.profile', 'provenance.exporter',
            'provenance.resampling_report', 'provenance.units_declared'} <= set(ids)


def test_all_checks_are_fresh_objects_each_call() -> None:
    first, second = all_checks(), all_checks()
    assert all(a is not b for a, b in zip(first, second, strict=True))


def test_spec_problems_names_each_bad_field() -> None:
    bad = CheckSpec('physics.x', 'time', 'm', '', 'error', 'gold', 'a')
    assert spec_problems([bad]) == [
        "physics.x: id does not start with its group 'time'",
        "physics.x: severity 'error' not one of ('fail', 'warn')",
        "physics.x: level 'gold' not one of ('format', 'timing', 'physical', 'training-ready')",
        'physics.x: threshold is empty']


@pytest.mark.parametrize('failed, skipped, level, blocking', [
    (set(), set(), 'training-ready', []),
    ({'format.a'}, set(), None, ['format.a']),
    ({'time.b'}, set(), 'format', ['time.b']),
    ({'time.w'}, set(), 'training-ready', []),            # warn never blocks
    ({'physics.c', 'episodes.d'}, set(), 'timing', ['physics.c']),
    ({'time.b'}, {'time.b'}, 'training-ready', []),       # skipped counts as passed
    ({'episodes.d'}, set(), 'physical', ['episodes.d']),
])
def test_level_reached(failed: set[str], skipped: set[str], level: str | None,
                       blocking: list[str]) -> None:
    assert level_reached(results(failed, skipped), SPECS) == (level, blocking)


def test_a_check_without_a_result_does_not_pass() -> None:
    assert level_reached(results()[1:], SPECS) == (None, ['format.a'])


def test_blocking_up_to_a_level_lists_every_level_below_too() -> None:
    got = blocking_up_to('physical', results({'format.a', 'physics.c', 'episodes.d'}), SPECS)
    assert got == ['format.a', 'physics.c']
    with pytest.raises(CertifyError, match="level 'gold'"):
        blocking_up_to('gold', results(), SPECS)
