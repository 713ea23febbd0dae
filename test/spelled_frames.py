"""Camera frames that spell a number in 8 vertical black/white bars (bit 0 leftmost).

Robust to lossy video codecs, so a test can tell which source frame a decoded frame came from.
(test/lerobot/check_with_lerobot.py reads them back on its own, in the LeRobot venv.)
"""

from __future__ import annotations

import numpy as np

BITS = 8


def spelling_frame(code: int, height: int, width: int) -> np.ndarray:
    """An RGB frame whose bars spell `code` in binary (white = 1)."""
    frame = np.zeros((height, width, 3), dtype=np.uint8)
    bar = width // BITS
    for bit in range(BITS):
        if (code >> bit) & 1:
            frame[:, bit * bar:(bit + 1) * bar] = 255
    return frame


def spelled_code(frame: np.ndarray) -> int:
    """The number a decoded spelling frame spells."""
    bar = frame.shape[1] // BITS
    return sum(1 << bit for bit in range(BITS) if frame[:, bit * bar:(bit + 1) * bar].mean() > 127)
