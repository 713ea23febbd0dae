"""One recorded episode handed to the writer in segments: memory flat in episode length.

`stream_episode` returns a `StreamedEpisode` (dataset/episode_stream.py) whose segments are
assembled while the bag is read: the resamplers (export/resample.py) give up the frames they
have resolved, each segment's columns are built from them (EpisodeBuilder.raw_columns), and
the writer writes each segment as one part of the episode (parts are at most 512 s), so memory
is one part of columns plus one chunk of messages, whatever the episode's length. The values
are those of `EpisodeBuilder.build` (the whole episode in memory) frame for frame:

- an invalid entry holds its column's last valid value: carried from segment to segment;
- before a column's first valid frame it holds that first value, which a later segment may
  bring: a segment with such a column waits (in memory) until the value is known, or the
  episode ends (then 0.0, as for a column valid nowhere). Columns the robot cannot have
  (its profile maps no joint, gripper or wrench sensor there; no kinematics model for the
  task-space poses) are 0.0 at once and never wait;
- with `--action next-state` each segment is assembled with one more frame, the next state;
- a segment is taken only once every stream has resolved its frames (and the next one), and
  every topic read so far has been fed (a topic is fed a chunk, ExportPolicy.chunk messages,
  at a time, as in `build`): a stream that falls silent, or a slow topic before its first
  chunk, keeps later frames in memory until it resolves or the episode ends.

Known difference: a stream whose first message is read after a segment was taken, yet whose
header stamps lie before that segment's end, does not reach the frames already written (with
`build` it would): header stamps that far behind their receive times are not seen in practice.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np

from interop_bridge.dataset.episode_stream import EpisodeSegment, StreamedEpisode
from interop_bridge.dataset.features import hold_invalid
from interop_bridge.dataset.records import EpisodeMeta
from interop_bridge.errors import ExportError
from interop_bridge.export.decoded_values import (FEATURE_OF, JOINT_VALUE_KEYS, decoded_key,
                                                  has_pad, present_columns)
from interop_bridge.export.episode_assembly import EpisodeBuilder
from interop_bridge.export.episode_split import EpisodeSpan
from interop_bridge.export.frame_validity import (NEXT_STATE_OF, apply_validity,
                                                  with_next_state_actions)
from interop_bridge.export.plausibility import Plausibility
from interop_bridge.export.resample import Grid, StreamResampler
from interop_bridge.export.resample_report import ResampleReport


def stream_episode(builder: EpisodeBuilder, span: EpisodeSpan,
                   meta: EpisodeMeta) -> StreamedEpisode:
    """The episode of `span`, assembled segment by segment as the writer asks for them.

    Its cameras are matched to the grid now (raises ExportError for a camera without
    images); the messages are read when the writer pulls the segments.
    """
    grid = Grid.spanning(span.start_ns, span.end_ns, builder.policy.fps)
    choices = builder.camera_choices(grid, span)
    episode = StreamedEpisode(task=span.task, segments=lambda frames: iter(()),
                              robot_type=builder.robot.profile.name, meta=meta)
    episode.videos = {key: builder.frame_source(key, choice.rows, span)
                      for key, choice in choices.items()}
    assembly = _Assembly(builder, span, grid)

    def segments(max_frames: int) -> Iterator[EpisodeSegment]:
        yield from assembly.segments(max_frames)
        episode.length = assembly.length
        episode.meta = builder.final_meta(meta, grid, assembly.length, choices,
                                          assembly.reports)
    episode.segments = segments
    return episode


class _Assembly:
    """Reads one episode and cuts its frames into segments (see the module docstring)."""

    def __init__(self, builder: EpisodeBuilder, span: EpisodeSpan, grid: Grid) -> None:
        self.builder, self.span, self.grid = builder, span, grid
        self.resamplers: dict[str, StreamResampler] = {}
        self.hold = SegmentHold(possible_columns(builder))
        self.queue: list[tuple[EpisodeSegment, dict[str, tuple[str, np.ndarray]]]] = []
        self.length = 0
        self.reports: dict[str, ResampleReport] = {}

    def segments(self, max_frames: int) -> Iterator[EpisodeSegment]:
        builder, resamplers = self.builder, self.resamplers
        builder.plausibility = Plausibility(builder.robot.profile, builder.spec, FEATURE_OF)
        taken = 0
        for every_topic_fed in builder.feed_streams(self.grid, self.span, resamplers):
            while every_topic_fed and resamplers \
                    and taken + max_frames + 1 <= self._final_frames():
                yield from self._segment(taken, taken + max_frames, taken + max_frames + 1)
                taken += max_frames
        self.reports = {name: resampler.close() for name, resampler in resamplers.items()}
        if not any(name.endswith(':position') for name in resamplers):
            msg = (f'episode {self.span.episode_id!r}: no state message in '
                   f'{builder.robot.state_topic} between its start and end')
            raise ExportError(msg)
        self.length = min(self._usable(report.cut_at_frame) for report in self.reports.values())
        if self.length == 0:
            msg = f'episode {self.span.episode_id!r}: no frame on the grid'
            raise ExportError(msg)
        while taken < self.length:
            stop = min(taken + max_frames, self.length)
            yield from self._segment(taken, stop, min(stop + 1, self.length))
            taken = stop
        yield from self._release(final=True)

    def _usable(self, cut: int | None) -> int:
        return self.grid.length if cut is None else cut

    def _final_frames(self) -> int:
        """Frames every stream has resolved for good (and no cut comes before)."""
        return min(min(resampler.resolved, self._usable(resampler.cut_at_frame))
                   for resampler in self.resamplers.values())

    def _segment(self, start: int, stop: int, end: int) -> Iterator[EpisodeSegment]:
        """Frames [start, stop) as a segment, assembled over [start, end) (one more frame
        for the next state), queued until its pending columns are known."""
        builder, rows = self.builder, stop - start
        streams = {name: resampler.window(start, end)
                   for name, resampler in self.resamplers.items()}
        kept, columns = builder.raw_columns(streams, end - start)
        self.hold.rows, self.hold.pending = rows, {}
        held = apply_validity(kept, columns, self.hold.hold)
        if builder.policy.action == 'next-state':
            held = with_next_state_actions(held)
        for resampler in self.resamplers.values():
            resampler.release(stop)
        pending = {key: (key, columns) for key, columns in self.hold.pending.items()}
        if builder.policy.action == 'next-state':
            pending.update({action: (source, pending[source][1])
                            for action, source in NEXT_STATE_OF.items() if source in pending})
        segment = EpisodeSegment(rows, {key: value[:rows] for key, value in held.items()})
        self.queue.append((segment, pending))
        yield from self._release(final=False)

    def _release(self, final: bool) -> Iterator[EpisodeSegment]:
        """The queued segments, in order, whose pending columns are known (all when final:
        a column never valid holds 0.0, as hold_invalid gives)."""
        while self.queue:
            segment, pending = self.queue[0]
            if not final and not all(self.hold.known(source, columns)
                                     for source, columns in pending.values()):
                return
            for key, (source, columns) in pending.items():
                fill = self.hold.fills(source)
                known = columns[self.hold.is_known(source)[columns]]
                values = np.array(segment.columns[key], copy=True)
                values[:, known] = fill[known]
                segment = EpisodeSegment(segment.length, {**segment.columns, key: values})
            self.queue.pop(0)
            yield segment


@dataclass
class _Column:
    last: np.ndarray  # float64: the last valid value so far (NaN: none yet)
    seen: np.ndarray  # bool: a valid value so far
    fill: np.ndarray  # float32: the first valid value (where known)
    known: np.ndarray  # bool: fill known


class SegmentHold:
    """`hold_invalid` over consecutive segments of one episode, as over the whole episode.

    `hold(key, values, ok)` is given each segment's frames (plus, after `rows`, frames that
    belong to the next segment: they may bring a first valid value, never a carried one);
    afterwards `pending` names the columns of each feature whose value in that segment is
    its first valid value, not known yet.
    """

    def __init__(self, possible: Mapping[str, np.ndarray]) -> None:
        self._possible = possible
        self._columns: dict[str, _Column] = {}
        self.rows = 0
        self.pending: dict[str, np.ndarray] = {}

    def hold(self, key: str, values: np.ndarray, ok: np.ndarray) -> np.ndarray:
        """The held float32 values of one feature's frames (see the class docstring)."""
        width = values.shape[1]
        if key not in self._columns:
            self._columns[key] = _Column(np.full(width, np.nan), np.zeros(width, dtype=bool),
                                         np.zeros(width, dtype=np.float32),
                                         np.zeros(width, dtype=bool))
        column = self._columns[key]
        held = hold_invalid(np.vstack([column.last[None, :], values]),
                            np.vstack([column.seen[None, :], ok]))[1:]
        any_ok = ok.any(axis=0)
        new = any_ok & ~column.known
        if new.any():
            first = np.argmax(ok, axis=0)
            column.fill[new] = np.asarray(values)[first, np.arange(width)][new]
            column.known |= new
        unknown = ~(column.seen | any_ok) & self._possible.get(key, np.ones(width, dtype=bool))
        if unknown.any():
            self.pending[key] = np.flatnonzero(unknown)
        mine = ok[:self.rows]
        valid_here = mine.any(axis=0)
        if valid_here.any():
            last = self.rows - 1 - np.argmax(mine[::-1], axis=0)
            column.last = np.where(valid_here, np.asarray(values)[last, np.arange(width)],
                                   column.last)
            column.seen |= valid_here
        return held

    def known(self, key: str, columns: np.ndarray) -> bool:
        """Whether the first valid values of these columns are known."""
        return bool(self._columns[key].known[columns].all())

    def is_known(self, key: str) -> np.ndarray:
        return self._columns[key].known

    def fills(self, key: str) -> np.ndarray:
        return self._columns[key].fill


def possible_columns(builder: EpisodeBuilder) -> dict[str, np.ndarray]:
    """Per held feature, the columns this robot can ever have valid (dataset/features.py):
    its profile's joints, grippers and wrench sensors; the poses only with a model."""
    profile, spec = builder.robot.profile, builder.spec
    possible = {}
    for feature in builder.features:
        key = decoded_key(feature.key)
        if feature.is_video or feature.valid_key is None or key is None:
            continue
        width = feature.shape[0]
        if key.startswith('tactile.'):
            mask = np.full(width, has_pad(builder.robot.hands, feature.key))
        elif key.startswith('eef.'):
            mask = np.full(width, builder.task_space is not None)
        elif key in JOINT_VALUE_KEYS:
            present = present_columns(profile, spec, key, len(spec.joint_names),
                                      builder.robot.hands)
            assert present is not None
            stored = builder.stored_joints.get(feature.key)
            mask = present if stored is None else present[list(stored)]
        else:
            present = present_columns(profile, spec, key, width, builder.robot.hands)
            mask = np.ones(width, dtype=bool) if present is None else present
        possible[feature.key] = mask
    return possible
