"""Where an export's `action` comes from: recorded commands, the next state, or nothing.

A recording without commands gets no action feature, never an all-invalid zero action. The
choice is the export's (`--action`), resolved against what the bags hold and, when appending,
against the dataset's own action source; one dataset has one action source.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from interop_bridge.dataset.metadata import dataset_action_source
from interop_bridge.dataset.atomic import is_dataset
from interop_bridge.errors import ExportError

if TYPE_CHECKING:
    from interop_bridge.export.planning import BagPlan

REASONS = {
    'commands': 'the recorded joint commands, held until the next one',
    'next-state': "the next frame's observation.state (asked for: --action next-state)",
    'none': 'no action feature',
}


@dataclass(frozen=True)
class ActionChoice:
    """The action source of an export and why (both go to interop.json and the card)."""

    source: str  # commands | next-state | none
    reason: str

    def record(self) -> dict[str, str]:
        """interop.json `exports[*].action`."""
        return {'source': self.source, 'reason': self.reason}


def resolve_action(asked: str, plans: Sequence[BagPlan], out: Path) -> ActionChoice:
    """The action source of an export of `plans` into `out`.

    'commands' with no command stream in any bag becomes 'none' (no action feature).

    Raises:
        ExportError: some bags have commands and others not, or the dataset at `out` has
            another action source.
    """
    choice = _from_bags(asked, plans)
    existing = dataset_action_source(out) if is_dataset(out) else None
    if existing is not None and existing != choice.source:
        msg = (f'{out} has action source {existing!r} ({REASONS[existing]}); this export '
               f'would add {choice.source!r} ({choice.reason}). One dataset has one action '
               'source: export into another dataset, or choose --action to match')
        raise ExportError(msg)
    return choice


def _from_bags(asked: str, plans: Sequence[BagPlan]) -> ActionChoice:
    if asked != 'commands':
        return ActionChoice(asked, REASONS[asked])
    used = [plan for plan in plans if plan.spans]
    without = [plan for plan in used if not plan.command_topics]
    if not without:
        topics = sorted({topic for plan in used for topic in plan.command_topics})
        return ActionChoice('commands', f'{REASONS["commands"]} ({", ".join(topics)})')
    if len(without) == len(used):
        return ActionChoice('none', 'no joint command stream was recorded, so the dataset has '
                            'no action feature (--action next-state makes one from the state)')
    names = ', '.join(str(plan.path) for plan in without)
    msg = (f'{len(without)} of {len(used)} bag(s) hold no joint commands ({names}); one '
           'dataset has one action source: export them separately, or use --action '
           'next-state or --action none for all')
    raise ExportError(msg)
