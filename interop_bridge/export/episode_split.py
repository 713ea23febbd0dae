"""Split a recording into episodes from its EpisodeEvent messages (pure: dataclasses in and out).

Rules (the recorder applies the same ones online, see docs/recording.md):
- START opens an episode at its stamp, with its id and task (the language instruction).
- STOP ends the open episode. SUCCESS, FAILURE and ABORT label an episode with its outcome;
  sent while the episode is open they also end it, sent after its STOP they only label it.
- ANNOTATION adds its text to the episode's notes. A non-empty task on a later event replaces
  the task. An event with an empty id applies to the open episode, else to the last one.
- Repairs, each reported as a warning: a START while another episode is open ends that one
  where the new one starts (overlap); an episode never stopped ends at the end of the
  recording; an empty START id gets 'episode_<n>'; a reused id gets a '~<n>' suffix; events
  for unknown episodes, a STOP with nothing open, and episodes of zero length are ignored.
- Without any START the whole recording is one episode with the caller's task.
- FAILURE and ABORT episodes are excluded unless include_failed is set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from interop_bridge.episode_events import (
    ANNOTATION, EVENT_NAMES, EXCLUDED_OUTCOMES, OUTCOMES, START, STOP)
from interop_bridge.errors import ExportError
WHOLE_RECORDING_ID = 'recording'


@dataclass(frozen=True)
class EpisodeMark:
    """One EpisodeEvent as recorded: when it applies (ns), its type and its strings."""

    stamp_ns: int
    kind: int
    episode_id: str = ''
    task: str = ''
    text: str = ''


@dataclass(frozen=True)
class EpisodeSpan:
    """One episode of a recording: [start_ns, end_ns] in the recording's time."""

    episode_id: str
    task: str
    start_ns: int
    end_ns: int
    outcome: str = 'unknown'  # success | failure | abort | unknown (no outcome event)
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    from_events: bool = True

    @property
    def duration_s(self) -> float:
        """Length of the episode in seconds."""
        return (self.end_ns - self.start_ns) / 1e9


@dataclass(frozen=True)
class EpisodePlan:
    """The episodes kept for export, those excluded, and every repair made."""

    kept: tuple[EpisodeSpan, ...]
    excluded: tuple[EpisodeSpan, ...]
    warnings: tuple[str, ...]


def mark_from_message(message: Any, log_ns: int) -> EpisodeMark:
    """An EpisodeMark from a decoded EpisodeEvent (rosbags or rclpy object).

    The header stamp says when the event applies; a zero stamp means "when received", so
    the bag's log time is used instead.
    """
    stamp = message.header.stamp
    stamp_ns = int(stamp.sec) * 1_000_000_000 + int(stamp.nanosec)
    return EpisodeMark(stamp_ns or log_ns, int(message.type), str(message.episode_id),
                       str(message.task), str(message.text))


@dataclass
class _Open:
    episode_id: str
    task: str
    start_ns: int
    end_ns: int | None = None
    outcome: str = 'unknown'
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class _Splitter:
    def __init__(self, start_ns: int, end_ns: int, default_task: str | None) -> None:
        self.start_ns, self.end_ns, self.default_task = start_ns, end_ns, default_task
        self.episodes: list[_Open] = []
        self.open: _Open | None = None
        self.warnings: list[str] = []

    def apply(self, mark: EpisodeMark) -> None:
        if mark.kind == START:
            self._start(mark)
            return
        if mark.kind not in (STOP, *OUTCOMES, ANNOTATION):
            self.warnings.append(f'event of unknown type {mark.kind} at {mark.stamp_ns} ignored')
            return
        target = self._target(mark)
        if target is None:
            return
        if mark.task:
            target.task = mark.task
        if mark.kind == ANNOTATION:
            target.notes.append(mark.text)
        elif mark.kind in OUTCOMES:
            self._label(target, mark)
        elif target is self.open:
            self._close(mark.stamp_ns)

    def _start(self, mark: EpisodeMark) -> None:
        episode_id = self._unique_id(mark.episode_id)
        if self.open is not None:
            self.open.warnings.append(f'no STOP before episode {episode_id!r} started; '
                                      'ended where that one starts')
            self._close(mark.stamp_ns)
        task = mark.task or self.default_task
        if not task:
            msg = (f'episode {episode_id!r}: START at {mark.stamp_ns} ns has no task '
                   'and no default task was given (pass a task)')
            raise ExportError(msg)
        episode = _Open(episode_id, task, max(mark.stamp_ns, self.start_ns))
        if not mark.task:
            episode.warnings.append(f'START has no task; using the default task {task!r}')
        self.episodes.append(episode)
        self.open = episode

    def _unique_id(self, wanted: str) -> str:
        used = {episode.episode_id for episode in self.episodes}
        if not wanted:
            wanted = f'episode_{len(self.episodes):03d}'
            self.warnings.append(f'a START without an episode id was named {wanted!r}')
        candidate, suffix = wanted, 2
        while candidate in used:
            candidate, suffix = f'{wanted}~{suffix}', suffix + 1
        if candidate != wanted:
            self.warnings.append(f'episode id {wanted!r} was used twice; the second is '
                                 f'{candidate!r}')
        return candidate

    def _target(self, mark: EpisodeMark) -> _Open | None:
        name = EVENT_NAMES[mark.kind]
        if self.open is not None and mark.episode_id in ('', self.open.episode_id):
            return self.open
        if mark.kind == STOP:
            what = 'nothing is open' if self.open is None else f'{self.open.episode_id!r} is open'
            self.warnings.append(f'STOP for {mark.episode_id!r} at {mark.stamp_ns} ignored: '
                                 f'{what}')
            return None
        for episode in reversed(self.episodes):
            if mark.episode_id in ('', episode.episode_id):
                return episode
        self.warnings.append(f'{name} for unknown episode {mark.episode_id!r} at '
                             f'{mark.stamp_ns} ignored')
        return None

    def _label(self, target: _Open, mark: EpisodeMark) -> None:
        outcome = OUTCOMES[mark.kind]
        if target.outcome not in ('unknown', outcome):
            target.warnings.append(f'outcome {target.outcome!r} replaced by {outcome!r}')
        target.outcome = outcome
        if mark.text:
            target.notes.append(f'{outcome}: {mark.text}')
        if target is self.open:
            self._close(mark.stamp_ns)

    def _close(self, stamp_ns: int) -> None:
        assert self.open is not None
        self.open.end_ns = min(stamp_ns, self.end_ns)
        self.open = None

    def finish(self) -> list[EpisodeSpan]:
        if self.open is not None:
            self.open.warnings.append('START without STOP: ends at the end of the recording')
            self.open.end_ns = self.end_ns
            self.open = None
        spans = []
        for episode in self.episodes:
            assert episode.end_ns is not None
            spans.append(EpisodeSpan(episode.episode_id, episode.task, episode.start_ns,
                                     episode.end_ns, episode.outcome, tuple(episode.notes),
                                     tuple(episode.warnings)))
        return spans


def plan_episodes(marks: list[EpisodeMark] | tuple[EpisodeMark, ...], start_ns: int,
                  end_ns: int, default_task: str | None = None,
                  include_failed: bool = False) -> EpisodePlan:
    """Split [start_ns, end_ns] into episodes by `marks` (any order; sorted by stamp here).

    Raises:
        ExportError: The range is empty, or an episode (or the whole recording, without any
            START) has no task and no default_task was given.
    """
    if end_ns < start_ns:
        msg = f'recording range is empty: end {end_ns} ns < start {start_ns} ns'
        raise ExportError(msg)
    ordered = sorted(marks, key=lambda mark: mark.stamp_ns)
    if not any(mark.kind == START for mark in ordered):
        return _whole_recording(ordered, start_ns, end_ns, default_task)
    splitter = _Splitter(start_ns, end_ns, default_task)
    for mark in ordered:
        splitter.apply(mark)
    spans, warnings = splitter.finish(), splitter.warnings
    kept, excluded = [], []
    for span in spans:
        if span.end_ns <= span.start_ns:
            warnings.append(f'episode {span.episode_id!r} has zero length; excluded')
            excluded.append(span)
        elif span.outcome in EXCLUDED_OUTCOMES and not include_failed:
            excluded.append(span)
        else:
            kept.append(span)
    warnings.extend(f'episode {span.episode_id!r}: {warning}' for span in spans
                    for warning in span.warnings)
    return EpisodePlan(tuple(kept), tuple(excluded), tuple(warnings))


def _whole_recording(marks: list[EpisodeMark], start_ns: int, end_ns: int,
                     default_task: str | None) -> EpisodePlan:
    if not default_task:
        msg = ('the recording has no episode START event and no task was given: '
               'pass the task (language instruction) of the whole recording')
        raise ExportError(msg)
    warnings = [f'{len(marks)} episode events without any START ignored'] if marks else []
    span = EpisodeSpan(WHOLE_RECORDING_ID, default_task, start_ns, end_ns, from_events=False)
    return EpisodePlan((span,), (), tuple(warnings))
