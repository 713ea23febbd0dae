"""Validate a LeRobotDataset v3.0 directory: what loaders check and what they miss.

    report = validate_dataset('out/my_dataset')
    print(report.render())      # one line per check: PASS/FAIL, name, detail or reason
    report.ok                   # False if any check failed

Checks, in order: info (version, keys, fps, default columns), tasks (pandas index 'task'
with strings), episodes (contiguous indices, row ranges, totals), row groups (one per
episode, in the named file), data indices (global index, frame_index, task_index),
timestamps (frame_index / fps within 1e-4 s), video offsets (episodes back to back from 0 s
in each MP4, each spanning its rows), video frames (each MP4 decodes to exactly its
episodes' rows, at fps and frame size), stats (stats.json and per-episode, every feature,
all ten statistics, finite), values (parquet page checksums verified; every float value
finite; recorded episodes physically possible and 0.0 where flagged invalid:
dataset/checks_values.py). When info.json, tasks or the episode rows cannot be read, the
checks that depend on them are reported as not run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from interop_bridge.dataset.checks_files import (check_data_indices, check_row_groups,
                                                 check_timestamps, check_video_frames,
                                                 check_video_offsets)
from interop_bridge.dataset.checks_values import check_values
from interop_bridge.dataset.checks_meta import (check_episodes, check_info, check_stats,
                                                check_tasks)
from interop_bridge.errors import ExportError
from interop_bridge.dataset.view import DatasetView

Check = Callable[[DatasetView], str]
# (name, check, names of the checks it needs to have passed)
CHECKS: tuple[tuple[str, Check, tuple[str, ...]], ...] = (
    ('info', check_info, ()),
    ('tasks', check_tasks, ('info',)),
    ('episodes', check_episodes, ('info', 'tasks')),
    ('row groups', check_row_groups, ('episodes',)),
    ('data indices', check_data_indices, ('episodes', 'row groups')),
    ('timestamps', check_timestamps, ('info', 'row groups')),
    ('video offsets', check_video_offsets, ('episodes',)),
    ('video frames', check_video_frames, ('episodes',)),
    ('stats', check_stats, ('info',)),
    ('values', check_values, ('info',)),
)


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check: passed or not, and a one-line detail or reason."""

    name: str
    passed: bool
    detail: str

    def line(self) -> str:
        """'PASS  name: detail' or 'FAIL  name: reason'."""
        return f'{"PASS" if self.passed else "FAIL"}  {self.name}: {self.detail}'


@dataclass(frozen=True)
class ValidationReport:
    """Every check's result for one dataset."""

    root: Path
    results: tuple[CheckResult, ...]

    @property
    def ok(self) -> bool:
        """Whether every check passed."""
        return all(result.passed for result in self.results)

    @property
    def failures(self) -> tuple[CheckResult, ...]:
        """The checks that failed."""
        return tuple(result for result in self.results if not result.passed)

    def result(self, name: str) -> CheckResult:
        """The result of the check called `name`."""
        return next(result for result in self.results if result.name == name)

    @property
    def verdict(self) -> str:
        """'valid', or 'INVALID: n of m checks failed'."""
        if self.ok:
            return 'valid'
        return f'INVALID: {len(self.failures)} of {len(self.results)} checks failed'

    def render(self) -> str:
        """The report as text: a header, one line per check, the verdict."""
        return '\n'.join([f'dataset {self.root}', *(r.line() for r in self.results),
                          self.verdict])


def validate_dataset(root: str | Path,
                     on_result: Callable[[CheckResult], None] | None = None,
                     decoded_frames: Mapping[str, int] | None = None,
                     given: Mapping[str, CheckResult] | None = None) -> ValidationReport:
    """Run every check on the dataset at `root` (decodes every MP4 once).

    Args:
        root: the dataset directory.
        on_result: called with each check's result as soon as it is known (progress).
        decoded_frames: frames of MP4s already decoded whole (path relative to root -> count,
            from certify's episode pass): those MP4s are not decoded again.
        given: results of checks already run on this dataset (certify runs all but the video
            frames check while it reads the episodes), taken as they are.
    """
    view = DatasetView(root, decoded_frames)
    results: dict[str, CheckResult] = {}
    for name, check, needs in CHECKS:
        blocked = [need for need in needs if not results[need].passed]
        if given is not None and name in given:
            results[name] = given[name]
        elif blocked:
            results[name] = CheckResult(name, False, f'not run: {", ".join(blocked)} failed')
        else:
            results[name] = _run(name, check, view)
        if on_result is not None:
            on_result(results[name])
    return ValidationReport(Path(root), tuple(results.values()))


def _run(name: str, check: Check, view: DatasetView) -> CheckResult:
    """Run one check; a defect or an unreadable file is a FAIL with its reason."""
    try:
        return CheckResult(name, True, check(view))
    except ExportError as failure:  # CheckFailed, or a metadata file missing or malformed
        return CheckResult(name, False, str(failure))
    except (OSError, ValueError, KeyError, TypeError) as err:
        # Unreadable or malformed files (pyarrow/pandas/PyAV raise these) are defects too.
        return CheckResult(name, False, f'{type(err).__name__}: {err}')
