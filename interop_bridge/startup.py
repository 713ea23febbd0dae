"""Start-up of a command's work: its imports without garbage collection, then frozen.

Importing the exporter creates ~100k objects (functions, classes, numpy and pyarrow types)
that live as long as the process. Python's cyclic garbage collector walks them again and
again while they are created and once more at interpreter exit (~0.1 s of a short export).
`importing_work()` pauses the collector during the imports and moves everything alive after
them into the permanent generation (`gc.freeze()`): later collections skip those objects, and
the collector runs as before for everything the command itself allocates. What the imports
left as cyclic garbage (little) stays in memory until exit.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def importing_work() -> Iterator[None]:
    """Run the block (a command's imports) without collections, then freeze what is alive.

    The collector is enabled again afterwards (if it was), also when an import fails.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        gc.freeze()
    finally:
        if was_enabled:
            gc.enable()
