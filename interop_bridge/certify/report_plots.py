"""The certify report's plots, drawn with matplotlib (Agg) as inline SVG text.

Each function returns one figure's <svg> element: text kept as text (svg.fonttype none), no
metadata, element ids salted with the plot's id so several plots share one HTML page safely.
Out-of-threshold marks are red; thresholds are dashed lines.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence

import matplotlib
import numpy as np

from interop_bridge.certify.checks_control import TRACKING_MEDIAN
from interop_bridge.certify.checks_time import STREAM_INVALID_SHARE
from interop_bridge.certify.checks_video import BRIGHT_LUMA, DARK_LUMA, FROZEN_DIFF
from interop_bridge.certify.report_series import MAX_POINTS, Series, binned
from interop_bridge.certify.report_traces import (CameraTrace, RangeAccumulator, StreamTiming,
                                                  TrackingTrace, ValidityTrace)

matplotlib.use('Agg')  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

RED, BLUE, GREY, GREEN = '#c62828', '#1f5fa8', '#b8bec6', '#2e7d32'
ROW_INCHES = 0.22
WIDTH_INCHES = 9.0


def svg_of(figure: Figure, plot_id: str) -> str:
    """The figure as one <svg> element (closed after); its ids prefixed with `plot_id`."""
    buffer = io.StringIO()
    with matplotlib.rc_context({'svg.fonttype': 'none', 'svg.hashsalt': plot_id}):
        figure.savefig(buffer, format='svg', metadata={'Date': None, 'Creator': None,
                                                       'Format': None, 'Type': None})
    plt.close(figure)
    text = buffer.getvalue()
    text = re.sub(r'<metadata>.*?</metadata>\s*', '', text[text.index('<svg'):],
                  flags=re.DOTALL)
    # matplotlib numbers its element ids per figure: prefix them to keep the page's unique
    text = re.sub(r' id="([^"]+)"', rf' id="{plot_id}-\1"', text)
    text = re.sub(r'url\(#([^)]+)\)', rf'url(#{plot_id}-\1)', text)
    return re.sub(r'href="#([^"]+)"', rf'href="#{plot_id}-\1"', text)


def label(text: str) -> str:
    """Text from the data as a matplotlib label: literal, never mathtext ($ escaped)."""
    return text.replace('$', r'\$')


def _line(axes: Axes, item: Series, color: str | None = None) -> None:
    axes.plot(item.x, item.y, label=label(item.label), linewidth=1.2, color=color)


def timing_plot(streams: Sequence[StreamTiming], fps: int) -> Figure:
    """Per stream: rate range, largest gap over its threshold, share of frames invalid."""
    figure, (rate, gap, invalid) = plt.subplots(
        1, 3, sharey=True, figsize=(WIDTH_INCHES, 1.0 + ROW_INCHES * len(streams)))
    rows = np.arange(len(streams))
    for row, stream in zip(rows, streams):
        rate.plot([stream.rate_low_hz, stream.rate_high_hz], [row, row], color=BLUE,
                  linewidth=4, solid_capstyle='butt')
        rate.plot([stream.rate_low_hz], [row], 'o', color=BLUE, markersize=3)
        threshold = 1.0 / fps if stream.camera else stream.max_staleness_s
        largest = stream.max_distance_s if stream.camera else stream.largest_gap_s
        ratio = largest / threshold if threshold and math.isfinite(threshold) else 0.0
        gap.barh(row, ratio, color=RED if ratio > 1 else BLUE)
        share = 100.0 * stream.frames_invalid / stream.frames if stream.frames else 0.0
        invalid.barh(row, share, color=RED if share > 100 * STREAM_INVALID_SHARE else BLUE)
    rate.axvline(fps, color=GREY, linestyle='--', linewidth=1)
    rate.set_xscale('log')
    rate.set_xlabel('rate [Hz]')
    gap.axvline(1.0, color=RED, linestyle='--', linewidth=1)
    gap.set_xlabel('largest gap / threshold')
    invalid.axvline(100 * STREAM_INVALID_SHARE, color=RED, linestyle='--', linewidth=1)
    invalid.set_xlabel('frames invalid [%]')
    rate.set_yticks(rows, [label(stream.name) for stream in streams], fontsize=8)
    rate.invert_yaxis()
    figure.tight_layout()
    return figure


def _normalized(value: float, low: float, high: float) -> float:
    return (value - low) / (high - low)


def limits_plot(ranges: RangeAccumulator) -> Figure:
    """Per joint: its limits as the grey bar [0, 1], the data's range inside, red beyond."""
    rows = [row for row in ranges.rows() if math.isfinite(row.low)
            and math.isfinite(row.seen_low) and row.high > row.low]
    figure, axes = plt.subplots(figsize=(WIDTH_INCHES, 0.9 + ROW_INCHES * max(len(rows), 1)))
    for number, row in enumerate(rows):
        low = _normalized(row.seen_low, row.low, row.high)
        high = _normalized(row.seen_high, row.low, row.high)
        axes.barh(number, 1.0, left=0.0, height=0.8, color=GREY)
        axes.barh(number, min(high, 1.0) - max(low, 0.0), left=max(low, 0.0), height=0.4,
                  color=BLUE)
        if low < 0:
            axes.barh(number, min(0.0, high) - low, left=low, height=0.4, color=RED)
        if high > 1:
            axes.barh(number, high - max(1.0, low), left=max(1.0, low), height=0.4, color=RED)
    axes.set_yticks(range(len(rows)), [row.joint for row in rows], fontsize=7)
    for tick, row in zip(axes.get_yticklabels(), rows):
        tick.set_color(RED if row.frames_beyond else 'black')
    axes.invert_yaxis()
    axes.axvline(0.0, color='black', linewidth=0.6)
    axes.axvline(1.0, color='black', linewidth=0.6)
    axes.set_xlabel(f'{label(ranges.feature)} within its {ranges.quantity} limits (0 = low limit, '
                    '1 = high limit); red: beyond a limit')
    figure.tight_layout()
    return figure


def tracking_plot(trace: TrackingTrace) -> Figure:
    """The worst-tracked joint's command and state, and the tracking error over time."""
    figure, (joint, error) = plt.subplots(2, 1, sharex=True, figsize=(WIDTH_INCHES, 4.2))
    _line(joint, trace.action, color=GREEN)
    _line(joint, trace.state, color=BLUE)
    joint.set_ylabel(f'{trace.joint} [rad]')
    joint.legend(fontsize=8, loc='upper right')
    _line(error, trace.error, color=BLUE)
    error.axhline(TRACKING_MEDIAN, color=RED, linestyle='--', linewidth=1,
                  label=f'median limit {TRACKING_MEDIAN} rad')
    error.set_ylabel('|action - state| [rad]')
    error.set_xlabel(f'time [s] (episode {trace.episode}; state shifted by lag {trace.lag} '
                     'frame(s) for the error)')
    error.legend(fontsize=8, loc='upper right')
    figure.tight_layout()
    return figure


def validity_plot(trace: ValidityTrace) -> Figure:
    """Share of the robot's columns valid per frame, one line per masked feature."""
    figure, axes = plt.subplots(figsize=(WIDTH_INCHES, 3.0))
    for item in trace.lines:
        _line(axes, item)
    axes.set_ylim(-0.05, 1.05)
    axes.set_ylabel('share valid')
    axes.set_xlabel(f'time [s] (episode {trace.episode})')
    axes.legend(fontsize=7, loc='lower left', ncol=2)
    figure.tight_layout()
    return figure


def _by_episode(indices: Sequence[int], values: Sequence[float]
                ) -> tuple[np.ndarray, np.ndarray]:
    """(episode, value) points: beyond MAX_POINTS episodes, binned to their minimum."""
    array = np.asarray(values, dtype=np.float64)
    if len(array) <= MAX_POINTS:
        return np.asarray(indices, dtype=np.float64), array
    centres, lowest = binned(array, 1.0, 'min', MAX_POINTS)
    return np.interp(centres, np.arange(len(indices)), np.asarray(indices, float)), lowest


def validity_by_episode_plot(shares: dict[int, dict[str, float]],
                             features: Sequence[str]) -> Figure:
    """Share valid per episode and feature (episodes binned, bin minimum, beyond MAX_POINTS)."""
    figure, axes = plt.subplots(figsize=(WIDTH_INCHES, 3.0))
    episodes = sorted(shares)
    for feature in features:
        x, y = _by_episode(episodes, [shares[e].get(feature, np.nan) for e in episodes])
        axes.plot(x, y, marker='.', linewidth=1, label=label(feature))
    axes.set_ylim(-0.05, 1.05)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel('episode')
    axes.set_ylabel('share valid')
    axes.legend(fontsize=7, loc='lower left', ncol=2)
    figure.tight_layout()
    return figure


def frames_plot(trace: CameraTrace) -> Figure:
    """A camera's mean luma (dark and bright limits) and frame-to-frame change (frozen)."""
    figure, (luma, diff) = plt.subplots(2, 1, sharex=True, figsize=(WIDTH_INCHES, 3.8))
    _line(luma, trace.luma, color=BLUE)
    for limit in (DARK_LUMA, BRIGHT_LUMA):
        luma.axhline(limit, color=RED, linestyle='--', linewidth=1)
    luma.set_ylim(0, 255)
    luma.set_ylabel('mean luma')
    _line(diff, trace.diff, color=BLUE)
    diff.axhline(FROZEN_DIFF, color=RED, linestyle='--', linewidth=1,
                 label=f'frozen below {FROZEN_DIFF}')
    diff.set_yscale('symlog', linthresh=1.0)
    diff.set_ylim(bottom=0.0)
    diff.set_ylabel('|frame - previous|')
    diff.set_xlabel(f'time [s] ({label(trace.camera)}, episode {trace.episode})')
    diff.legend(fontsize=8, loc='upper right')
    figure.tight_layout()
    return figure


def scores_plot(indices: Sequence[int], scores: Sequence[float]) -> Figure:
    """Every episode's score (bin minimum beyond MAX_POINTS episodes); red below 100."""
    figure, axes = plt.subplots(figsize=(WIDTH_INCHES, 2.6))
    x, y = _by_episode(indices, scores)
    width = 0.8 * max(1.0, (x[-1] - x[0]) / max(len(x) - 1, 1)) if len(x) else 0.8
    axes.bar(x, y, width=width,
             color=[RED if value < 100 else GREEN for value in y])
    axes.set_ylim(0, 105)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel('episode')
    axes.set_ylabel('score')
    figure.tight_layout()
    return figure
