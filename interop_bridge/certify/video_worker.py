"""The cameras' MP4s decoded and summarized in a process of their own, while the checks run.

Decoding every frame is most of a certification's time, and PyAV holds the GIL for most of it:
a thread does not run it beside the checks, a process does. When the first video check of a
pass asks for a camera summary, `VideoWorker` forks a child (forked.py) that goes through the
episode windows of every camera in data order, exactly as the runner's own `VideoFiles` would
(one in-order decoder per camera, video_files.py), and sends each episode's `CameraSummary`
(video_summary.py) back as soon as it has it, then the frame counts of the MP4s it decoded
whole. The checks get the same figures as from decoding in their own process.

Anything the child could not summarize (a decoding error, a window it does not have, the child
gone) is decoded by the runner itself, which then raises or reports what the decoder says. The
summaries waiting in the pipe are bounded by the pipe's buffer (the child waits for the checks),
so memory does not grow with the recording. Without the 'fork' start method (not Linux), or for
a dataset without cameras, no child is started and the runner decodes itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from interop_bridge.certify.forked import Ended, Forked
from interop_bridge.certify.video_files import FrameWindow, VideoFiles
from interop_bridge.certify.video_luma import luma_blocks
from interop_bridge.certify.video_summary import CameraSummary, summarize_blocks
from interop_bridge.dataset.layout import FileSlot, video_path

Key = tuple[str, int]  # (camera, episode index)


@dataclass(frozen=True)
class Window:
    """One camera's frames of one episode: where they are in which MP4."""

    camera: str
    episode: int
    relative: str      # the MP4, relative to the dataset root
    span: FrameWindow  # [from_timestamp, to_timestamp) in it


def episode_windows(rows: Mapping[int, Mapping[str, Any]], cameras: Iterable[str]
                    ) -> list[Window]:
    """Every camera window of the episode rows, in data order (rows lacking a camera's video
    columns are left to the runner, which reports them)."""
    ordered = sorted(rows.items(), key=lambda item: (item[1].get('dataset_from_index', 0),
                                                     item[0]))
    windows = []
    for index, row in ordered:
        for camera in cameras:
            try:
                slot = FileSlot(int(row[f'videos/{camera}/chunk_index']),
                                int(row[f'videos/{camera}/file_index']))
                span = (float(row[f'videos/{camera}/from_timestamp']),
                        float(row[f'videos/{camera}/to_timestamp']))
            except (KeyError, TypeError, ValueError):
                continue
            windows.append(Window(camera, index, video_path(camera, slot), span))
    return windows


def serve(root: Path, fps: int, windows: list[Window], connection: Connection) -> None:
    """The child: every window summarized in order, each sent as it is done, then the frame
    counts of the MP4s decoded whole. A window that fails is sent as None."""
    videos = VideoFiles(root, fps)
    try:
        for window in windows:
            summary: CameraSummary | None
            try:
                summary = summarize_blocks(luma_blocks(
                    videos.window(window.camera, window.relative, window.span)))
            except Exception:  # noqa: BLE001 - the runner decodes it itself and reports it
                summary = None
            connection.send(((window.camera, window.episode), summary))
        videos.close()
        connection.send(videos.decoded)
    finally:
        connection.close()


@dataclass
class VideoWorker:
    """The parent's end: the child started on first use, its summaries read as asked for."""

    root: Path
    fps: int
    windows: list[Window]
    expected: set[Key] = field(default_factory=set)   # summaries the child will send
    received: dict[Key, CameraSummary | None] = field(default_factory=dict)
    counts: dict[str, int] | None = None               # the child's frame counts, at its end
    child: Forked | None = None
    started: bool = False

    def summary(self, camera: str, episode: int) -> CameraSummary | None:
        """The child's summary of one camera's window of one episode (waiting for it), or
        None when the child has none: the caller decodes the window itself."""
        key = (camera, episode)
        if not self.started:
            self._start()
        if key not in self.expected:
            return None
        while key not in self.received and self._receive():
            pass
        self.expected.discard(key)
        return self.received.pop(key, None)

    def finish(self) -> dict[str, int]:
        """Wait for the child's end (its last windows and the files' remaining frames); the
        frame counts of the MP4s it decoded whole ({} when it never started or broke off)."""
        while self.counts is None and self._receive():
            self.received.clear()  # windows no check asked for
        self.close()
        return self.counts or {}

    def close(self) -> None:
        """Stop the child, whatever it is doing (the pass ended early or is over)."""
        if self.child is not None:
            self.child.done = self.counts is not None
            self.child.close()
            self.child = None
        self.expected.clear()

    def _start(self) -> None:
        self.started = True
        if self.windows:
            self.child = Forked.start(serve, self.root, self.fps, self.windows,
                                      name='interop-certify-video')
        if self.child is not None:
            self.expected = {(window.camera, window.episode) for window in self.windows}

    def _receive(self) -> bool:
        """Read one message of the child; False when there is nothing more to read."""
        if self.child is None or self.counts is not None:
            return False
        try:
            message = self.child.receive()
        except Ended:  # the child is gone: the runner decodes what is left
            self.close()
            return False
        if isinstance(message, dict):
            self.counts = message
        else:
            key, summary = message
            self.received[key] = summary
        return True
