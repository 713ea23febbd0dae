"""Where every file of a LeRobotDataset v3.0 lives: path templates, chunk/file slots, sizes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CODEBASE_VERSION = 'v3.0'
INFO_PATH = 'meta/info.json'
STATS_PATH = 'meta/stats.json'
TASKS_PATH = 'meta/tasks.parquet'
# Our own metadata (robots, profile, source bags); LeRobot never reads or rewrites it.
INTEROP_PATH = 'meta/interop.json'
# Isaac GR00T's body-part slices, written on request.
MODALITY_PATH = 'meta/modality.json'
EPISODES_DIR = 'meta/episodes'
EPISODES_PATH = 'meta/episodes/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet'
DATA_DIR = 'data'
DATA_PATH = 'data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet'
VIDEO_DIR = 'videos'
VIDEO_PATH = 'videos/{video_key}/chunk-{chunk_index:03d}/file-{file_index:03d}.mp4'

CHUNKS_SIZE = 1000  # files per chunk-XXX directory
DEFAULT_DATA_FILE_MB = 100
DEFAULT_VIDEO_FILE_MB = 200
# LeRobot reads `timestamp` as float32 and matches video frames in float32 within 1e-4 s.
# Below 512 s (2**9) float32 is within 1.53e-5 s of k / fps and a video query time (an MP4's
# from_timestamp + row timestamp) within 3.05e-5 s (one spacing) of its frame's; at 1024 s
# these double (6.1e-5 s, too near 1e-4). Longer episodes are split into parts of at most
# this length, and an MP4 file holds at most this duration (docs/export.md, long episodes).
MAX_EPISODE_S = 512
MAX_VIDEO_FILE_S = 512
MEGABYTE = 1024 * 1024


@dataclass(frozen=True, order=True)
class FileSlot:
    """The (chunk, file) pair that names one data, video or episodes file."""

    chunk_index: int = 0
    file_index: int = 0

    def next(self, chunks_size: int = CHUNKS_SIZE) -> FileSlot:
        """The slot after this one: the next file, or file 0 of the next chunk when full."""
        if self.file_index + 1 >= chunks_size:
            return FileSlot(self.chunk_index + 1, 0)
        return FileSlot(self.chunk_index, self.file_index + 1)


def data_path(slot: FileSlot) -> str:
    """Relative path of a data parquet file."""
    return DATA_PATH.format(chunk_index=slot.chunk_index, file_index=slot.file_index)


def video_path(video_key: str, slot: FileSlot) -> str:
    """Relative path of one camera's MP4 file."""
    return VIDEO_PATH.format(video_key=video_key, chunk_index=slot.chunk_index,
                             file_index=slot.file_index)


def episodes_path(slot: FileSlot) -> str:
    """Relative path of an episodes-metadata parquet file."""
    return EPISODES_PATH.format(chunk_index=slot.chunk_index, file_index=slot.file_index)


def slot_of(path: Path) -> FileSlot:
    """The slot of a '.../chunk-XXX/file-YYY.<ext>' path."""
    chunk = int(path.parent.name.removeprefix('chunk-'))
    return FileSlot(chunk, int(path.stem.removeprefix('file-')))


def last_slot(directory: Path, pattern: str) -> FileSlot | None:
    """The highest slot among files matching 'chunk-*/<pattern>' under directory, or None."""
    slots = [slot_of(path) for path in directory.glob(f'chunk-*/{pattern}')]
    return max(slots) if slots else None


def megabytes_to_bytes(megabytes: float) -> int:
    """A file-size limit in MB (LeRobot's unit: MiB) as bytes."""
    return int(megabytes * MEGABYTE)
