"""The certify HTML report: one self-contained file (inline CSS, inline SVG plots, a few lines of
inline JS), nothing fetched from anywhere.

    write_html_report(out / 'report.html', dataset, certificate, collector)

Sections: summary (level, what blocks the next level, rubric version), every check's result
with its findings, per-stream timing, limits vs data, command tracking, validity, frame checks,
per-episode scores and ranking (report_data.SCORE_DEFINITION). Every plot is a
<figure data-plot="..."> holding one <svg>; on load the inline script marks each one
data-rendered="yes" when its SVG has a non-empty box and drawn content, and writes the counts
into #plots-rendered (what test/browser checks in Chromium). All text is HTML-escaped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from interop_bridge.certify import report_plots as plots
from interop_bridge.certify.model import DatasetInput
from interop_bridge.certify.report_data import SCORE_DEFINITION, ReportCollector
from interop_bridge.certify.report_html import Page
from interop_bridge.certify.report_sections import (checks_section, frames_section,
                                                    ranking_section, summary_section,
                                                    timing_section)
from interop_bridge.errors import CertifyError

__all__ = ['write_html_report', 'render_report']


def render_report(dataset: DatasetInput, certificate: Mapping[str, Any],
                  collector: ReportCollector) -> str:
    """The report's HTML text; CertifyError before the collector has the check results."""
    if not collector.results_added:
        msg = ('the report collector has no check results: call '
               'collector.add_results(checks, results) after run_checks')
        raise CertifyError(msg)
    page = Page(f'interop certify: {dataset.root.name}')
    summary_section(page, dataset, certificate, collector)
    checks_section(page, certificate)
    timing_section(page, collector, dataset.fps)
    _limits_section(page, collector)
    _tracking_section(page, collector)
    _validity_section(page, collector)
    frames_section(page, certificate, collector)
    ranking_section(page, collector, SCORE_DEFINITION)
    return page.html()


def write_html_report(path: str | Path, dataset: DatasetInput, certificate: Mapping[str, Any],
                      collector: ReportCollector) -> Path:
    """Write the report to `path` (its directory is made); the path written."""
    path = Path(path)
    text = render_report(dataset, certificate, collector)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding='utf-8')
    except OSError as err:
        msg = f'{path}: cannot write the HTML report ({type(err).__name__}: {err})'
        raise CertifyError(msg) from err
    return path


def _number(value: float) -> str:
    return '-' if not math.isfinite(value) else f'{value:.4g}'


def _limits_section(page: Page, collector: ReportCollector) -> None:
    page.section('limits', 'Limits vs data')
    if not collector.ranges:
        page.note('No joint feature of a robot with a shipped profile (or --profile): no '
                  'limits to compare with.')
        return
    page.note('Per joint, the grey bar is the profile\'s limit range scaled to [0, 1]; the '
              'blue bar the range of the valid data; red the part beyond a limit. A joint '
              'named in red has frames beyond its limit by more than the check\'s tolerance.')
    beyond: list[Sequence[str]] = []
    for (robot, feature), ranges in collector.ranges.items():
        page.plot(f'limits-{robot}-{feature}', plots.limits_plot(ranges),
                  f'{feature} of {robot} against its {ranges.quantity} limits [{ranges.unit}]')
        beyond += [(robot, feature, row.joint, f'[{_number(row.low)}, {_number(row.high)}]',
                    f'[{_number(row.seen_low)}, {_number(row.seen_high)}]',
                    f'{row.frames_beyond}', str(row.first_episode_beyond))
                   for row in ranges.rows() if row.frames_beyond]
    if beyond:
        page.table(('robot', 'feature', 'joint', 'limits', 'data range', 'frames beyond',
                    'first episode'), beyond, css='bad')
    else:
        page.note('No valid entry beyond a limit by more than the tolerance.')


def _tracking_section(page: Page, collector: ReportCollector) -> None:
    page.section('tracking', 'Command tracking')
    traces = collector.tracking()
    if not traces:
        page.note('No episode with both a valid action and a valid state.')
        return
    page.note(f'The {len(traces)} episode(s) with the largest median |action - state| (at '
              'the lag control.command_lag finds); top: the joint tracked worst, unshifted.')
    for trace in traces:
        plot_id = f'tracking-{trace.episode}'
        page.plot(plot_id, plots.tracking_plot(trace),
                  f'episode {trace.episode}: median {trace.median:.4g} rad at lag '
                  f'{trace.lag} frame(s); worst joint {trace.joint}')


def _validity_section(page: Page, collector: ReportCollector) -> None:
    page.section('validity', 'Validity')
    shares = collector.validity_shares()
    if not shares:
        page.note('No masked feature (valid.* columns) with a column the robot has.')
        return
    page.note('Share of the robot\'s columns (joints it has, sensors that report) flagged '
              'valid; columns the robot lacks are left out.')
    page.plot('validity-episodes', plots.validity_by_episode_plot(
        shares, list(collector.validity_features)),
        'share valid per episode and feature')
    for trace in collector.validity():
        plot_id = f'validity-{trace.episode}'
        page.plot(plot_id, plots.validity_plot(trace),
                  f'episode {trace.episode}: share valid per frame (lowest '
                  f'{min(trace.shares.values()):.3g})')
