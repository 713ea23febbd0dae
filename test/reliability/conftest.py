"""The reliability suite prints its table of outcomes at the end of the run (with -v, every
case that did not simply finish, and what it said)."""

from __future__ import annotations

import pytest
from reliability.outcomes import HANDLED, OUTCOMES, table
from ros_fixtures import ros_node, start_process

__all__ = ['ros_node', 'start_process']


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter,
                            config: pytest.Config) -> None:
    if not OUTCOMES:
        return
    terminalreporter.section('reliability: every case replayed')
    terminalreporter.write_line(table(OUTCOMES))
    if config.option.verbose > 0:
        for outcome in OUTCOMES:
            if outcome.result != HANDLED or outcome.damaged or outcome.unsafe:
                terminalreporter.write_line(
                    f'{outcome.family}: {outcome.case}: {outcome.result}: {outcome.detail}')
