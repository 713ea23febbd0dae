"""Provenance (ISO/WD 26264-1 asks for it): where every episode came from, and how it was made.

All read meta/interop.json (what the exporter records, docs/export.md): the source bags with
the SHA-256 of every storage file, each episode's profile and profile hash, the exporter's
version, each episode's resampling report, and the canonical interface (version and hash)
that declares the units and frames of every value. A dataset without meta/interop.json fails
every one of them (nothing says where its data came from).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from interop_bridge.certify.model import (Check, CheckResult, CheckSpec, DatasetInput,
                                          EpisodeData, Finding)

ISO = 'ISO/WD 26264-1 provenance (lifecycle, metadata, traceability; arXiv:2606.19769)'
LEVEL = 'training-ready'
MAX_FINDINGS = 1000
SHA256 = re.compile(r'[0-9a-f]{64}')


def _spec(name: str, measures: str, threshold: str) -> CheckSpec:
    return CheckSpec(id=f'provenance.{name}', group='provenance', measures=measures,
                     threshold=threshold, severity='fail', level=LEVEL, answers=ISO)


SOURCE_BAGS = _spec('source_bags', 'every export names its source bags and the SHA-256 of each '
                    'storage file; every episode names a bag of an export',
                    '0 files without a SHA-256, 0 episodes without a recorded bag')
PROFILE = _spec('profile', "each episode's robot profile and the SHA-256 of its file",
                '0 episodes without a profile name and a 64-hex profile_sha256')
EXPORTER = _spec('exporter', 'the exporter (name and version) of every export',
                 '0 exports without an exporter version')
RESAMPLING = _spec('resampling_report', "each episode's resampling report (per stream: stamp "
                   'source, rate, gaps, frames valid)',
                   '0 episodes without a resampling report')
UNITS = _spec('units_declared', 'the canonical interface (version and SHA-256) that declares '
              'the units and frames of every value, per export',
              '0 exports without interface_version and a 64-hex canonical_sha256')


def _hashed(value: Any) -> bool:
    return isinstance(value, str) and SHA256.fullmatch(value) is not None


def _exports(dataset: DatasetInput) -> list[Mapping[str, Any]]:
    exports = dataset.interop.get('exports')
    return [e for e in exports if isinstance(e, Mapping)] if isinstance(exports, list) else []


@dataclass
class _Counting:
    """Counts what fails among what was looked at, keeping the findings."""

    spec: CheckSpec
    unit: str
    seen: int = 0
    findings: list[Finding] = field(default_factory=list)
    reads_episodes: bool = False

    def episode(self, data: EpisodeData, dataset: DatasetInput) -> None:
        """Dataset-level unless a subclass looks at episodes."""

    def problems(self, dataset: DatasetInput) -> Iterable[Finding]:
        """Dataset-level findings (none unless a subclass has some)."""
        return ()

    def result(self, dataset: DatasetInput) -> CheckResult:
        """PASS when meta/interop.json exists, something was looked at and nothing failed."""
        if not dataset.interop:
            return CheckResult(self.spec.id, False, None, self.unit,
                               'meta/interop.json missing: no provenance recorded')
        findings = [*self.findings, *self.problems(dataset)]
        bad = len(findings)
        if self.seen == 0:
            return CheckResult(self.spec.id, False, 0.0, self.unit,
                               f'no {self.unit} recorded in meta/interop.json')
        detail = (f'all {self.seen} {self.unit} recorded' if not bad else
                  f'{bad} of {self.seen} {self.unit} lack it: {findings[0].detail}')
        return CheckResult(self.spec.id, bad == 0, float(bad), self.unit, detail,
                           tuple(findings[:MAX_FINDINGS]))


@dataclass
class _PerEpisode(_Counting):
    """Counts episodes whose interop.json record fails `ok` (returns what is missing)."""

    missing: Callable[[Mapping[str, Any]], str | None] = field(default=lambda r: None)

    def episode(self, data: EpisodeData, dataset: DatasetInput) -> None:
        """Look at the episode's record."""
        self.seen += 1
        what = 'no meta/interop.json record' if not data.record else self.missing(data.record)
        if what is not None:
            self.findings.append(Finding(data.index, f'episode {data.index}: {what}'))


def _profile_missing(record: Mapping[str, Any]) -> str | None:
    if not record.get('profile'):
        return 'no profile'
    if not _hashed(record.get('profile_sha256')):
        return f'profile_sha256 {record.get("profile_sha256")!r} is not a SHA-256'
    return None


def _resampling_missing(record: Mapping[str, Any]) -> str | None:
    report = record.get('resampling')
    return None if isinstance(report, Mapping) and report else 'no resampling report'


@dataclass
class _SourceBags(_Counting):
    """Every storage file of every bag hashed; every episode's bag among them."""

    bags: set[str] = field(default_factory=set)

    def problems(self, dataset: DatasetInput) -> Iterable[Finding]:
        for number, export in enumerate(_exports(dataset)):
            bags = export.get('bags') or []
            if not bags:
                yield Finding(None, f'export {number}: no source bags')
            for bag in bags:
                self.bags.add(str(bag.get('path')))
                files = [f for source in bag.get('sources') or [] for f in source.get('files')
                         or []]
                if not files:
                    yield Finding(None, f'export {number}: bag {bag.get("path")}: no files')
                for entry in files:
                    self.seen += 1
                    if not _hashed(entry.get('sha256')):
                        yield Finding(None, f'{entry.get("path")}: no SHA-256')
        records = dataset.interop.get('episodes') or {}
        for key, record in records.items():
            if str(record.get('source_bag')) not in self.bags:
                yield Finding(int(key), f'episode {key}: source bag '
                              f'{record.get("source_bag")!r} is in no export')


@dataclass
class _PerExport(_Counting):
    """Counts exports whose entry fails `missing`."""

    missing: Callable[[Mapping[str, Any]], str | None] = field(default=lambda e: None)

    def problems(self, dataset: DatasetInput) -> Iterable[Finding]:
        for number, export in enumerate(_exports(dataset)):
            self.seen += 1
            what = self.missing(export)
            if what is not None:
                yield Finding(None, f'export {number} ({export.get("episodes")}): {what}')


def _exporter_missing(export: Mapping[str, Any]) -> str | None:
    name = export.get('exporter')
    return None if isinstance(name, str) and ' ' in name.strip() else \
        f'exporter {name!r} (expected "<name> <version>")'


def _units_missing(export: Mapping[str, Any]) -> str | None:
    if not export.get('interface_version'):
        return 'no canonical interface_version'
    if not _hashed(export.get('canonical_sha256')):
        return 'no canonical_sha256'
    return None


def specs() -> list[CheckSpec]:
    """The provenance checks' declarations."""
    return [SOURCE_BAGS, PROFILE, EXPORTER, RESAMPLING, UNITS]


def checks() -> list[Check]:
    """Fresh provenance checks."""
    return [_SourceBags(SOURCE_BAGS, 'bag files'),
            _PerEpisode(PROFILE, 'episodes', reads_episodes=True, missing=_profile_missing),
            _PerExport(EXPORTER, 'exports', missing=_exporter_missing),
            _PerEpisode(RESAMPLING, 'episodes', reads_episodes=True,
                        missing=_resampling_missing),
            _PerExport(UNITS, 'exports', missing=_units_missing)]
