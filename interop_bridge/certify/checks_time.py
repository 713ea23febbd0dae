"""Time checks: the 1/fps grid, and what the exporter's resampling report says of each stream.

After resampling every timestamp is regular, so dropouts, skew, stamp sources and late or
duplicate stamps are read from the episode's `meta/interop.json` record (`resampling`), and
dropouts of the robot's own joints also from the `valid.observation.state` mask.
`EpisodeCheck` (episode_check.py) is re-exported for the episodes and video checks.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from interop_bridge.certify.episode_check import EpisodeCheck, Measure
from interop_bridge.certify.model import Check, CheckSpec, DatasetInput, EpisodeData

GRID_TOLERANCE_S = 1e-4   # LeRobot's timestamp tolerance (tolerance_s)
DROPOUT_SHARE = 0.05      # state frames invalid beyond this share fail 'timing'
STREAM_INVALID_SHARE = 0.01
GAP_PERIODS = 3.0         # deepen-grade topic_frequency: a gap > 3x the stream's own interval
SKEW_LIMIT_S = 0.05       # deepen-grade cross_modal_sync: > 50 ms is its FAIL
STATE = 'observation.state'  # valid[STATE]: its mask (state, velocity, effort)
CAMERA_PREFIX = 'observation.images.'


def value_streams(record: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(name, report) of every resampled value stream of a topic (cameras left out)."""
    for name, report in dict(record.get('resampling') or {}).items():
        if not str(name).startswith(CAMERA_PREFIX) and isinstance(report, Mapping):
            yield str(name), report


def _spec(name: str, measures: str, threshold: str, severity: str, answers: str) -> CheckSpec:
    return CheckSpec(f'time.{name}', 'time', measures, threshold, severity, 'timing', answers)


class GridCheck(EpisodeCheck):
    """Every timestamp on frame_index / fps, frame_index 0..n-1."""

    def __init__(self) -> None:
        super().__init__(_spec(
            'grid', 'largest |timestamp - frame_index / fps| of any frame, and frame_index '
            'being 0..n-1 in every episode',
            'every timestamp within 1e-4 s of frame_index / fps; frame_index exactly 0..n-1',
            'fail', 'lerobot-doctor temporal, lerobot-lint TIMESTAMP_NON_MONOTONIC / '
            'FRAME_DROPS; LeRobot loader tolerance_s 1e-4 s'), 's')

    def measure(self, data: EpisodeData, dataset: DatasetInput) -> Measure | None:
        stamps = np.asarray(data.columns['timestamp'], dtype=np.float64).reshape(-1)
        index = np.asarray(data.columns['frame_index']).reshape(-1)
        details = []
        if not np.array_equal(index, np.arange(len(index))):
            first = int(np.argmax(index != np.arange(len(index)))) if len(index) else 0
            details.append(f'frame_index is not 0..{len(index) - 1} (first off at row {first})')
        error = np.abs(stamps - index.astype(np.float64) / dataset.fps)
        worst = float(error.max()) if error.size else 0.0
        if worst > GRID_TOLERANCE_S:
            frame = int(np.argmax(error))
            details.append(f'timestamp {stamps[frame]:.6f} s at frame {frame} is {worst:.3g} s '
                           f'off {frame} / {dataset.fps}; {int((error > GRID_TOLERANCE_S).sum())}'
                           ' frame(s) beyond 1e-4 s')
        return Measure(worst, tuple(details), bool(details))


def _invalid_share(report: Mapping[str, Any]) -> float:
    frames = int(report.get('frames', 0))
    return (frames - int(report.get('frames_valid', frames))) / frames if frames else 0.0


def _present(report: Mapping[str, Any]) -> bool:
    return int(report.get('columns_present', 1)) > 0


def _state_streams(record: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    topic = str(record.get('state_topic') or '')
    return [(name, report) for name, report in value_streams(record)
            if _present(report) and (name.split(':')[0] == topic if topic
                                     else name.endswith(':position'))]


def masked_state_frames(data: EpisodeData) -> tuple[int, int]:
    """(frames where a joint the robot has is invalid, joints it has) from the state mask.

    The robot has a joint its profile maps, or (without a shipped profile) one valid somewhere
    in the episode."""
    mask = data.valid.get(STATE)
    if mask is None or not mask.size:
        return 0, 0
    present: np.ndarray = np.asarray(mask.any(axis=0))
    if data.profile is not None:
        present[[joint.index for joint in data.profile.joints
                 if 0 <= joint.index < mask.shape[1]]] = True
    if not present.any():
        return 0, 0
    return int((~mask[:, present]).any(axis=1).sum()), int(present.sum())


class DropoutCheck(EpisodeCheck):
    """Share of frames where the robot's own state was invalid (stale, not yet started)."""

    def __init__(self) -> None:
        super().__init__(_spec(
            'dropouts', "share of an episode's frames with the state stream invalid (stale or "
            "not started, from the resampling report) or any joint the robot has masked 0 in "
            'valid.observation.state',
            'at most 5 % of the frames of every episode', 'fail',
            'issue 9 "dropouts"; quality-anchors 8-9.8: dropouts are invisible to timestamp '
            'checks (doctor, lelint) after export, only the record and masks show them'), '%')

    def measure(self, data: EpisodeData, dataset: DatasetInput) -> Measure | None:
        streams = _state_streams(data.record)
        masked, joints = masked_state_frames(data)
        if not streams and not joints:
            return None
        share = max([_invalid_share(report) for _, report in streams] + [0.0])
        if data.length:
            share = max(share, masked / data.length)
        details = tuple(
            f'{name}: {int(r["frames"]) - int(r["frames_valid"])} of {r["frames"]} frames '
            f'invalid ({r.get("frames_stale", 0)} stale, {r.get("frames_before_start", 0)} '
            f'before start)' for name, r in streams if _invalid_share(r) > DROPOUT_SHARE)
        if masked and masked / max(data.length, 1) > DROPOUT_SHARE:
            details += (f'valid.observation.state: {masked} of {data.length} frames have a '
                        f'joint of the robot ({joints} present) masked invalid',)
        return Measure(100.0 * share, details, share > DROPOUT_SHARE)


def _gap_periods(report: Mapping[str, Any]) -> float:
    """The stream's largest gap in mean sample intervals (0 without a rate)."""
    return float(report.get('largest_gap_s', 0.0)) * float(report.get('rate_hz', 0.0) or 0.0)


class SourceGapCheck(EpisodeCheck):
    """Gaps in the recorded streams beyond their staleness, and frames each lost."""

    def __init__(self) -> None:
        super().__init__(_spec(
            'source_gaps', 'per recorded value stream (the robot has its columns): gaps between '
            'consecutive samples beyond --max-staleness, the largest gap against the stream\'s '
            'mean sample interval (jitter, short drops), and frames flagged invalid',
            'no gap beyond the stream\'s max_staleness_s nor beyond 3 mean intervals, and at '
            'most 1 % of frames invalid in every present stream', 'warn',
            'deepen-grade hygiene.topic_frequency, baglint gap, tracecheck C07, clockdoctor '
            'gap: read from the exporter record (quality-anchors 9.8)'), 's')

    def measure(self, data: EpisodeData, dataset: DatasetInput) -> Measure | None:
        streams = [(n, r) for n, r in value_streams(data.record) if _present(r)]
        if not streams:
            return None
        largest = max(float(r.get('largest_gap_s', 0.0)) for _, r in streams)
        details = tuple(
            f'{name}: {r.get("gap_count", 0)} gap(s) > {r.get("max_staleness_s")} s, largest '
            f'{float(r.get("largest_gap_s", 0.0)):.3f} s; '
            f'{int(r["frames"]) - int(r["frames_valid"])} of {r["frames"]} frames invalid'
            for name, r in streams
            if int(r.get('gap_count', 0)) > 0 or _invalid_share(r) > STREAM_INVALID_SHARE)
        details += tuple(
            f'{name}: largest gap {float(r["largest_gap_s"]) * 1e3:.1f} ms is '
            f'{_gap_periods(r):.1f} mean intervals ({float(r["rate_hz"]):.0f} Hz)'
            for name, r in streams if _gap_periods(r) > GAP_PERIODS
            and not int(r.get('gap_count', 0)))
        return Measure(largest, details, bool(details))


def _skews(record: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    return [(name, report['skew']) for name, report in value_streams(record)
            if isinstance(report.get('skew'), Mapping)]


class ClockSkewCheck(EpisodeCheck):
    """Header stamp minus receive time per stream, and the spread between streams."""

    def __init__(self) -> None:
        super().__init__(_spec(
            'clock_skew', 'per stream with header stamps: |mean| and |p99| of header - receive '
            'time, and the spread of the mean skew between the streams of an episode',
            'at most 50 ms', 'warn', 'deepen-grade hygiene.cross_modal_sync (50 ms), '
            'clockdoctor clock_offset; issue 9 "clock skew between streams"'), 's')

    def measure(self, data: EpisodeData, dataset: DatasetInput) -> Measure | None:
        skews = _skews(data.record)
        if not skews:
            return None
        per = {name: max(abs(float(s['mean_s'])), abs(float(s['p99_s']))) for name, s in skews}
        means = [float(s['mean_s']) for _, s in skews]
        spread = max(means) - min(means)
        details = [f'{name}: header - receive mean {float(s["mean_s"]) * 1e3:.1f} ms, p99 '
                   f'{float(s["p99_s"]) * 1e3:.1f} ms (min {float(s["min_s"]) * 1e3:.1f}, max '
                   f'{float(s["max_s"]) * 1e3:.1f})' for name, s in skews
                   if per[name] > SKEW_LIMIT_S]
        if spread > SKEW_LIMIT_S:
            details.append(f'mean skew differs by {spread * 1e3:.1f} ms between streams')
        figure = max(max(per.values()), spread)
        return Measure(figure, tuple(details), figure > SKEW_LIMIT_S)


class StampSourceCheck(EpisodeCheck):
    """Which stamps each stream was resampled by; receive time although headers exist warns."""

    def __init__(self) -> None:
        super().__init__(_spec(
            'stamp_source', 'the stamps every stream was resampled by (stamp_sources, '
            'resampling.*.stamp_source); streams put on the grid by receive time although their '
            'messages carry header stamps', 'no stream with header stamps resampled by receive '
            'time (0 streams)', 'warn', 'clockdoctor clock_offset / buffering, baglint '
            'stamp_unavailable; ISO/WD 26264-1 provenance of time bases'), 'streams')

    def measure(self, data: EpisodeData, dataset: DatasetInput) -> Measure | None:
        record = data.record
        streams = list(value_streams(record))
        if not streams:
            return None
        wasted = sorted({name.split(':')[0] for name, report in streams
                         if isinstance(report.get('skew'), Mapping)
                         and report.get('stamp_source') == 'receive'})
        details = tuple(f'{topic}: resampled by receive time although its messages carry '
                        'header stamps' for topic in wasted)
        sources = record.get('stamp_sources') or {}
        if record.get('stamp_source') == 'mixed' and wasted:
            details += ('stamp sources mixed: ' + ', '.join(
                f'{topic} {source}' for topic, source in dict(sources).items()),)
        return Measure(float(len(wasted)), details, bool(wasted))


class NonMonotonicCheck(EpisodeCheck):
    """Out-of-order, duplicate and too-late source stamps the exporter sorted or dropped."""

    def __init__(self) -> None:
        super().__init__(_spec(
            'non_monotonic', 'per stream: samples with an earlier stamp than their predecessor '
            '(out_of_order, sorted within 50 ms), exact duplicate stamps (duplicates_dropped) '
            'and samples too late to use (late_dropped)', '0 such samples in every stream',
            'warn', 'clockdoctor out_of_order / duplicate_timestamp, baglint stamp_backwards / '
            'stamp_duplicate, tracecheck C08'), 'samples')

    def measure(self, data: EpisodeData, dataset: DatasetInput) -> Measure | None:
        streams = list(value_streams(data.record))
        if not streams:
            return None
        counts = {name: (int(r.get('out_of_order', 0)), int(r.get('duplicates_dropped', 0)),
                         int(r.get('late_dropped', 0))) for name, r in streams}
        details = tuple(f'{name}: {o} out of order, {d} duplicate stamps dropped, {late} too '
                        f'late dropped of {dict(streams)[name].get("samples_in")}'
                        for name, (o, d, late) in counts.items() if o or d or late)
        figure = max(sum(triple) for triple in counts.values())
        return Measure(float(figure), details, figure > 0)


def checks() -> list[Check]:
    """Fresh accumulators of every time check."""
    return [GridCheck(), DropoutCheck(), SourceGapCheck(), ClockSkewCheck(),
            StampSourceCheck(), NonMonotonicCheck()]
