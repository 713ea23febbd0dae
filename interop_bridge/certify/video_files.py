"""Each camera's MP4 decoded once, front to back, across the episodes it holds.

The runner hands the checks every episode in data order, which is the order of the episodes
in their MP4s (format.video_offsets checks it). `VideoFiles` keeps one decoder open per camera
(`InOrderDecoder`) and gives each episode the frames of its time window as the decoder reaches
them: no seek, and no frame decoded twice. (A decoding thread in the same process does not help:
PyAV holds the GIL for most of a small frame's decoding, measured no faster; the parallel
decoding is a process of its own, video_worker.py.) Decoding a
file this way from its first frame to its last also counts its frames, which is what
`interop validate` decodes every MP4 for (format.video_frames): the count is recorded in
`decoded` (by path relative to the dataset) when the file was decoded
whole, in order, without an error, and validate takes it instead of decoding the file again.

A window the decoder has already passed (episodes out of order, a camera asked for twice, or
after the pass) is decoded on its own, by seeking, as are frames asked for once the pass is
over; such a file gets no count and validate decodes it itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FrameWindow = tuple[float, float]  # [start, end) seconds of an episode in its MP4


@dataclass
class InOrderDecoder:
    """One MP4 decoded front to back: its frames in decoding order, then None; a decoding
    error is raised where the frame it stopped at would have been."""

    path: Path
    count: int = 0  # frames decoded so far
    _container: Any = field(default=None, repr=False)
    _frames: Iterator[Any] | None = field(default=None, repr=False)

    def start(self) -> InOrderDecoder:
        """Open the file (an unreadable file raises here)."""
        import av

        self._container = av.open(str(self.path))
        self._frames = iter(self._container.decode(self._container.streams.video[0]))
        return self

    def next(self) -> Any:
        """The next decoded frame, None after the last; raises what the decoder raised."""
        if self._frames is None:
            return None
        try:
            frame = next(self._frames)
        except StopIteration:
            self.stop()
            return None
        except Exception:
            self.stop()
            raise
        self.count += 1
        return frame

    def count_to_end(self) -> int:
        """Decode every remaining frame; the number of frames in the file."""
        while self.next() is not None:
            pass
        return self.count

    def stop(self) -> None:
        """Close the file (the frames not read are not decoded)."""
        if self._container is not None:
            self._container.close()
        self._container = self._frames = None


@dataclass
class OpenVideo:
    """One MP4 being decoded in order: where its reader is."""

    relative: str
    decoder: InOrderDecoder
    reached: float = float('-inf')  # timestamp of the last frame handed out or passed over
    held: Any = None           # decoded, beyond the last window asked for: the next one's first
    whole: bool = True         # every frame so far decoded in order, no error
    failed: bool = False       # the decoder raised: later windows seek on their own


def stamp_of(frame: Any) -> float:
    """A decoded frame's presentation time [s] (0 when the stream gives none)."""
    return float(frame.time if frame.time is not None else 0.0)


def open_video(root: Path, relative: str) -> OpenVideo:
    """An MP4 of the dataset opened, to be decoded from its first frame."""
    return OpenVideo(relative, InOrderDecoder(root / relative).start())


def seek_window(path: Path, window: FrameWindow, half: float) -> Iterator[Any]:
    """The frames of one window of an MP4 on their own: seek to the key frame before it."""
    import av

    start, end = window
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        if start > 0 and stream.time_base is not None:
            container.seek(int(max(start - half, 0.0) / stream.time_base), stream=stream,
                           backward=True, any_frame=False)
        for frame in container.decode(stream):
            stamp = stamp_of(frame)
            if stamp < start - half:
                continue
            if stamp >= end - half:
                break
            yield frame


@dataclass
class VideoFiles:
    """The open decoder of each camera during one pass, and the frame counts of whole files."""

    root: Path
    fps: int
    decoded: dict[str, int] = field(default_factory=dict)  # relative path -> frames
    open: dict[str, OpenVideo] = field(default_factory=dict)  # camera -> its current file
    finished: set[str] = field(default_factory=set)
    closed: bool = False

    def window(self, camera: str, relative: str, window: FrameWindow) -> Iterator[Any]:
        """The decoded frames (PyAV VideoFrames) of one episode's window of an MP4, in order."""
        half = 0.5 / self.fps
        video = self._video(camera, relative)
        if video is None or video.failed or video.reached >= window[0] - half:
            if video is not None:
                video.whole = False  # frames of its past asked for again: no count
            return seek_window(self.root / relative, window, half)
        return self._in_order(video, window, half)

    def close(self) -> None:
        """Decode every open file to its end (counting), close them; later windows seek."""
        for camera in list(self.open):
            self._finish(camera)
        self.closed = True

    def _video(self, camera: str, relative: str) -> OpenVideo | None:
        """The camera's decoder on this file, opened if need be; None when the file was left
        already or the pass is over."""
        current = self.open.get(camera)
        if current is not None and current.relative == relative:
            return current
        if current is not None:
            self._finish(camera)
        if self.closed or relative in self.finished or any(
                video.relative == relative for video in self.open.values()):
            return None
        self.open[camera] = open_video(self.root, relative)
        return self.open[camera]

    def _in_order(self, video: OpenVideo, window: FrameWindow, half: float) -> Iterator[Any]:
        start, end = window
        while True:
            frame = self._next(video)
            if frame is None:
                return
            stamp = stamp_of(frame)
            if stamp >= end - half:
                video.held = frame
                return
            video.reached = stamp
            if stamp >= start - half:
                yield frame

    @staticmethod
    def _next(video: OpenVideo) -> Any:
        if video.held is not None:
            frame, video.held = video.held, None
            return frame
        try:
            return video.decoder.next()
        except Exception:
            video.whole, video.failed = False, True  # the checks report it, validate too
            raise

    def _finish(self, camera: str) -> None:
        video = self.open.pop(camera)
        self.finished.add(video.relative)
        if not video.whole:
            video.decoder.stop()
            return
        try:
            self.decoded[video.relative] = video.decoder.count_to_end()
        except Exception:  # noqa: BLE001 - the file gets no count; validate decodes it, says why
            video.decoder.stop()
