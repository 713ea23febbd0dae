"""The recorder's episode state: which episode is open, and whether an event applies (pure).

The same rules as the exporter's split (interop_bridge/export/episode_split.py), applied strictly:
an event that the exporter would have to repair is refused here, with the reason.
- START: refused while an episode is open, without a task, or with an id already used; an
  empty id gets a generated one.
- STOP: refused with no open episode, or with an id that is not the open one.
- SUCCESS / FAILURE / ABORT: end the open episode with that outcome; with no episode open they
  label the last episode (or the one named by the id). ANNOTATION attaches a note the same way.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from interop_bridge.episode_events import ANNOTATION, EVENT_NAMES, OUTCOMES, START, STOP


@dataclass(frozen=True)
class Decision:
    """The answer to one event (what the ControlEpisode service returns)."""

    accepted: bool
    message: str
    episode_id: str


def generated_id() -> str:
    """'ep_<UTC date and time>_<4 hex>', unique enough across recorder runs."""
    return f'ep_{time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())}_{secrets.token_hex(2)}'


@dataclass
class EpisodeState:
    """Tracks the open episode of one recorder."""

    new_id: Callable[[], str] = generated_id
    open_id: str | None = None
    open_task: str = ''
    last_id: str | None = None
    used_ids: set[str] = field(default_factory=set)

    def apply(self, kind: int, episode_id: str = '', task: str = '') -> Decision:
        """Apply one event; the state changes only when the event is accepted."""
        if kind == START:
            return self._start(episode_id, task)
        if kind == STOP:
            return self._stop(episode_id)
        if kind in OUTCOMES or kind == ANNOTATION:
            return self._label(kind, episode_id, task)
        return Decision(False, f'unknown event type {kind} (expected 0..5)', episode_id)

    def _start(self, episode_id: str, task: str) -> Decision:
        if self.open_id is not None:
            return Decision(False, f'episode {self.open_id!r} is open; STOP it first',
                            self.open_id)
        if not task:
            return Decision(False, 'START needs a task (the language instruction)', episode_id)
        if episode_id in self.used_ids:
            return Decision(False, f'episode id {episode_id!r} was used already', episode_id)
        episode_id = episode_id or self._fresh_id()
        self.open_id, self.open_task = episode_id, task
        self.used_ids.add(episode_id)
        return Decision(True, f'episode {episode_id!r} started: {task}', episode_id)

    def _fresh_id(self) -> str:
        candidate = self.new_id()
        while candidate in self.used_ids:
            candidate = self.new_id()
        return candidate

    def _stop(self, episode_id: str) -> Decision:
        if self.open_id is None:
            return Decision(False, 'no open episode to stop', episode_id)
        if episode_id and episode_id != self.open_id:
            return Decision(False, f'episode {episode_id!r} is not open (open: '
                                   f'{self.open_id!r})', episode_id)
        return self._close('stopped')

    def _close(self, how: str) -> Decision:
        assert self.open_id is not None
        closed, self.open_id, self.last_id = self.open_id, None, self.open_id
        return Decision(True, f'episode {closed!r} {how}', closed)

    def _label(self, kind: int, episode_id: str, task: str) -> Decision:
        name = EVENT_NAMES[kind]
        if self.open_id is not None and episode_id in ('', self.open_id):
            if task:
                self.open_task = task
            if kind in OUTCOMES:
                return self._close(f'ended: {OUTCOMES[kind]}')
            return Decision(True, f'note added to episode {self.open_id!r}', self.open_id)
        target = episode_id or self.last_id
        if target is None or target not in self.used_ids:
            which = f'no episode {episode_id!r}' if episode_id else 'no episode yet'
            return Decision(False, f'{name}: {which} to label', episode_id)
        what = f'labelled {OUTCOMES[kind]}' if kind in OUTCOMES else 'note added'
        return Decision(True, f'episode {target!r} {what}', target)
