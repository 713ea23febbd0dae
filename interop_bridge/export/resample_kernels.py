"""Vectorized kernels that evaluate sorted samples at grid instants (hold, nearest, linear, slerp).

Every kernel takes sorted, duplicate-free stamps `t` (int64 ns), their values `v` (m, d)
float64 and the grid instants `tk` (int64 ns), and returns the values at `tk` plus whether each
instant is valid. Invalid instants get NaN. NaN inside an input sample is never interpolated
over: it stays NaN at every instant that uses that sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Below this sine of the angle between two quaternions, slerp falls back to normalized lerp.
SLERP_LERP_BELOW = 1e-6


@dataclass(frozen=True)
class Neighbours:
    """For each grid instant: the sample at or before it and the one after it."""

    prev: np.ndarray  # index into t, clipped to >= 0
    has_prev: np.ndarray
    next: np.ndarray  # index into t, clipped to <= m - 1
    has_next: np.ndarray
    age: np.ndarray  # tk - t[prev] (ns), meaningless where not has_prev
    lead: np.ndarray  # t[next] - tk (ns), meaningless where not has_next


def neighbours(t: np.ndarray, tk: np.ndarray) -> Neighbours:
    """Bracket every grid instant by the samples around it."""
    after = np.searchsorted(t, tk, side='right')
    prev = after - 1
    has_prev = prev >= 0
    has_next = after < len(t)
    prev = np.maximum(prev, 0)
    nxt = np.minimum(after, len(t) - 1)
    return Neighbours(prev, has_prev, nxt, has_next, tk - t[prev], t[nxt] - tk)


def hold(t: np.ndarray, v: np.ndarray, tk: np.ndarray,
         max_age_ns: int) -> tuple[np.ndarray, np.ndarray, Neighbours]:
    """The last sample at or before each instant, valid while it is at most max_age_ns old."""
    near = neighbours(t, tk)
    ok = near.has_prev & (near.age <= max_age_ns)
    return _masked(v[near.prev], ok), ok, near


def nearest(t: np.ndarray, v: np.ndarray, tk: np.ndarray,
            tolerance_ns: int) -> tuple[np.ndarray, np.ndarray, Neighbours]:
    """The closest sample (earlier on a tie), valid within tolerance_ns of the instant."""
    near = neighbours(t, tk)
    use_next = near.has_next & (~near.has_prev | (near.lead < near.age))
    index = np.where(use_next, near.next, near.prev)
    distance = np.where(use_next, near.lead, near.age)
    ok = (near.has_prev | near.has_next) & (distance <= tolerance_ns)
    return _masked(v[index], ok), ok, near


def linear(t: np.ndarray, v: np.ndarray, tk: np.ndarray,
           max_age_ns: int) -> tuple[np.ndarray, np.ndarray, Neighbours]:
    """Linear interpolation between the bracketing samples.

    Never across a gap longer than max_age_ns (the earlier sample is held instead), never
    past the last sample (held); valid while the earlier sample is at most max_age_ns old.
    """
    near, weight, between = _interpolation_weights(t, tk, max_age_ns)
    out = v[near.prev]
    rows = np.flatnonzero(between)
    if rows.size:
        before, after = v[near.prev[rows]], v[near.next[rows]]
        out[rows] = before + weight[rows, None] * (after - before)
    ok = near.has_prev & (near.age <= max_age_ns)
    return _masked(out, ok), ok, near


def slerp(t: np.ndarray, v: np.ndarray, tk: np.ndarray,
          max_age_ns: int) -> tuple[np.ndarray, np.ndarray, Neighbours]:
    """Spherical interpolation of unit quaternions (x, y, z, w), 4 columns per quaternion.

    Same bracketing and validity rules as `linear`; results are unit quaternions on the
    shorter arc (q and -q are the same rotation, so the sign flip is taken care of).
    """
    near, weight, between = _interpolation_weights(t, tk, max_age_ns)
    out = v[near.prev]
    rows = np.flatnonzero(between)
    if rows.size:
        out[rows] = slerp_pairs(v[near.prev[rows]], v[near.next[rows]], weight[rows])
    ok = near.has_prev & (near.age <= max_age_ns)
    return _masked(out, ok), ok, near


def slerp_pairs(q0: np.ndarray, q1: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Row-wise slerp from q0 to q1 (n, 4k) by weight (n,) in [0, 1]."""
    count, width = q0.shape
    a = _unit(q0.reshape(count, width // 4, 4))
    b = _unit(q1.reshape(count, width // 4, 4))
    dot = np.sum(a * b, axis=-1)
    b = np.where(dot[..., None] < 0.0, -b, b)
    dot = np.clip(np.abs(dot), 0.0, 1.0)
    theta = np.arccos(dot)
    sine = np.sin(theta)
    small = sine < SLERP_LERP_BELOW
    w = weight[:, None]
    safe = np.where(small, 1.0, sine)
    s0 = np.where(small, 1.0 - w, np.sin((1.0 - w) * theta) / safe)
    s1 = np.where(small, w, np.sin(w * theta) / safe)
    out = _unit(s0[..., None] * a + s1[..., None] * b)
    return out.reshape(count, width)


def _interpolation_weights(t: np.ndarray, tk: np.ndarray,
                           max_age_ns: int) -> tuple[Neighbours, np.ndarray, np.ndarray]:
    near = neighbours(t, tk)
    gap = near.age + near.lead
    between = near.has_prev & near.has_next & (near.age > 0) & (gap <= max_age_ns)
    weight = np.divide(near.age, gap, out=np.zeros(len(tk)), where=between & (gap > 0))
    return near, weight, between


def _unit(q: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(q, axis=-1, keepdims=True)
    return q / np.where(norm > 0.0, norm, 1.0)


def _masked(values: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Set invalid rows to NaN in place (`values` is always a fresh array from fancy indexing)."""
    values[~ok] = np.nan
    return values


KERNELS = {'hold': hold, 'nearest': nearest, 'linear': linear, 'slerp': slerp}
