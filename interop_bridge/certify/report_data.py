"""What the certify HTML report shows, collected in the same pass as the checks.

    collector = ReportCollector()
    results = run_checks(dataset, checks, observers=(collector,))
    collector.add_results(checks, results)
    write_html_report(path, dataset, certificate, collector)   # html_report.py

The collector is a runner observer: it sees every episode right after the checks and keeps
compact figures only (per stream, per joint, per episode a few numbers; per-frame series binned
to at most report_series.MAX_POINTS points, and only for the KEPT_EPISODES worst episodes of
each plot), so its memory does not grow with episode length.

Per-episode score: 100 x the share of the graded episode checks with no finding in that
episode. The graded episode checks are those that read episodes (a check object with
`reads_episodes = False` grades the dataset as a whole: format, most provenance checks) and
were not skipped; a check counts against an episode when at least one of its findings
names that episode (whatever the count or severity). 100 = no check found anything there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from interop_bridge.certify.checks_control import COMMAND_TOLERANCE
from interop_bridge.certify.model import Check, CheckResult, DatasetInput, EpisodeData
from interop_bridge.certify.physics_common import (ACTION, EFFORT, EFFORT_TOLERANCE,
                                                   POSITION_TOLERANCE, STATE, VELOCITY,
                                                   VELOCITY_TOLERANCE)
from interop_bridge.certify.report_series import KEPT_EPISODES, Worst
from interop_bridge.certify.report_traces import (CameraTrace, RangeAccumulator, StreamTiming,
                                                  TrackingTrace, ValidityTrace, add_ranges,
                                                  add_timing, camera_traces, tracking_trace,
                                                  validity_trace)
from interop_bridge.errors import CertifyError

# (feature, limit quantity, the limit check's tolerance, unit) of the limits-vs-data plot
RANGE_FEATURES = ((STATE, 'position', POSITION_TOLERANCE, 'rad'),
                  (VELOCITY, 'velocity', VELOCITY_TOLERANCE, 'rad/s'),
                  (EFFORT, 'effort', EFFORT_TOLERANCE, 'N*m'),
                  (ACTION, 'position', COMMAND_TOLERANCE, 'rad'))
SCORE_DEFINITION = (
    'score = 100 x (graded episode checks with no finding in the episode) / (graded episode '
    'checks); graded: the checks that read each episode (not the dataset-level ones: format, '
    'most provenance checks) and were not skipped; one finding of a check in an episode '
    'counts that check against the episode')


@dataclass
class EpisodeSummary:
    """One episode's row of the report's ranking."""

    index: int
    length: int
    task: str
    robot: str
    tracking_median: float | None = None  # rad
    lag: int | None = None                # frames
    validity_min: float | None = None     # the lowest share valid of any masked feature
    bad_frames: int | None = None         # frames missing/extra, frozen or degenerate
    findings: int = 0
    checks_with_findings: tuple[str, ...] = ()
    score: float | None = None


@dataclass
class ReportCollector:
    """The report's figures, fed one episode at a time (a runner EpisodeObserver)."""

    kept: int = KEPT_EPISODES
    streams: dict[str, StreamTiming] = field(default_factory=dict)
    ranges: dict[tuple[str, str], RangeAccumulator] = field(default_factory=dict)
    episodes: list[EpisodeSummary] = field(default_factory=list)
    validity_features: dict[str, None] = field(default_factory=dict)  # ordered set
    camera_errors: list[str] = field(default_factory=list)
    graded_checks: tuple[str, ...] = ()
    results_added: bool = False

    def __post_init__(self) -> None:
        self._tracking: Worst[TrackingTrace] = Worst(self.kept)
        self._validity: Worst[ValidityTrace] = Worst(self.kept)
        self._cameras: Worst[list[CameraTrace]] = Worst(self.kept)
        self._shares: dict[int, dict[str, float]] = {}

    def episode(self, data: EpisodeData, dataset: DatasetInput) -> None:
        """Collect one episode (after the checks saw it: the video decoding is shared)."""
        summary = EpisodeSummary(data.index, data.length, data.task, str(data.robot_type or ''))
        add_timing(self.streams, data, dataset)
        add_ranges(self.ranges, data, RANGE_FEATURES)
        tracking = tracking_trace(data, dataset.fps)
        if tracking is not None:
            summary.tracking_median, summary.lag = tracking.median, tracking.lag
            self._tracking.offer(tracking.median, data.index, tracking)
        validity = validity_trace(data, dataset.fps)
        if validity is not None:
            summary.validity_min = min(validity.shares.values())
            self._shares[data.index] = validity.shares
            self.validity_features.update(dict.fromkeys(validity.shares))
            self._validity.offer(1.0 - summary.validity_min, data.index, validity)
        if dataset.camera_keys:
            cameras, errors = camera_traces(data, dataset)
            self.camera_errors.extend(errors)
            summary.bad_frames = sum(trace.bad for trace in cameras)
            self._cameras.offer(summary.bad_frames, data.index, cameras)
        self.episodes.append(summary)

    def add_results(self, checks: Sequence[Check], results: Sequence[CheckResult]) -> None:
        """Attribute every finding to its episode and score the episodes (SCORE_DEFINITION)."""
        if len(checks) != len(results):
            msg = f'{len(checks)} checks but {len(results)} results'
            raise CertifyError(msg)
        self.graded_checks = tuple(
            result.check_id for check, result in zip(checks, results)
            if getattr(check, 'reads_episodes', True) and not result.skipped)
        by_episode = {summary.index: summary for summary in self.episodes}
        against: dict[int, dict[str, None]] = {}
        for result in results:
            for finding in result.findings:
                if finding.episode in by_episode:
                    by_episode[finding.episode].findings += 1
                    against.setdefault(finding.episode, {})[result.check_id] = None
        graded = set(self.graded_checks)
        for summary in self.episodes:
            ids = tuple(against.get(summary.index, {}))
            summary.checks_with_findings = ids
            counted = len(graded.intersection(ids))
            summary.score = (100.0 * (1 - counted / len(graded)) if graded else None)
        self.results_added = True

    def ranking(self) -> list[EpisodeSummary]:
        """Episodes worst first: lowest score, then most findings, then index."""
        return sorted(self.episodes, key=lambda s: (
            s.score if s.score is not None else 100.0, -s.findings, s.index))

    def tracking(self) -> list[TrackingTrace]:
        """The kept episodes' tracking, worst median error first."""
        return self._tracking.items()

    def validity(self) -> list[ValidityTrace]:
        """The kept episodes' validity over time, lowest share first."""
        return self._validity.items()

    def validity_shares(self) -> dict[int, dict[str, float]]:
        """episode -> feature -> share of its present entries valid."""
        return self._shares

    def cameras(self) -> list[CameraTrace]:
        """The kept episodes' decoded-frame figures, most bad frames first."""
        return [trace for traces in self._cameras.items() for trace in traces]
