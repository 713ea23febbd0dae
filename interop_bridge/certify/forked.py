"""A function run in a forked child process while the certification goes on, its messages read
by the parent (video_worker.py: the cameras' summaries; checks_format.py: validate's checks).

Forking copies the parent as it is (nothing imported or read again: a child starts in
milliseconds), so it is used only where the platform has it ('fork', Linux): `Forked.start`
gives None elsewhere and the caller does the work itself. The child sends its messages through
a one-way pipe and exits; a child that dies or is stopped reads as the end of its messages.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

JOIN_S = 5.0  # seconds a child that sent everything is given to exit before it is stopped


class Ended(Exception):
    """The child sent nothing more: it finished, died or was stopped."""


@dataclass
class Forked:
    """The parent's end of one child: its process and the pipe it writes to."""

    process: Any
    connection: Connection | None
    done: bool = False  # the caller read all it wanted: the child is given time to exit

    @classmethod
    def start(cls, target: Callable[..., None], *args: Any, name: str) -> Forked | None:
        """Fork a child running target(*args, connection); None without the 'fork' method."""
        if 'fork' not in multiprocessing.get_all_start_methods():
            return None
        context = multiprocessing.get_context('fork')
        reader, writer = context.Pipe(duplex=False)
        process = context.Process(target=target, args=(*args, writer), name=name, daemon=True)
        process.start()
        writer.close()
        return cls(process, reader)

    def receive(self) -> Any:
        """The child's next message (waiting for it); Ended when there is none."""
        if self.connection is None:
            raise Ended
        try:
            return self.connection.recv()
        except (EOFError, OSError) as err:
            self.close()
            raise Ended from err

    def close(self) -> None:
        """Stop reading; wait for the child if it is done, else stop it."""
        if self.connection is not None:
            self.connection.close()
            self.connection = None
        if self.process is not None:
            self.process.join(timeout=JOIN_S if self.done else 0)
            if self.process.is_alive():
                self.process.terminate()
                self.process.join()
            self.process = None
