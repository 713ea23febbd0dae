"""What an invalid entry of an episode holds, and actions made from the next state.

The rule (dataset/features.py, docs/export.md): an invalid entry holds its column's last valid
value, before the column's first valid frame that first value, and 0.0 in a column valid
nowhere in the episode; masks say which entries are valid.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from interop_bridge.dataset.features import Feature, expand_validity, hold_invalid, mask_key

NEXT_STATE_OF = {'action': 'observation.state', 'action.hand': 'observation.hand'}
# (feature key, values, ok) -> the held float32 values (export/episode_stream.py holds across
# segments); default: hold_invalid over the frames given.
Hold = Callable[[str, np.ndarray, np.ndarray], np.ndarray]


def apply_validity(features: tuple[Feature, ...], columns: dict[str, np.ndarray],
                   hold: Hold | None = None) -> dict[str, np.ndarray]:
    """Validity = recorded flag AND a finite value; invalid entries hold (float32).

    The first feature of a validity group (observation.state for valid.observation.state, the
    orientation for the IMU flag ...) defines the group's validity; the others (velocity,
    effort ...) hold their own non-finite entries too, without changing the group's flag.
    """
    out: dict[str, np.ndarray] = {}
    for feature in features:
        if feature.is_video or feature.valid_key is None:
            continue
        values = columns[feature.key]
        if feature.valid_key not in out:
            flag = np.nan_to_num(columns[feature.valid_key], nan=0.0) > 0.5
            ok = expand_validity(feature, flag) & np.isfinite(values)
            group = feature.shape[0] // flag.shape[1]
            out[feature.valid_key] = ok.reshape(len(ok), flag.shape[1], group).all(axis=2)
        valid = expand_validity(feature, out[feature.valid_key])
        ok = valid & np.isfinite(values)
        out[feature.key] = hold_invalid(values, ok) if hold is None else \
            hold(feature.key, values, ok)
    return {key: value.astype(np.float32, copy=False) for key, value in out.items()}


def is_next_state_feature(key: str) -> bool:
    """Whether a feature is made from the next state under --action next-state."""
    return any(key in (action, mask_key(action)) for action in NEXT_STATE_OF)


def with_next_state_actions(columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Add `action` = the next frame's state (and `action.hand` = next hand), with validity.

    The last frame has no next state: its action is invalid and holds the last state.
    """
    out = dict(columns)
    for action, source in NEXT_STATE_OF.items():
        values, valid = columns[source], columns[mask_key(source)]
        out[action] = np.concatenate([values[1:], values[-1:]])
        out[mask_key(action)] = np.concatenate([valid[1:], np.zeros_like(valid[:1])])
    return out
