"""Storage files cut short or damaged: read what is left, with one warning saying how much.

`salvage(path, bag)` opens an MCAP file without summary or footer (export/mcap_salvage.py) or a
sqlite3 file SQLite refuses (export/sqlite_salvage.py), marks the bag incomplete and adds one
warning to it. `unclosed(path)` is the warning for a sqlite3 file with a `-journal` or `-wal`
left beside it (the recorder was killed mid-transaction).
"""

from __future__ import annotations

import math
import struct
from pathlib import Path
from typing import TYPE_CHECKING

from rosbags.rosbag2 import ReaderError

from interop_bridge.errors import BagError
from interop_bridge.export.mcap_salvage import MAGIC, SalvagedMcap
from interop_bridge.export.sqlite_pages import SQLITE_MAGIC
from interop_bridge.export.sqlite_salvage import SalvagedSqlite

if TYPE_CHECKING:
    from interop_bridge.export.bag_sources import OpenBag

SIDE_FILES = ('-journal', '-wal')  # what SQLite leaves beside a database it did not close
SALVAGE_MAGIC = {'.mcap': MAGIC, '.db3': SQLITE_MAGIC}


def salvage(path: Path, bag: OpenBag) -> SalvagedMcap | SalvagedSqlite:
    """The readable part of storage file `path` (see `salvageable`); one warning on `bag`.

    Raises:
        BagError: nothing of the file can be read.
    """
    return _mcap(path, bag) if path.suffix == '.mcap' else _db3(path, bag)


def _mcap(path: Path, bag: OpenBag) -> SalvagedMcap:
    try:
        salvaged = SalvagedMcap(path)
    except (ReaderError, struct.error, ValueError, UnicodeDecodeError) as error:
        msg = f'{path}: truncated MCAP that cannot be salvaged: {error}'
        raise BagError(msg) from error
    bag.complete = False
    bag.warnings.append(
        f'{path}: truncated MCAP (no summary or footer: the recorder was probably killed '
        f'mid-write); read {salvaged.message_count} messages from the first '
        f'{salvaged.readable_bytes} of {salvaged.file_bytes} bytes '
        f'({share(salvaged.readable_bytes, salvaged.file_bytes)}){_mcap_tail(salvaged)}')
    return salvaged


def _mcap_tail(salvaged: SalvagedMcap) -> str:
    """What the warning says of the bytes after the last complete record."""
    cut = salvaged.cut_chunk
    if cut is None or not cut.messages:
        lost = salvaged.file_bytes - salvaged.readable_bytes
        return f'; the last {lost} bytes, an incomplete record, were not read'
    kind = f'{cut.compression}-compressed' if cut.compression else 'uncompressed'
    rest = ('the rest of it, an incomplete record, was' if cut.compression else
            f'its last {cut.unread_bytes} bytes, an incomplete record, were')
    return (f' and from the last chunk ({kind}), cut short: {cut.messages} of them from the '
            f'complete records in the first {cut.decoded_bytes} of its '
            f'{cut.uncompressed_size} uncompressed bytes (a cut chunk has no checksum to check '
            f'them against); {rest} not read')


def _db3(path: Path, bag: OpenBag) -> SalvagedSqlite:
    try:
        salvaged = SalvagedSqlite(path)
    except (ReaderError, OSError) as error:
        msg = f'{path}: damaged sqlite3 file that cannot be salvaged: {error}'
        raise BagError(msg) from error
    bag.complete = False
    side = _side_files(path)
    unclosed = f'; {side} beside it: the recorder was killed mid-transaction' if side else ''
    bag.warnings.append(
        f'{path}: truncated or damaged sqlite3 file (SQLite refuses it: the recorder was '
        f'probably killed mid-write, or the copy was cut short{unclosed}); read '
        f'{salvaged.message_count} whole messages ({_span(salvaged.time_range())} of log '
        f'time) from its {salvaged.readable_bytes} bytes of complete pages')
    return salvaged


def _span(time_range: tuple[int, int]) -> str:
    first, last = time_range
    return f'{(last - first) / 1e9:.2f} s'


def share(part: int, whole: int) -> str:
    """`part` of `whole` as a percentage rounded down: only the whole reads 100.0%."""
    return f'{math.floor(1000 * part / whole) / 10 if whole else 0.0:.1f}%'


def _side_files(path: Path) -> str:
    names = [path.name + side for side in SIDE_FILES if path.with_name(path.name + side).exists()]
    return ' and '.join(names)


def unclosed(path: Path) -> str:
    """A warning when SQLite left a -journal or -wal file beside `path`, else ''."""
    side = _side_files(path) if path.suffix == '.db3' else ''
    if not side:
        return ''
    return (f'{path}: {side} beside it: the recorder did not close the bag (killed '
            'mid-transaction?); the messages of its last, uncommitted transaction (about one '
            'flush period) are missing or partly readable')


def salvageable(path: Path) -> bool:
    """Whether `path` starts as an MCAP or SQLite file does (so salvage may read it)."""
    magic = SALVAGE_MAGIC.get(path.suffix)
    if magic is None:
        return False
    try:
        with path.open('rb') as stream:
            return stream.read(len(magic)) == magic
    except OSError:
        return False
