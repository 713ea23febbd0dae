"""Format: every `interop validate` check (dataset/validate.py), one certify check each.

`interop validate` runs once per certification; each check reports its validate check's
outcome. When the runner starts a pass (`prepare`), every validate check but the video frames
one runs in a forked child (forked.py) while the episodes are read; the video frames check runs
after the pass, where the MP4s the pass decoded whole (for the video checks) are not decoded
again: validate takes their frame counts (DatasetInput.decoded_frames). The results are the
same as from one `validate_dataset` after the pass (without fork, or if the child fails, that
is what runs). A check whose prerequisite failed fails as 'not run', as in `interop validate`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

from interop_bridge.certify.forked import Ended, Forked
from interop_bridge.certify.model import Check, CheckResult, CheckSpec, DatasetInput, EpisodeData
from interop_bridge.dataset import validate
from interop_bridge.dataset.validate import CHECKS, ValidationReport, validate_dataset

AFTER_PASS = 'video frames'  # the validate check that takes the pass's frame counts

ANSWERS = ('format as the real loaders see it (issue 9); lerobot-doctor metadata/videos/'
           'statistics, lerobot-lint loader rules')
MEASURES = {
    'info': 'meta/info.json: codebase version v3.0, required keys, fps, default columns',
    'tasks': 'meta/tasks.parquet: a pandas index named task holding strings',
    'episodes': 'meta/episodes: contiguous episode indices, row ranges and totals',
    'row groups': 'data parquet: one row group per episode, in the file its row names',
    'data indices': 'data parquet: global index, frame_index and task_index sequences',
    'timestamps': 'data parquet: timestamp against frame_index / fps',
    'video offsets': 'meta/episodes video offsets: episodes back to back from 0 s per MP4',
    'video frames': 'each MP4 decodes to one frame per row, at fps and the declared size',
    'stats': 'meta/stats.json and per-episode statistics: every feature, ten statistics',
    'values': 'parquet page checksums, finite floats, physically possible recorded values',
}
THRESHOLDS = {
    'timestamps': 'every timestamp within 1e-4 s of frame_index / fps',
    'video offsets': 'offsets contiguous within 1e-4 s',
    'video frames': 'decoded frames = rows exactly; frame rate within 1e-3 fps',
    'stats': 'every statistic present and finite',
    'values': 'no checksum error, no NaN/inf, no impossible value left valid',
}


def check_id(name: str) -> str:
    """'row groups' -> 'format.row_groups'."""
    return 'format.' + name.replace(' ', '_')


def validate_ahead(root: Path, connection: Connection) -> None:
    """The child: every validate check but AFTER_PASS, their results sent as one dict."""
    try:
        placeholder = validate.CheckResult(AFTER_PASS, True, 'run after the episode pass')
        report = validate_dataset(root, given={AFTER_PASS: placeholder})
        connection.send({result.name: result for result in report.results
                         if result.name != AFTER_PASS})
    finally:
        connection.close()


@dataclass
class _Validation:
    """One `validate_dataset` run shared by the format checks of one `checks()` call."""

    report: ValidationReport | None = None
    ahead: Forked | None = None   # the child running the checks before AFTER_PASS
    ahead_root: Path | None = None

    def start(self, dataset: DatasetInput) -> None:
        """Run the checks that do not need the pass in a child, from now on."""
        if self.report is not None or self.ahead is not None:
            return
        try:
            self.ahead = Forked.start(validate_ahead, dataset.root, name='interop-certify-format')
        except OSError:  # no process to spare: validate runs after the pass, here
            self.ahead = None
        self.ahead_root = dataset.root

    def of(self, dataset: DatasetInput) -> ValidationReport:
        if self.report is None or self.report.root != dataset.root:
            self.report = validate_dataset(dataset.root, decoded_frames=dataset.decoded_frames,
                                           given=self._given(dataset))
        return self.report

    def _given(self, dataset: DatasetInput) -> dict[str, validate.CheckResult]:
        """The child's results ({} without a child, or when it failed: all run here)."""
        if self.ahead is None:
            return {}
        child, self.ahead = self.ahead, None
        try:
            found = child.receive()
        except Ended:
            return {}
        child.done = True
        child.close()
        return dict(found) if self.ahead_root == dataset.root and isinstance(found, dict) else {}


@dataclass
class FormatCheck:
    """The certify face of one `interop validate` check."""

    spec: CheckSpec
    name: str
    validation: _Validation = field(repr=False)
    reads_episodes: bool = False

    def prepare(self, dataset: DatasetInput) -> None:
        """Before the pass: validation starts beside it (see the module docstring)."""
        self.validation.start(dataset)

    def episode(self, data: EpisodeData, dataset: DatasetInput) -> None:
        """Nothing per episode: validate reads the files itself."""

    def result(self, dataset: DatasetInput) -> CheckResult:
        """The validate check's PASS/FAIL and its detail."""
        outcome = self.validation.of(dataset).result(self.name)
        return CheckResult(self.spec.id, outcome.passed, None, '', outcome.detail)


def specs() -> list[CheckSpec]:
    """One spec per validate check, in validate's order."""
    return [CheckSpec(id=check_id(name), group='format', measures=MEASURES[name],
                      threshold=THRESHOLDS.get(name, 'exact (as LeRobot v3.0 loaders expect)'),
                      severity='fail', level='format', answers=ANSWERS)
            for name, _, _ in CHECKS]


def checks() -> list[Check]:
    """Fresh format checks sharing one validation run."""
    validation = _Validation()
    return [FormatCheck(spec, name, validation)
            for spec, (name, _, _) in zip(specs(), CHECKS, strict=True)]
