"""What each reliability case ended in, and the table the suite prints at the end.

A case is one damaged input or one interruption, replayed against the real command or node.
Its outcome is judged from outside the code under test: the exit status and what was printed,
the files left on disk (hashed before and after), the values a dataset holds (against physical
bounds no humanoid joint reaches), the targets a bridge sent (against the profile's limits).
"""

from __future__ import annotations

from dataclasses import dataclass

CLEAR_ERROR = 'clear error'  # non-zero exit, the last line printed is `error: ...`
HANDLED = 'handled'  # finished: exported with warnings / flags, or the bridge kept going
TRACEBACK = 'traceback'  # an exception escaped, or the process died of something unplanned


@dataclass(frozen=True)
class Outcome:
    """How one case ended."""

    family: str  # the row of the table: e.g. 'bit flips, mcap'
    case: str  # what exactly was done: e.g. 'seed 3: 64 bytes at offset 81920'
    result: str  # CLEAR_ERROR, HANDLED or TRACEBACK
    damaged: int = 0  # datasets half-written, changed by a failed run, or holding impossible data
    unsafe: int = 0  # targets sent to a robot outside the profile's limits or non-finite
    detail: str = ''  # the error line, or why the case counts as damaged / unsafe


OUTCOMES: list[Outcome] = []


def record(outcome: Outcome) -> Outcome:
    """Keep the outcome for the table; return it for the test's own assertions."""
    OUTCOMES.append(outcome)
    return outcome


def table(outcomes: list[Outcome]) -> str:
    """The Markdown table of outcomes, one row per family and a total."""
    families: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        families.setdefault(outcome.family, []).append(outcome)
    header = ('| case family | cases | clear errors | handled | tracebacks | datasets damaged '
              '| unsafe commands |')
    rows = [header, '|---|---:|---:|---:|---:|---:|---:|']
    for family, group in [*families.items(), ('**total**', outcomes)]:
        rows.append(_row(family, group))
    return '\n'.join(rows)


def _row(family: str, group: list[Outcome]) -> str:
    def count(result: str) -> int:
        return sum(outcome.result == result for outcome in group)

    damaged = sum(outcome.damaged for outcome in group)
    unsafe = sum(outcome.unsafe for outcome in group)
    return (f'| {family} | {len(group)} | {count(CLEAR_ERROR)} | {count(HANDLED)} '
            f'| {count(TRACEBACK)} | {damaged} | {unsafe} |')


def problems(outcome: Outcome) -> str:
    """Why an outcome fails its test ('' when it is fine)."""
    if outcome.result == TRACEBACK or outcome.damaged or outcome.unsafe:
        return f'{outcome.family}: {outcome.case}: {outcome.result}: {outcome.detail}'
    return ''
