"""`EpisodeCheck`: the per-episode accumulator most certify checks build on, and `Measure`,
what one check found in one episode."""

from __future__ import annotations

from dataclasses import dataclass, field

from interop_bridge.certify.model import CheckResult, CheckSpec, DatasetInput, EpisodeData, Finding


@dataclass(frozen=True)
class Measure:
    """What one check found in one episode: its figure, problems, and whether it failed."""

    figure: float
    details: tuple[str, ...] = ()
    bad: bool = False


@dataclass
class EpisodeCheck:
    """Accumulator of a per-episode measure: the worst figure, every finding, bad episodes."""

    spec: CheckSpec
    unit: str
    worst: float | None = None
    measured: int = 0
    bad_episodes: list[int] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    lowest_is_worst = False  # the figure is a minimum (a length, a rate), not a maximum

    def measure(self, data: EpisodeData, dataset: DatasetInput) -> Measure | None:
        """The episode's measure, None when the check does not apply to it."""
        msg = f'{type(self).__name__} does not measure episodes'
        raise NotImplementedError(msg)

    def episode(self, data: EpisodeData, dataset: DatasetInput) -> None:
        """Measure one episode and keep the worst figure."""
        found = self.measure(data, dataset)
        if found is None:
            return
        self.measured += 1
        pick = min if self.lowest_is_worst else max
        self.worst = found.figure if self.worst is None else pick(self.worst, found.figure)
        self.findings.extend(Finding(data.index, detail) for detail in found.details)
        if found.bad:
            self.bad_episodes.append(data.index)

    def result(self, dataset: DatasetInput) -> CheckResult:
        """Passed when no episode was bad; skipped when none applied."""
        if not self.measured:
            return CheckResult(self.spec.id, True, None, self.unit,
                               'not applicable to any episode', skipped=True)
        bad = self.bad_episodes
        shown = ', '.join(str(index) for index in bad[:10]) + (' ...' if len(bad) > 10 else '')
        detail = (f'{len(bad)} of {self.measured} episode(s): {shown}' if bad
                  else f'{self.measured} episode(s) within the threshold')
        return CheckResult(self.spec.id, not bad, self.worst, self.unit,
                           f'{detail}; worst {self.worst:.6g} {self.unit}',
                           tuple(self.findings))
