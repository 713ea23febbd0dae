"""What one write (an export, an append or a merge) did to a dataset."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class WriteSummary:
    """What a writer did: dataset totals, what it added, and the video encoder's throughput."""

    root: Path
    total_episodes: int
    total_frames: int
    new_episodes: int
    new_frames: int
    encoded_frames: int
    encode_seconds: float

    @property
    def encode_fps(self) -> float:
        """Camera frames encoded per second of encoder time (0.0 without video)."""
        return self.encoded_frames / self.encode_seconds if self.encode_seconds else 0.0
