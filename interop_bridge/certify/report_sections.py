"""Sections of the certify HTML report built from the certificate and the collector: summary,
check results, per-stream timing, frame checks, per-episode scores and ranking."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from interop_bridge.certify import report_plots as plots
from interop_bridge.certify.model import LEVELS, DatasetInput
from interop_bridge.certify.report_data import ReportCollector
from interop_bridge.certify.report_html import Markup, Page, details, escape, status_cell
from interop_bridge.certify.rubric import LEVEL_MEANING

STATUSES = ('PASS', 'WARN', 'FAIL', 'SKIP')


def status(entry: Mapping[str, Any]) -> str:
    """A certificate result entry's status: SKIP, PASS, or WARN/FAIL by its severity."""
    if entry.get('skipped'):
        return 'SKIP'
    if entry.get('passed'):
        return 'PASS'
    return 'WARN' if entry.get('severity') == 'warn' else 'FAIL'


def figure_text(value: object) -> str:
    """A measured figure as the CLI prints it ('-' when not measured)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return '-' if value is None else str(value)
    return f'{value:g}' if isinstance(value, (int, float)) else str(value)


def findings_cell(entry: Mapping[str, Any]) -> Markup | str:
    """The count, and the findings the certificate keeps, collapsed."""
    count = int(entry.get('findings_count', 0))
    if not count:
        return '0'
    kept = [f'{"dataset" if f.get("episode") is None else "episode " + str(f["episode"])}: '
            f'{f.get("detail", "")}' for f in entry.get('findings', [])]
    more = f' (first {len(kept)} shown)' if len(kept) < count else ''
    return details(f'{count} finding(s){more}', kept)


def summary_section(page: Page, dataset: DatasetInput, certificate: Mapping[str, Any],
                    collector: ReportCollector) -> None:
    """Level, what blocks the next one, rubric and tool, counts."""
    page.section('summary', 'Summary')
    level = certificate.get('level')
    page.markup(Markup(f'<p class="level">level: {escape(level or "none")}</p>'))
    if level in LEVEL_MEANING:
        page.note(f'{level}: {LEVEL_MEANING[level]}')
    results = list(certificate.get('results', []))
    blocking = list(certificate.get('blocking', []))
    if blocking:
        index = LEVELS.index(level) + 1 if level in LEVELS else 0
        upcoming = LEVELS[index] if index < len(LEVELS) else 'next'
        by_id = {entry.get('id'): entry for entry in results}
        page.note(f'Level {upcoming} does not hold: these fail-severity checks failed.')
        page.table(('check', 'detail'), [(check, by_id.get(check, {}).get('detail', ''))
                                         for check in blocking], css='bad')
    else:
        page.note('Nothing blocks: the highest level holds.' if level else
                  'No level holds.')
    counts = {name: sum(status(entry) == name for entry in results) for name in STATUSES}
    page.table(('rubric', 'tool', 'date', 'dataset', 'episodes', 'fps', 'cameras', 'checks'),
               [(certificate.get('rubric_version', '?'), certificate.get('tool', '?'),
                 certificate.get('date', '?'), str(dataset.root), len(collector.episodes),
                 dataset.fps, ', '.join(dataset.camera_keys) or 'none',
                 ', '.join(f'{counts[name]} {name}' for name in STATUSES))])


def checks_section(page: Page, certificate: Mapping[str, Any]) -> None:
    """Every check's result, in rubric order."""
    page.section('checks', 'Check results')
    entries = list(certificate.get('results', []))
    page.table(('status', 'check', 'level', 'severity', 'figure', 'unit', 'detail',
                'findings'),
               [(status_cell(status(entry)), entry.get('id', ''), entry.get('level') or '',
                 entry.get('severity') or '', figure_text(entry.get('figure')),
                 entry.get('unit', ''), entry.get('detail', ''), findings_cell(entry))
                for entry in entries], css='bad',
               bad=[status(entry) == 'FAIL' for entry in entries])


def timing_section(page: Page, collector: ReportCollector, fps: int) -> None:
    """Per source stream: rates, gaps, invalid frames, skew (from meta/interop.json)."""
    page.section('timing', 'Per-stream timing')
    streams = list(collector.streams.values())
    if not streams:
        page.note('No resampling record in meta/interop.json: source timing unknown.')
        return
    page.plot('timing', plots.timing_plot(streams, fps),
              'recorded rate (dashed: dataset fps), largest gap against the stream\'s '
              'threshold, frames flagged invalid (dashed: time.source_gaps threshold)')
    page.table(('stream', 'episodes', 'rate [Hz]', 'gaps', 'largest gap [s]',
                'max staleness [s]', 'frames invalid', 'skew [ms]', 'worst episode'),
               [(s.name, s.episodes, f'{s.rate_low_hz:.4g} .. {s.rate_high_hz:.4g}',
                 '-' if s.camera else s.gaps,
                 f'{s.max_distance_s:.3g} (row to image)' if s.camera
                 else f'{s.largest_gap_s:.3g}',
                 f'{1 / fps:.3g} (1/fps)' if s.camera else f'{s.max_staleness_s:g}',
                 f'{s.frames_invalid} of {s.frames}', figure_text(s.skew_ms)
                 if math.isfinite(s.skew_ms) else '-', s.worst_episode)
                for s in streams])


def frames_section(page: Page, certificate: Mapping[str, Any],
                   collector: ReportCollector) -> None:
    """The video checks' results and decoded-frame plots of the worst episodes."""
    page.section('frames', 'Frame checks')
    video = [entry for entry in certificate.get('results', [])
             if str(entry.get('id', '')).startswith('video.')]
    page.table(('status', 'check', 'figure', 'unit', 'detail', 'findings'),
               [(status_cell(status(entry)), entry.get('id', ''),
                 figure_text(entry.get('figure')), entry.get('unit', ''),
                 entry.get('detail', ''), findings_cell(entry)) for entry in video])
    for error in collector.camera_errors:
        page.note(error)
    traces = collector.cameras()
    if not traces:
        page.note('No decoded camera frames.')
        return
    for trace in traces:
        plot_id = f'frames-{trace.episode}-{trace.camera}'
        page.plot(plot_id, plots.frames_plot(trace),
                  f'{trace.camera}, episode {trace.episode}: {trace.frames} decoded frames '
                  f'for {trace.rows} rows, {trace.frozen} frozen, {trace.degenerate} black or '
                  'saturated')


def _optional(value: float | None, pattern: str) -> str:
    return '-' if value is None else pattern.format(value)


def ranking_section(page: Page, collector: ReportCollector, definition: str) -> None:
    """Per-episode scores, and every episode ranked worst first."""
    page.section('episodes', 'Episode scores and ranking')
    page.note(definition + f' ({len(collector.graded_checks)} graded checks here).')
    ranking = collector.ranking()
    if not ranking:
        page.note('No episode was read.')
        return
    ordered = sorted(collector.episodes, key=lambda summary: summary.index)
    page.plot('scores', plots.scores_plot(
        [s.index for s in ordered], [s.score if s.score is not None else math.nan
                                     for s in ordered]),
        'score per episode (red: below 100)')
    rows: list[Sequence[object]] = [
        (rank, s.index, _optional(s.score, '{:.1f}'), s.findings,
         ', '.join(s.checks_with_findings) or '-', s.length, s.task, s.robot,
         _optional(s.tracking_median, '{:.4g}'), _optional(s.validity_min, '{:.3g}'),
         '-' if s.bad_frames is None else s.bad_frames)
        for rank, s in enumerate(ranking, start=1)]
    page.table(('rank', 'episode', 'score', 'findings', 'checks with findings', 'frames',
                'task', 'robot', 'tracking median [rad]', 'lowest share valid',
                'bad video frames'), rows, css='bad',
               bad=[s.score is not None and s.score < 100 for s in ranking])
