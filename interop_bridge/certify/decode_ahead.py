"""An MP4 decoded front to back on a thread of its own, a bounded way ahead of its reader.

PyAV releases the GIL while FFmpeg decodes, so the thread decodes the next frames while the
checks grade the ones before (on another core): decoding is most of a certification's time
and needs no Python. At most about AHEAD_BYTES of decoded frames wait for the reader (at least
MIN_AHEAD frames), so memory does not grow with the video. The reader gets the frames in
decoding order, then None; a decoding error is raised to the reader where the frame it stopped
at would have been, as a plain loop over `container.decode` would raise it.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

AHEAD_BYTES = 32 * 2**20   # decoded frames waiting for the reader, about
MIN_AHEAD = 8              # frames, whatever their size
BATCH_FRAMES = 32          # frames handed over together (one queue operation)
_END = object()


def _frame_bytes(stream: Any) -> int:
    """About the size of one decoded frame of the stream (8-bit 4:2:0)."""
    return max(1, int(stream.width or 1) * int(stream.height or 1) * 3 // 2)


@dataclass
class DecodeAhead:
    """The decoding thread of one MP4 and the frames it handed over, not yet read."""

    path: Path
    count: int = 0            # frames decoded (set by the thread; final once None was read)
    _queue: queue.Queue[Any] = field(default_factory=queue.Queue, repr=False)
    _ready: list[Any] = field(default_factory=list, repr=False)  # a batch being read, reversed
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)
    _ended: bool = False

    def start(self) -> DecodeAhead:
        """Open the file and start decoding (an unreadable file raises here)."""
        import av

        container = av.open(str(self.path))
        stream = container.streams.video[0]
        batch = max(1, min(BATCH_FRAMES, AHEAD_BYTES // (4 * _frame_bytes(stream))))
        ahead = max(MIN_AHEAD, AHEAD_BYTES // _frame_bytes(stream))
        self._queue = queue.Queue(maxsize=max(1, ahead // batch))
        self._thread = threading.Thread(target=self._decode, args=(container, stream, batch),
                                        name=f'decode {self.path.name}', daemon=True)
        self._thread.start()
        return self

    def next(self) -> Any:
        """The next decoded frame, None after the last; raises what the decoder raised."""
        if not self._ready:
            if self._ended:
                return None
            item = self._queue.get()
            if item is _END:
                self._ended = True
                return None
            if isinstance(item, BaseException):
                self._ended = True
                raise item
            self._ready = item[::-1]
        return self._ready.pop()

    def count_to_end(self) -> int:
        """Read every remaining frame; the number of frames in the file."""
        while self.next() is not None:
            pass
        return self.count

    def stop(self) -> None:
        """Stop decoding and wait for the thread (the frames not read are dropped)."""
        self._stop.set()
        try:
            while True:  # room in the queue: a thread waiting to hand a batch over goes on
                self._queue.get_nowait()
        except queue.Empty:
            pass
        if self._thread is not None:
            self._thread.join()
        self._ended, self._ready = True, []

    def _decode(self, container: Any, stream: Any, batch_frames: int) -> None:
        batch: list[Any] = []
        try:
            for frame in container.decode(stream):
                self.count += 1
                batch.append(frame)
                if len(batch) >= batch_frames:
                    self._put(batch)
                    batch = []
                if self._stop.is_set():
                    return
            if batch:
                self._put(batch)
            self._put(_END)
        except Exception as err:  # handed to the reader, raised there (its check fails)
            if batch:
                self._put(batch)
            self._put(err)
        finally:
            container.close()

    def _put(self, item: Any) -> None:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.05)
                return
            except queue.Full:
                continue
