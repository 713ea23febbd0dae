"""Splitting a recording into episodes from its EpisodeEvent marks."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from bag_writing import episode_event

from interop_bridge.episode_events import ABORT, ANNOTATION, FAILURE, START, STOP, SUCCESS
from interop_bridge.errors import ExportError
from interop_bridge.export.episode_split import (
    EpisodeMark, EpisodeSpan, mark_from_message, plan_episodes)

S = 1_000_000_000


def split_episodes(marks, start_ns, end_ns, default_task=None, include_failed=False):
    """The episodes plan_episodes keeps."""
    return list(plan_episodes(marks, start_ns, end_ns, default_task, include_failed).kept)


def mark(second: float, kind: int, episode_id: str = '', task: str = '',
         text: str = '') -> EpisodeMark:
    return EpisodeMark(int(second * S), kind, episode_id, task, text)


def test_without_any_start_the_whole_recording_is_one_episode_with_the_given_task():
    (span,) = split_episodes([], 0, 10 * S, default_task='wave')
    assert span == EpisodeSpan('recording', 'wave', 0, 10 * S, from_events=False)


def test_without_any_start_and_without_a_task_the_split_is_refused():
    with pytest.raises(ExportError, match='no episode START event and no task was given'):
        split_episodes([mark(1, ANNOTATION, text='hi')], 0, 10 * S)


def test_start_and_stop_delimit_each_episode_with_its_id_and_task():
    marks = [mark(1, START, 'a', 'pick the cup'), mark(3, STOP, 'a'),
             mark(5, START, 'b', 'place the cup'), mark(8, STOP)]
    spans = split_episodes(marks, 0, 10 * S)
    assert [(s.episode_id, s.task, s.start_ns, s.end_ns) for s in spans] == [
        ('a', 'pick the cup', 1 * S, 3 * S), ('b', 'place the cup', 5 * S, 8 * S)]
    assert spans[0].duration_s == 2.0 and spans[0].outcome == 'unknown'


def test_an_outcome_ends_an_open_episode_and_labels_a_stopped_one():
    marks = [mark(1, START, 'a', 'task'), mark(2, SUCCESS, text='clean grasp'),
             mark(3, START, 'b', 'task'), mark(4, STOP, 'b'), mark(6, SUCCESS, 'b')]
    a, b = split_episodes(marks, 0, 10 * S)
    assert (a.end_ns, a.outcome, a.notes) == (2 * S, 'success', ('success: clean grasp',))
    assert (b.end_ns, b.outcome) == (4 * S, 'success')


def test_failed_and_aborted_episodes_are_excluded_unless_asked_for():
    marks = [mark(1, START, 'a', 't'), mark(2, FAILURE, text='dropped it'),
             mark(3, START, 'b', 't'), mark(4, ABORT), mark(5, START, 'c', 't'), mark(6, STOP)]
    plan = plan_episodes(marks, 0, 10 * S)
    assert [s.episode_id for s in plan.kept] == ['c']
    excluded = [(s.episode_id, s.outcome) for s in plan.excluded]
    assert excluded == [('a', 'failure'), ('b', 'abort')]
    everything = split_episodes(marks, 0, 10 * S, include_failed=True)
    assert [s.episode_id for s in everything] == ['a', 'b', 'c']


def test_a_start_while_another_episode_is_open_ends_that_one_with_a_warning():
    marks = [mark(1, START, 'a', 't'), mark(4, START, 'b', 't'), mark(6, STOP, 'b')]
    plan = plan_episodes(marks, 0, 10 * S)
    assert [(s.episode_id, s.start_ns, s.end_ns) for s in plan.kept] == [
        ('a', 1 * S, 4 * S), ('b', 4 * S, 6 * S)]
    assert plan.kept[0].warnings == ("no STOP before episode 'b' started; ended where that "
                                     'one starts',)
    assert "episode 'a': no STOP before episode 'b' started" in plan.warnings[0]


def test_an_episode_never_stopped_ends_at_the_end_of_the_recording_with_a_warning():
    plan = plan_episodes([mark(7, START, 'a', 't')], 0, 10 * S)
    (span,) = plan.kept
    assert (span.start_ns, span.end_ns) == (7 * S, 10 * S)
    assert plan.warnings == ("episode 'a': START without STOP: ends at the end of the "
                             'recording',)


def test_annotations_and_later_tasks_update_their_episode():
    marks = [mark(1, START, 'a', 'pick'), mark(2, ANNOTATION, text='light changed'),
             mark(2.5, ANNOTATION, 'a', task='pick the red cup', text='task clarified'),
             mark(3, STOP)]
    (span,) = split_episodes(marks, 0, 10 * S)
    assert span.task == 'pick the red cup'
    assert span.notes == ('light changed', 'task clarified')


def test_missing_and_reused_ids_are_named_uniquely_with_warnings():
    marks = [mark(1, START, task='t'), mark(2, STOP), mark(3, START, 'x', 't'), mark(4, STOP),
             mark(5, START, 'x', 't'), mark(6, STOP)]
    plan = plan_episodes(marks, 0, 10 * S)
    assert [s.episode_id for s in plan.kept] == ['episode_000', 'x', 'x~2']
    assert "a START without an episode id was named 'episode_000'" in plan.warnings
    assert "episode id 'x' was used twice; the second is 'x~2'" in plan.warnings


def test_stray_events_are_ignored_with_warnings():
    marks = [mark(0.5, STOP), mark(1, START, 'a', 't'), mark(2, STOP, 'zzz'),
             mark(3, SUCCESS, 'nobody'), mark(4, STOP), mark(5, 9)]
    plan = plan_episodes(marks, 0, 10 * S)
    assert [(s.episode_id, s.end_ns) for s in plan.kept] == [('a', 4 * S)]
    assert plan.warnings == (
        "STOP for '' at 500000000 ignored: nothing is open",
        "STOP for 'zzz' at 2000000000 ignored: 'a' is open",
        "SUCCESS for unknown episode 'nobody' at 3000000000 ignored",
        'event of unknown type 9 at 5000000000 ignored')


def test_a_zero_length_episode_is_excluded_with_a_warning():
    plan = plan_episodes([mark(2, START, 'a', 't'), mark(2, STOP)], 0, 10 * S)
    assert plan.kept == () and plan.excluded[0].episode_id == 'a'
    assert "episode 'a' has zero length; excluded" in plan.warnings


def test_a_start_without_task_uses_the_default_task_or_is_refused():
    (span,) = split_episodes([mark(1, START, 'a'), mark(2, STOP)], 0, 10 * S, 'fold')
    assert span.task == 'fold'
    assert span.warnings == ("START has no task; using the default task 'fold'",)
    with pytest.raises(ExportError, match=r"episode 'a': START at 1000000000 ns has no task"):
        split_episodes([mark(1, START, 'a'), mark(2, STOP)], 0, 10 * S)


def test_marks_are_applied_in_stamp_order_and_clamped_to_the_recording():
    marks = [mark(12, STOP), mark(-1, START, 'a', 't')]
    (span,) = split_episodes(marks, 0, 10 * S)
    assert (span.start_ns, span.end_ns) == (0, 10 * S)


def test_an_empty_recording_range_is_refused():
    with pytest.raises(ExportError, match='recording range is empty: end 1 ns < start 2 ns'):
        split_episodes([], 2, 1, 'task')


def test_a_mark_is_made_from_a_decoded_event_and_a_zero_stamp_means_its_log_time():
    event = episode_event(5 * S + 7, START, 'a', 'pick', 'note')
    assert mark_from_message(event, 9 * S) == EpisodeMark(5 * S + 7, START, 'a', 'pick', 'note')
    unstamped = SimpleNamespace(header=SimpleNamespace(stamp=SimpleNamespace(sec=0, nanosec=0)),
                                type=STOP, episode_id='', task='', text='')
    assert mark_from_message(unstamped, 9 * S) == EpisodeMark(9 * S, STOP)
