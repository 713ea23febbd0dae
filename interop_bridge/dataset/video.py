"""Streaming MP4 encoding of camera frames with PyAV, several episodes per file.

Each camera has one `CameraEncoder`. Frames are pulled one at a time from the episode's
FrameSource and encoded straight into the open MP4 (never all frames in memory). The video is
constant-rate at exactly `fps`: frame k of a file has pts = k in time_base 1/fps, one frame
per dataset row, so an episode's `from_timestamp` is the number of frames before it in the
file divided by fps. Episodes are never split across files; a new file is started before an
episode whose estimated size (bytes per frame so far times its length) would push the file
past the size limit, or whose frames would take it past `max_frames` (default
layout.MAX_VIDEO_FILE_S of video: LeRobot's float32 query times, from_timestamp + row
timestamp, stay within 3.05e-5 s of the frame times below 512 s).
AV1 via libsvtav1 (preset 12, crf 30, g 2, yuv420p) is the default, as in LeRobot; libx264
is the fast option. Opening an encoder never leaves a thread of the process at a real-time
priority it did not have (interop_bridge.scheduling: SVT-AV1 raises them when run as root).
`limit_encoder_threads(n)` caps how many threads each SVT-AV1 encoder of this process may use
(a worker of a parallel export takes its share of the cores); SVT-AV1 writes the same bytes
whatever its thread count (test/unit/dataset/test_video_threads.py), so the cap changes speed,
never output. `encoded_frames` / `encode_seconds` give the encoder's throughput. PyAV is
imported by the functions that open a file (a tenth of a second that an export without
cameras never pays).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from interop_bridge.errors import ExportError
from interop_bridge.dataset.layout import MAX_VIDEO_FILE_S, FileSlot, video_path
from interop_bridge.dataset.records import VideoInfo
from interop_bridge.scheduling import SchedulingGuard

if TYPE_CHECKING:
    import av

CODECS = ('libsvtav1', 'libx264')
_THREAD_LIMIT = [0]  # threads per SVT-AV1 encoder of this process; 0: the encoder's choice


def limit_encoder_threads(threads: int) -> None:
    """Let every SVT-AV1 encoder this process opens from now on use at most `threads`
    threads (0: as many as it likes). libx264 is left alone: its bytes depend on its thread
    count."""
    if threads < 0:
        msg = f'encoder threads {threads}: expected 0 (no limit) or more'
        raise ExportError(msg)
    _THREAD_LIMIT[0] = threads


PIX_FMT = 'yuv420p'


@dataclass(frozen=True)
class VideoOptions:
    """Encoder settings shared by every file of a dataset (episodes must agree to concatenate)."""

    vcodec: str = 'libsvtav1'
    crf: int = 30
    preset: int | str = 12
    g: int = 2

    def __post_init__(self) -> None:
        if self.vcodec not in CODECS:
            msg = (f'video codec {self.vcodec!r} is not supported, expected one of '
                   f'{", ".join(CODECS)}')
            raise ExportError(msg)

    @classmethod
    def for_codec(cls, vcodec: str) -> VideoOptions:
        """LeRobot's defaults for libsvtav1; crf 23, preset veryfast for libx264."""
        if vcodec == 'libx264':
            return cls(vcodec=vcodec, crf=23, preset='veryfast', g=2)
        return cls(vcodec=vcodec)

    def encoder_options(self) -> dict[str, str]:
        """The options PyAV passes to the encoder."""
        options = {'crf': str(self.crf), 'preset': str(self.preset), 'g': str(self.g)}
        if self.vcodec == 'libsvtav1' and _THREAD_LIMIT[0]:
            options['svtav1-params'] = f'lp={_THREAD_LIMIT[0]}'  # level of parallelism
        return options


@dataclass(frozen=True)
class VideoSpan:
    """Where one episode of one camera lives: the file and its time range inside it."""

    slot: FileSlot
    from_timestamp: float
    to_timestamp: float


FrameHook = Callable[[int, np.ndarray], None]


class CameraEncoder:
    """Encodes one camera's episodes into videos/<key>/chunk-XXX/file-YYY.mp4 files.

    A file holds at most `limit_bytes` (estimated) and `max_frames` frames (None: the frames
    of layout.MAX_VIDEO_FILE_S).
    """

    def __init__(self, root: Path, video_key: str, fps: int, shape: tuple[int, ...],
                 options: VideoOptions, limit_bytes: int, first_slot: FileSlot,
                 max_frames: int | None = None) -> None:
        self.video_key = video_key
        self._root = root
        self._fps = fps
        self._height, self._width = int(shape[0]), int(shape[1])
        self._options = options
        self._limit = limit_bytes
        self._max_frames = MAX_VIDEO_FILE_S * fps if max_frames is None else max_frames
        if isinstance(self._max_frames, bool) or not isinstance(self._max_frames, int) \
                or self._max_frames < 1:
            msg = f'{video_key}: max_frames {max_frames!r} per MP4 file, expected a positive int'
            raise ExportError(msg)
        self._next_slot = first_slot
        self._slot = first_slot
        self._container: Any = None  # PyAV's containers and streams are typed loosely
        self._stream: Any = None
        self._scheduling: SchedulingGuard | None = None
        self._frames_in_file = 0
        self._bytes_in_file = 0
        self._packets_in_file = 0
        self._total_bytes = 0
        self._total_packets = 0
        self.encoded_frames = 0
        self.encode_seconds = 0.0

    def encode_episode(self, frames: Iterator[np.ndarray], length: int, episode_index: int,
                       on_frame: FrameHook | None = None) -> VideoSpan:
        """Encode exactly `length` frames of one episode; returns where they landed.

        Args:
            frames: the episode's frames, (H, W, 3) uint8 RGB, pulled one at a time.
            length: the number of dataset rows; the source must yield exactly this many.
            episode_index: for error messages.
            on_frame: called with (frame_index, frame) for each frame (statistics).

        Raises:
            ExportError: the source yields another number of frames, a frame is not
                (H, W, 3) uint8, or `length` is more than one file holds (max_frames).
        """
        if length > self._max_frames:
            msg = (f'{self.video_key}: episode {episode_index} has {length} frames, more than '
                   f'one MP4 file holds ({self._max_frames}); split it first '
                   '(dataset/episode_parts.py)')
            raise ExportError(msg)
        self._roll_over_if_needed(length)
        start = self._frames_in_file
        count = 0
        for frame in frames:
            if count >= length:
                raise self._count_error(episode_index, length, f'more than {length}')
            self._check_frame(frame, episode_index, count)
            if on_frame is not None:
                on_frame(count, frame)
            self._encode(frame)
            count += 1
        if count != length:
            raise self._count_error(episode_index, length, str(count))
        return VideoSpan(self._slot, start / self._fps, self._frames_in_file / self._fps)

    def close(self) -> None:
        """Flush the encoder and finish the open MP4 file."""
        if self._container is None:
            return
        started = time.perf_counter()
        self._mux(self._encoded(None))
        self._container.close()
        self.encode_seconds += time.perf_counter() - started
        self._container = None
        self._stream = None

    def _roll_over_if_needed(self, length: int) -> None:
        """Close the file if `length` more frames would take it past max_frames or the size.

        The size projection counts the bytes muxed so far, plus the frames still inside the
        encoder (it buffers a few dozen) and the episode's frames at the average packet size
        seen so far. Before the encoder has emitted any packet there is nothing to go on,
        and the episode goes into the open file.
        """
        if self._container is not None and self._frames_in_file + length > self._max_frames:
            self.close()
        if self._container is not None and self._frames_in_file and self._total_packets:
            per_frame = self._total_bytes / self._total_packets
            pending = self._frames_in_file - self._packets_in_file
            if self._bytes_in_file + per_frame * (pending + length) > self._limit:
                self.close()
        if self._container is None:
            self._open()

    def _open(self) -> None:
        import av

        self._slot = self._next_slot
        self._next_slot = self._slot.next()
        path = self._root / video_path(self.video_key, self._slot)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            msg = f'{path}: refusing to overwrite an existing dataset file'
            raise ExportError(msg)
        os.environ.setdefault('SVT_LOG', '1')  # SVT-AV1 prints a banner per file otherwise
        # The encoder opens (and starts its threads) at the first frame; SVT-AV1 then raises
        # them and the calling thread to real-time priority where it may: undone right after.
        self._scheduling = SchedulingGuard()
        self._container = av.open(str(path), mode='w')
        stream = self._container.add_stream(self._options.vcodec, rate=self._fps,
                                            options=self._options.encoder_options())
        stream.width, stream.height, stream.pix_fmt = self._width, self._height, PIX_FMT
        stream.time_base = Fraction(1, self._fps)
        self._stream = stream
        self._frames_in_file = 0
        self._bytes_in_file = 0
        self._packets_in_file = 0

    def _check_frame(self, frame: np.ndarray, episode_index: int, index: int) -> None:
        expected = (self._height, self._width, 3)
        if not isinstance(frame, np.ndarray) or frame.shape != expected \
                or frame.dtype != np.uint8:
            got = (f'{frame.shape} {frame.dtype}' if isinstance(frame, np.ndarray)
                   else type(frame).__name__)
            msg = (f'{self.video_key}: episode {episode_index} frame {index}: '
                   f'got {got}, expected {expected} uint8 RGB')
            raise ExportError(msg)

    def _encode(self, frame: np.ndarray) -> None:
        import av  # already imported by _open: a dictionary look-up

        started = time.perf_counter()
        video_frame = av.VideoFrame.from_ndarray(frame, format='rgb24')
        video_frame.pts = self._frames_in_file
        self._mux(self._encoded(video_frame))
        self._frames_in_file += 1
        self.encoded_frames += 1
        self.encode_seconds += time.perf_counter() - started

    def _encoded(self, frame: av.VideoFrame | None) -> list[Any]:
        """Packets for one frame (None: flush); the first call opens the encoder."""
        packets: list[Any] = self._stream.encode(frame)
        if self._scheduling is not None:
            self._scheduling.restore()
            self._scheduling = None
        return packets

    def _mux(self, packets: Any) -> None:
        for packet in packets:
            self._bytes_in_file += packet.size
            self._total_bytes += packet.size
            self._packets_in_file += 1
            self._total_packets += 1
            self._container.mux(packet)

    def _count_error(self, episode_index: int, length: int, got: str) -> ExportError:
        return ExportError(f'{self.video_key}: episode {episode_index}: the frame source '
                           f'yielded {got} frames, expected {length} (one per row)')


def probe_video_info(path: Path, options: VideoOptions) -> VideoInfo:
    """A video feature's `info` entry, read from an MP4 like LeRobot's `get_video_info`,
    with the encoder settings (as LeRobot records them)."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return {
            'video.height': int(stream.height), 'video.width': int(stream.width),
            'video.codec': str(stream.codec_context.codec.canonical_name),
            'video.pix_fmt': str(stream.pix_fmt), 'video.is_depth_map': False,
            'video.fps': int(stream.base_rate or 0), 'video.channels': 3,
            'has_audio': bool(container.streams.audio),
            'video.g': options.g, 'video.crf': options.crf, 'video.preset': options.preset,
        }


def decoded_frame_count(path: Path) -> int:
    """The number of frames a decoder gets out of an MP4 (decodes the whole file)."""
    import av

    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))
