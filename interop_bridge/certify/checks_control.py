"""Control checks: commands against the state they drove, the robot's limits, and finiteness.

Mask-aware like interop_bridge.certify.checks_physics: a joint counts where its action entry is
valid (commanded) and, for tracking, its state entry is valid too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from interop_bridge.certify.checks_physics import LimitCheck
from interop_bridge.certify.physics_common import (ACTION, ANCHORS, STATE, Accumulator, BoolArray,
                                                   FloatArray, column, column_median,
                                                   declared_valid, median, usable)
from interop_bridge.certify.model import (Check, CheckResult, CheckSpec, DatasetInput,
                                          EpisodeData, Finding, memoized)

TRACKING_MEDIAN = 0.1    # rad, median |action - state| at the best lag
LAG_SECONDS = 0.2        # s, |best lag|
LAG_SEARCH_SECONDS = 1.0  # lags searched: -1 s .. +1 s (at most half the episode)
COMMAND_TOLERANCE = 0.001  # rad: the bridge clamps commands to the limits exactly


def pairs_at(action: FloatArray, act_valid: BoolArray, state: FloatArray,
             state_valid: BoolArray, lag: int) -> tuple[FloatArray, BoolArray]:
    """action[k] - state[k + lag] and where both are valid."""
    frames = action.shape[0]
    first, last = max(0, -lag), frames - max(0, lag)
    difference = action[first:last] - state[first + lag:last + lag]
    return difference, act_valid[first:last] & state_valid[first + lag:last + lag]


def _deviation(values: FloatArray) -> tuple[float, int]:
    """Sum of |value - its column's median| and the number of values."""
    return float(np.abs(values - column_median(values)).sum()), values.size


def centred_cost(difference: FloatArray, valid: BoolArray) -> float:
    """Mean |difference - the joint's median difference| (a constant offset costs nothing).

    Joints valid at every frame are taken together (one median per column), the others one by
    one on their valid frames.
    """
    present = valid.any(axis=0)
    whole = present & valid.all(axis=0)
    total, count = 0.0, 0
    if whole.any():
        total, count = _deviation(difference[:, whole])
    for joint in np.flatnonzero(present & ~whole):
        part, size = _deviation(difference[valid[:, joint], joint][:, None])
        total, count = total + part, count + size
    return total / count if count else np.inf


@dataclass(frozen=True)
class LagPairs:
    """Action and state of one episode, and the joints valid in both at every frame (the
    common case: those are compared at every lag without building masks)."""

    action: FloatArray
    act_valid: BoolArray
    state: FloatArray
    state_valid: BoolArray
    always: BoolArray        # joints valid in action and state at every frame
    always_action: FloatArray
    always_state: FloatArray

    @classmethod
    def of(cls, action: FloatArray, act_valid: BoolArray, state: FloatArray,
           state_valid: BoolArray) -> LagPairs:
        always: BoolArray = np.asarray(act_valid.all(axis=0) & state_valid.all(axis=0))
        if not action.shape[0]:
            always = np.zeros_like(always)
        return cls(action, act_valid, state, state_valid, always,
                   np.ascontiguousarray(action[:, always]),
                   np.ascontiguousarray(state[:, always]))

    def cost(self, lag: int) -> float:
        """centred_cost of action[k] - state[k + lag], computed on the always-valid joints
        alone when no other joint is valid anywhere in the lag's window (the same sums)."""
        frames = self.action.shape[0]
        first, last = max(0, -lag), frames - max(0, lag)
        if not (self.act_valid[first:last] & self.state_valid[first + lag:last + lag]
                )[:, ~self.always].any():
            if not self.always.any() or last <= first:
                return np.inf
            block = self.always_action[first:last] - self.always_state[first + lag:last + lag]
            total, count = _deviation(block)
            return total / count
        return centred_cost(*pairs_at(self.action, self.act_valid, self.state,
                                      self.state_valid, lag))


def best_lag(data: EpisodeData, fps: int) -> tuple[int, FloatArray] | str:
    """The lag [frames] at which the state best follows the action, and |action - state| there
    (or why there is none); searched once per episode, whichever check or report asks first.

    Lags -N..N (N = LAG_SEARCH_SECONDS * fps, at most half the episode) are tried in order of
    |lag|; a lag replaces the best one only when it lowers the offset-free cost by 1 %.
    """
    return memoized(data, f'best_lag:{fps}', lambda: _search_lag(data, fps))


def _search_lag(data: EpisodeData, fps: int) -> tuple[int, FloatArray] | str:
    act, state = usable(data, ACTION), usable(data, STATE)
    if act is None:
        return 'no action feature'
    if state is None:
        return 'no observation.state feature'
    (action, act_valid), (position, state_valid) = act, state
    reach = min(int(round(LAG_SEARCH_SECONDS * fps)), action.shape[0] // 2)
    pairs = LagPairs.of(action, act_valid, position, state_valid)
    best: tuple[int, float] | None = None
    for lag in sorted(range(-reach, reach + 1), key=abs):
        cost = pairs.cost(lag)
        if np.isfinite(cost) and (best is None or cost < 0.99 * best[1]):
            best = (lag, cost)
    if best is None:
        return 'no frame with a valid action and a valid state'
    difference, valid = pairs_at(action, act_valid, position, state_valid, best[0])
    return best[0], np.abs(difference[valid])


class TrackingError(Accumulator):
    """Median |action - state| on commanded joints, at the best lag."""

    unit, limit = 'rad', TRACKING_MEDIAN

    def __init__(self) -> None:
        super().__init__()
        self.spec = SPECS['tracking_error']

    def measure(self, data: EpisodeData, dataset: DatasetInput) -> float | str:
        found = best_lag(data, dataset.fps)
        if isinstance(found, str):
            return found
        lag, error = found
        middle, worst = median(error), float(error.max())
        self.notes.append(f'episode {data.index} max {worst:.4g} rad at lag {lag} frame(s)')
        if middle > self.limit:
            self.findings.append(Finding(data.index, (
                f'median |action - state| {middle:.4g} rad (max {worst:.4g}) at lag {lag} '
                f'frame(s) over {error.size} entries')))
        return middle


class CommandLag(Accumulator):
    """The action-to-state lag, |seconds|."""

    unit, limit = 's', LAG_SECONDS

    def __init__(self) -> None:
        super().__init__()
        self.spec = SPECS['command_lag']

    def measure(self, data: EpisodeData, dataset: DatasetInput) -> float | str:
        found = best_lag(data, dataset.fps)
        if isinstance(found, str):
            return found
        lag = found[0]
        seconds = abs(lag) / dataset.fps
        self.notes.append(f'episode {data.index} lag {lag} frame(s)')
        if seconds > self.limit:
            self.findings.append(Finding(data.index, (
                f'state follows the action {lag} frame(s) ({lag / dataset.fps:.3g} s) later')))
        return seconds


class NonFinite(Accumulator):
    """NaN or inf at valid entries of float features, anywhere in unmasked float columns."""

    unit, limit = 'entries', 0.0

    def __init__(self) -> None:
        super().__init__()
        self.spec = SPECS['non_finite']

    def measure(self, data: EpisodeData, dataset: DatasetInput) -> float | str:
        if not data.columns:
            return 'no float column'
        total = 0
        for key in sorted(data.columns):
            values = column(data, key)
            if values is None or not np.issubdtype(np.asarray(data.columns[key]).dtype,
                                                   np.floating):
                continue
            mask = declared_valid(data, key, values.shape[1])
            bad = ~np.isfinite(values) if mask is None else mask & ~np.isfinite(values)
            count = int(bad.sum())
            if count:
                frames = np.flatnonzero(bad.any(axis=1))
                self.findings.append(Finding(data.index, (
                    f'{key}: {count} non-finite {"valid " if mask is not None else ""}'
                    f'entr{"y" if count == 1 else "ies"}, first at frame {int(frames[0])}')))
            total += count
        return float(total)

    def result(self, dataset: DatasetInput) -> CheckResult:
        """Total count over episodes (not the worst episode's)."""
        outcome = super().result(dataset)
        if outcome.skipped:
            return outcome
        total = float(sum(self.figures))
        return CheckResult(self.spec.id, total == 0, total, self.unit,
                           f'{int(total)} non-finite entr{"y" if total == 1 else "ies"} over '
                           f'{len(self.figures)} episode(s)', outcome.findings)


def _spec(name: str, measures: str, threshold: str, answers: str,
          severity: str = 'fail') -> CheckSpec:
    return CheckSpec(f'control.{name}', 'control', measures, threshold, severity,
                     'training-ready', answers)


TRACKING = f'{ANCHORS} section 9.5 (tracking error and command-to-state lag)'
SPECS = {
    'tracking_error': _spec(
        'tracking_error', '|action - observation.state| [rad] on entries valid in both, '
        'the state shifted by the best lag (control.command_lag)',
        f'median <= {TRACKING_MEDIAN} rad (max reported)', TRACKING, severity='warn'),
    'command_lag': _spec(
        'command_lag', 'the lag of observation.state behind action minimizing the '
        f'offset-free mean |action - state| over lags of +-{LAG_SEARCH_SECONDS} s',
        f'|lag| <= {LAG_SECONDS} s', TRACKING),
    'commands_within_limits': _spec(
        'commands_within_limits', 'valid action entries against the profile\'s canonical '
        'joint position limits', f'no command beyond a limit by more than '
        f'{COMMAND_TOLERANCE} rad (figure: worst excess)',
        f'{ANCHORS} section 8 (position within per-robot limits, actions) and issue 9 '
        '"commands outside limits"'),
    'non_finite': _spec(
        'non_finite', 'NaN or inf at valid entries of every float feature (every entry of '
        'an unmasked float column)', '0 entries',
        'issue 9 "NaN/inf anywhere"; interop validate values check'),
}

FACTORIES: tuple[Callable[[], Check], ...] = (
    TrackingError, CommandLag,
    lambda: LimitCheck(SPECS['commands_within_limits'], ACTION, 'position', COMMAND_TOLERANCE,
                       'rad'),
    NonFinite)


def checks() -> list[Check]:
    """Fresh accumulators of every control check."""
    return [factory() for factory in FACTORIES]
