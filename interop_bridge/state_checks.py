"""Whether a mapped vendor state is physically possible, before the bridge relies on it.

A vendor state is the reference of every hold target the bridge sends (joints a command does
not drive, the safe command), so a corrupt one must not be used: a joint position further
than STATE_LIMIT_MARGIN past the profile's limits is not a position the robot can be in
(an encoder glitch, a flipped bit, a message of another robot). Pure numpy.
"""

from __future__ import annotations

import numpy as np

from interop_bridge.command_safety import CommandLimits

STATE_LIMIT_MARGIN = 0.2  # [rad] beyond a joint's limits that a measured position may read


def implausible_position(limits: CommandLimits, position: np.ndarray) -> str | None:
    """Why a state's canonical positions are impossible (first offending joint), or None."""
    present = limits.present
    low = limits.position_low - STATE_LIMIT_MARGIN
    high = limits.position_high + STATE_LIMIT_MARGIN
    bad = present & np.isfinite(position) & ((position < low) | (position > high))
    if not bad.any():
        return None
    index = int(np.flatnonzero(bad)[0])
    return (f'{limits.names[index]} at {position[index]:.6g} rad, beyond its limits '
            f'[{limits.position_low[index]:.4g}, {limits.position_high[index]:.4g}] by more '
            f'than {STATE_LIMIT_MARGIN} rad: vendor state not used')
