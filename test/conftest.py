"""Test-wide set-up: an isolated DDS domain per test run, the repository paths, and a safety net
that leaves no process behind.

Every process the tests start goes through test/process_groups.py (its own process group,
registered until reaped). Fixture finalizers end their processes; whatever they miss (a
pytest-timeout during teardown, an interrupted run) is killed and reaped when the session ends
(pytest_sessionfinish, and atexit for a run that never gets there). SIGTERM and SIGHUP to pytest
(a CI job's timeout, a closed terminal) interrupt it like Ctrl-C, so finalizers and the net run
then too; SIGKILL to pytest is the one way to leave processes behind.
"""

from __future__ import annotations

import atexit
import os
import random
import signal
from pathlib import Path
from typing import Any

import process_groups
import pytest

REPO = Path(__file__).resolve().parent.parent
INTERRUPTING_SIGNALS = (signal.SIGTERM, signal.SIGHUP)

# Each pytest run gets its own DDS domain, so parallel runs (or a running demo) never see
# each other's topics. Child processes inherit it through the environment.
os.environ.setdefault('ROS_DOMAIN_ID', str(random.Random(os.getpid()).randint(30, 99)))
# Test traffic stays on this machine, whatever the shell holds for a real robot (as
# scripts/test_env.sh): a test that needs the deployment settings gives them to the processes
# it starts (test/vendor_dds/deployment.py).
os.environ['ROS_AUTOMATIC_DISCOVERY_RANGE'] = 'LOCALHOST'
for _variable in ('FASTRTPS_DEFAULT_PROFILES_FILE', 'FASTDDS_DEFAULT_PROFILES_FILE',
                  'ROS_STATIC_PEERS'):
    os.environ.pop(_variable, None)

atexit.register(process_groups.end_all)
_previous_handlers: dict[int, Any] = {}


def _interrupt(signum: int, _frame: object) -> None:
    msg = f'pytest got {signal.Signals(signum).name}'
    raise KeyboardInterrupt(msg)


def pytest_configure(config: pytest.Config) -> None:
    for sig in INTERRUPTING_SIGNALS:
        _previous_handlers[sig] = signal.signal(sig, _interrupt)


def pytest_unconfigure(config: pytest.Config) -> None:
    for sig, handler in _previous_handlers.items():
        signal.signal(sig, handler)
    _previous_handlers.clear()


@pytest.hookimpl(trylast=True)  # after pytest's own teardown of the last fixtures
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    ended = process_groups.end_all()
    if ended:
        reporter = session.config.pluginmanager.get_plugin('terminalreporter')
        lines = '\n'.join(f'  {" ".join(argv)}' for argv in ended)
        message = f'killed {len(ended)} process(es) the tests left running:\n{lines}\n'
        if reporter is not None:
            reporter.write_line(message, yellow=True)
        else:
            print(message)
