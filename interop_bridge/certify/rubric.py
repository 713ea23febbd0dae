"""The rubric: which checks certify a dataset, and how their results map to a level.

RUBRIC_VERSION changes with the rubric (semver): a new check or a stricter threshold is a
minor version, a check removed or a level's meaning changed is a major one. A certificate
names the rubric version it was graded with.

Levels (model.LEVELS) are cumulative: a level holds when every fail-severity check at that
level and below passed (a skipped check counts as passed, a check without a result as
failed). Warn-severity checks are reported and never block.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping, Sequence

from interop_bridge.certify.model import (GROUPS, LEVELS, SEVERITIES, Check, CheckResult,
                                          CheckSpec)
from interop_bridge.errors import CertifyError

RUBRIC_VERSION = '0.2.0'  # 0.2.0: physics.hand_closure_range, physics.tactile_frozen
# The check modules of interop_bridge.certify, in report order; each has checks().
MODULES = ('checks_format', 'checks_time', 'checks_physics', 'checks_control',
           'checks_video', 'checks_episodes', 'checks_provenance')
LEVEL_MEANING = {
    'format': 'the files are what LeRobot v3.0 loaders expect (everything `interop validate` '
              'checks)',
    'timing': 'format, and every stream is on its grid: no gaps, jitter, skew or '
              'non-monotonic stamps beyond the thresholds',
    'physical': 'timing, and the values are physically possible for the robot: inside its '
                "profile's limits, consistent derivatives, IMU physics",
    'training-ready': 'physical, and the episodes are usable for training and traceable: '
                      'commands tracked, no idle or duplicate episodes, clean video, '
                      'provenance recorded',
}


def all_checks() -> list[Check]:
    """Fresh checks of every module of the rubric; CertifyError on a duplicate id."""
    found: list[Check] = []
    for name in MODULES:
        module = importlib.import_module(f'interop_bridge.certify.{name}')
        found.extend(module.checks())
    ids = [check.spec.id for check in found]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        msg = f'rubric {RUBRIC_VERSION}: check ids declared twice: {", ".join(duplicates)}'
        raise CertifyError(msg)
    return found


def all_specs() -> list[CheckSpec]:
    """The declarations of every check of the rubric, in report order."""
    return [check.spec for check in all_checks()]


def spec_problems(specs: Iterable[CheckSpec]) -> list[str]:
    """What is wrong with the declarations: unknown group, severity or level, id not in group."""
    problems = []
    for spec in specs:
        if spec.group not in GROUPS:
            problems.append(f'{spec.id}: group {spec.group!r} not one of {GROUPS}')
        if not spec.id.startswith(f'{spec.group}.'):
            problems.append(f'{spec.id}: id does not start with its group {spec.group!r}')
        if spec.severity not in SEVERITIES:
            problems.append(f'{spec.id}: severity {spec.severity!r} not one of {SEVERITIES}')
        if spec.level not in LEVELS:
            problems.append(f'{spec.id}: level {spec.level!r} not one of {LEVELS}')
        for name in ('measures', 'threshold', 'answers'):
            if not getattr(spec, name).strip():
                problems.append(f'{spec.id}: {name} is empty')
    return problems


def counts_as_passed(result: CheckResult | None) -> bool:
    """Passed or skipped; a missing result does not count."""
    return result is not None and (result.passed or result.skipped)


def failed_at(level: str, results: Sequence[CheckResult],
              specs: Iterable[CheckSpec]) -> list[str]:
    """The fail-severity checks declared at `level` that did not pass."""
    by_id: Mapping[str, CheckResult] = {result.check_id: result for result in results}
    return [spec.id for spec in specs if spec.level == level and spec.severity == 'fail'
            and not counts_as_passed(by_id.get(spec.id))]


def level_reached(results: Sequence[CheckResult], specs: Sequence[CheckSpec]
                  ) -> tuple[str | None, list[str]]:
    """(the highest level that holds or None, the failed fail-severity checks of the next).

    The blocking list is empty when the highest level holds.
    """
    reached: str | None = None
    for level in LEVELS:
        failed = failed_at(level, results, specs)
        if failed:
            return reached, failed
        reached = level
    return reached, []


def blocking_up_to(level: str, results: Sequence[CheckResult],
                   specs: Sequence[CheckSpec]) -> list[str]:
    """Every failed fail-severity check at `level` and below (what keeps `level` from holding)."""
    if level not in LEVELS:
        msg = f'level {level!r}, expected one of {", ".join(LEVELS)}'
        raise CertifyError(msg)
    wanted = LEVELS[:LEVELS.index(level) + 1]
    return [check for each in wanted for check in failed_at(each, results, specs)]


def holds(level: str | None, required: str) -> bool:
    """Whether reaching `level` satisfies `required`."""
    return level is not None and LEVELS.index(level) >= LEVELS.index(required)
