"""The format group: validate's checks, all but the video frames one run in a child while the
episodes are read; the same results as one `interop validate` run, with or without the child."""

from __future__ import annotations

import multiprocessing
from multiprocessing.connection import Connection
from pathlib import Path

import pytest

import interop_bridge.certify.checks_format as checks_format
from interop_bridge.certify.forked import Forked
from interop_bridge.certify.runner import load_dataset_input, run_checks
from interop_bridge.dataset.validate import validate_dataset


def _results(dataset: Path) -> dict[str, tuple[bool, str]]:
    found = run_checks(load_dataset_input(dataset), checks_format.checks())
    return {result.check_id: (result.passed, result.detail) for result in found}


def _expected(dataset: Path) -> dict[str, tuple[bool, str]]:
    return {checks_format.check_id(result.name): (result.passed, result.detail)
            for result in validate_dataset(dataset).results}


def _children() -> list[multiprocessing.Process]:
    return [child for child in multiprocessing.active_children()
            if child.name == 'interop-certify-format']


def test_the_checks_run_beside_the_pass_give_validates_results(dataset: Path,
                                                               monkeypatch: pytest.MonkeyPatch
                                                               ) -> None:
    started: list[str] = []
    real = Forked.start

    def counting(*args: object, name: str) -> Forked | None:
        started.append(name)
        return real(*args, name=name)  # type: ignore[arg-type]

    monkeypatch.setattr(Forked, 'start', staticmethod(counting))
    assert _results(dataset) == _expected(dataset)
    assert started == ['interop-certify-format']
    assert not _children()


def test_without_fork_or_with_a_child_that_dies_validate_runs_after_the_pass(
        dataset: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _expected(dataset)
    with monkeypatch.context() as patch:
        patch.setattr(Forked, 'start', staticmethod(lambda *args, name: None))
        assert _results(dataset) == expected

    def dies(root: Path, connection: Connection) -> None:
        connection.close()

    monkeypatch.setattr(checks_format, 'validate_ahead', dies)
    assert _results(dataset) == expected


def test_a_defect_is_reported_the_same_from_the_child(dataset: Path) -> None:
    (dataset / 'meta' / 'tasks.parquet').write_bytes(b'not parquet')
    found = _results(dataset)
    assert found == _expected(dataset)
    assert not found['format.tasks'][0] and 'not run' in found['format.episodes'][1]
