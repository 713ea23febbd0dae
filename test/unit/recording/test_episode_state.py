"""The recorder's episode state machine: what the control service accepts and refuses."""

from __future__ import annotations

import re

from interop_bridge.episode_events import ABORT, ANNOTATION, FAILURE, START, STOP, SUCCESS
from interop_bridge.recording.episode_state import Decision, EpisodeState, generated_id


def counter_ids() -> EpisodeState:
    numbers = iter(range(1, 100))
    return EpisodeState(new_id=lambda: f'gen{next(numbers)}')


def test_start_then_stop_is_accepted_and_names_the_episode():
    state = counter_ids()
    assert state.apply(START, 'a', 'pick') == Decision(True, "episode 'a' started: pick", 'a')
    assert state.apply(STOP) == Decision(True, "episode 'a' stopped", 'a')
    assert state.open_id is None and state.last_id == 'a'


def test_a_start_without_id_gets_a_generated_one():
    state = counter_ids()
    assert state.apply(START, '', 'pick').episode_id == 'gen1'
    assert state.open_id == 'gen1'


def test_generated_ids_carry_the_utc_time_and_a_random_suffix():
    assert re.fullmatch(r'ep_\d{8}T\d{6}Z_[0-9a-f]{4}', generated_id())


def test_a_start_while_an_episode_is_open_is_refused():
    state = counter_ids()
    state.apply(START, 'a', 'pick')
    assert state.apply(START, 'b', 'place') == Decision(
        False, "episode 'a' is open; STOP it first", 'a')
    assert state.open_id == 'a'


def test_a_start_without_a_task_or_with_a_used_id_is_refused():
    state = counter_ids()
    assert state.apply(START, 'a') == Decision(
        False, 'START needs a task (the language instruction)', 'a')
    state.apply(START, 'a', 'pick')
    state.apply(STOP)
    assert state.apply(START, 'a', 'pick') == Decision(False, "episode id 'a' was used already",
                                                       'a')


def test_a_stop_with_nothing_open_or_naming_another_episode_is_refused():
    state = counter_ids()
    assert state.apply(STOP) == Decision(False, 'no open episode to stop', '')
    state.apply(START, 'a', 'pick')
    assert state.apply(STOP, 'b') == Decision(False, "episode 'b' is not open (open: 'a')", 'b')


def test_an_outcome_ends_the_open_episode():
    state = counter_ids()
    state.apply(START, 'a', 'pick')
    assert state.apply(FAILURE, '', '') == Decision(True, "episode 'a' ended: failure", 'a')
    assert state.open_id is None


def test_an_outcome_or_note_after_stop_labels_the_last_episode():
    state = counter_ids()
    state.apply(START, 'a', 'pick')
    state.apply(STOP)
    assert state.apply(SUCCESS) == Decision(True, "episode 'a' labelled success", 'a')
    assert state.apply(ANNOTATION) == Decision(True, "episode 'a' note added", 'a')


def test_a_note_on_the_open_episode_keeps_it_open():
    state = counter_ids()
    state.apply(START, 'a', 'pick')
    assert state.apply(ANNOTATION, 'a', 'pick the red cup') == Decision(
        True, "note added to episode 'a'", 'a')
    assert (state.open_id, state.open_task) == ('a', 'pick the red cup')


def test_labels_for_no_or_unknown_episodes_are_refused():
    state = counter_ids()
    assert state.apply(ABORT) == Decision(False, 'ABORT: no episode yet to label', '')
    assert state.apply(ANNOTATION, 'zz') == Decision(
        False, "ANNOTATION: no episode 'zz' to label", 'zz')


def test_an_unknown_event_type_is_refused():
    assert counter_ids().apply(9) == Decision(False, 'unknown event type 9 (expected 0..5)', '')
