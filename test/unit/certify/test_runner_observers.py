"""run_checks(observers=...): fed every episode after the checks, in the same pass."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from interop_bridge.certify.checks_format import checks as format_checks
from interop_bridge.certify.model import DatasetInput, EpisodeData
from interop_bridge.certify.runner import run_checks, load_dataset_input
from interop_bridge.errors import CertifyError


@dataclass
class Recorder:
    seen: list[tuple[int, int]] = field(default_factory=list)
    fail: bool = False

    def episode(self, data: EpisodeData, dataset: DatasetInput) -> None:
        if self.fail:
            msg = 'observer bug'
            raise ZeroDivisionError(msg)
        self.seen.append((data.index, data.length))


def test_observers_see_every_episode_once_and_checks_still_grade(dataset: Path) -> None:
    first, second = Recorder(), Recorder()
    results = run_checks(load_dataset_input(dataset), format_checks(),
                         observers=(first, second))
    frames = round((2.8 - 0.2) * 30) + 1  # the physical bag's one episode
    assert first.seen == second.seen == [(0, frames)]
    assert all(result.passed for result in results)


def test_an_observer_error_stops_the_pass_naming_it_and_the_episode(dataset: Path) -> None:
    with pytest.raises(CertifyError, match='^Recorder failed on episode 0: '
                       'ZeroDivisionError: observer bug$') as raised:
        run_checks(load_dataset_input(dataset), format_checks(), observers=(Recorder(fail=True),))
    assert isinstance(raised.value.__cause__, ZeroDivisionError)
