"""The SQLite file format, read page by page: enough to salvage a .db3 file cut short.

SQLite refuses a database file that is shorter than its header says (a recorder killed while
the file grew, a copy cut short), and even with that fixed it reaches a table's rows only
through interior b-tree pages, which are written late and are the first to be lost. This module
reads the file format directly (https://www.sqlite.org/fileformat2.html): the header, table
b-tree pages, cells with their overflow chains and records. A page past the end of the file
reads as None; every reader here skips what it cannot read and never raises for a damaged page.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

SQLITE_MAGIC = b'SQLite format 3\x00'
HEADER_SIZE = 100
LEAF_TABLE, INTERIOR_TABLE = 0x0D, 0x05
Value = int | float | bytes | str | None
_PAGE_NUMBER = struct.Struct('>I')
_INTEGER_SIZES = {1: 1, 2: 2, 3: 3, 4: 4, 5: 6, 6: 8}


def cut_short(path: Path) -> bool:
    """Whether `path` is a SQLite file shorter than the page count in its header."""
    if path.suffix != '.db3':
        return False
    try:
        with path.open('rb') as stream:
            header = stream.read(HEADER_SIZE)
        size = path.stat().st_size
    except OSError:
        return False  # unreadable: the reader reports it
    if len(header) < HEADER_SIZE or not header.startswith(SQLITE_MAGIC):
        return False
    page_size = int.from_bytes(header[16:18], 'big')
    pages = int.from_bytes(header[28:32], 'big')
    if header[92:96] != header[24:28]:  # page count not maintained: nothing to compare
        return False
    return size < pages * (65536 if page_size == 1 else page_size)


class DamagedPage(Exception):
    """A page or cell that does not follow the file format (internal to the readers)."""


@dataclass(frozen=True)
class Cell:
    """One row of a table leaf page: its rowid, its record's local bytes and overflow chain."""

    rowid: int
    size: int  # the whole record
    local: bytes
    first_overflow: int  # 0: the record is all local


class PageFile:
    """A SQLite database file read one page at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.file_bytes = path.stat().st_size
        self._file: BinaryIO = path.open('rb')
        try:
            header = self._file.read(HEADER_SIZE)
        except BaseException:
            self._file.close()
            raise
        if len(header) < HEADER_SIZE or not header.startswith(SQLITE_MAGIC):
            self._file.close()
            message = f'{path}: not a SQLite database (no SQLite header)'
            raise DamagedPage(message)
        (size,) = struct.unpack_from('>H', header, 16)
        self.page_size = 65536 if size == 1 else size
        self.usable = self.page_size - header[20]
        self.pages = self.file_bytes // self.page_size  # complete pages in the file

    def page(self, number: int) -> bytes | None:
        """Page `number` (1-based), or None when the file ends before it."""
        if not 1 <= number <= self.pages:
            return None
        self._file.seek((number - 1) * self.page_size)
        data = self._file.read(self.page_size)
        return data if len(data) == self.page_size else None

    def close(self) -> None:
        """Close the file."""
        self._file.close()

    def cells(self, number: int, data: bytes) -> Iterator[Cell]:
        """The cells of table leaf page `number` (none when it is not one)."""
        start = HEADER_SIZE if number == 1 else 0
        if data[start] != LEAF_TABLE:
            return
        (count,) = struct.unpack_from('>H', data, start + 3)
        for index in range(count):
            (offset,) = struct.unpack_from('>H', data, start + 8 + 2 * index)
            try:
                yield self._cell(data, offset)
            except (DamagedPage, IndexError, struct.error):
                continue  # a damaged cell: the others of the page may still be whole

    def _cell(self, data: bytes, offset: int) -> Cell:
        size, position = varint(data, offset)
        rowid, position = varint(data, position)
        local = self._local_size(size)
        if position + local > len(data):
            message = 'cell runs past its page'
            raise DamagedPage(message)
        overflow = 0
        if local < size:
            (overflow,) = _PAGE_NUMBER.unpack_from(data, position + local)
        return Cell(rowid, size, data[position:position + local], overflow)

    def _local_size(self, size: int) -> int:
        most = self.usable - 35
        if size <= most:
            return size
        least = (self.usable - 12) * 32 // 255 - 23
        local = least + (size - least) % (self.usable - 4)
        return local if local <= most else least

    def payload(self, cell: Cell) -> bytes:
        """The whole record of `cell`, following its overflow chain.

        Raises:
            DamagedPage: an overflow page is missing or the chain is broken.
        """
        parts, have, number = [cell.local], len(cell.local), cell.first_overflow
        while have < cell.size:
            data = self.page(number)
            if data is None:
                message = f'overflow page {number} is missing'
                raise DamagedPage(message)
            (number,) = _PAGE_NUMBER.unpack_from(data)
            part = data[4:4 + min(self.usable - 4, cell.size - have)]
            parts.append(part)
            have += len(part)
        return b''.join(parts)

    def chain_complete(self, cell: Cell) -> bool:
        """Whether every overflow page of `cell` is in the file (reads 4 bytes per page)."""
        have, number = len(cell.local), cell.first_overflow
        while have < cell.size:
            if not 1 <= number <= self.pages:
                return False
            self._file.seek((number - 1) * self.page_size)
            head = self._file.read(4)
            if len(head) != 4:
                return False
            (number,) = _PAGE_NUMBER.unpack(head)
            have += self.usable - 4
        return True

    def table_rows(self, root: int) -> Iterator[tuple[int, list[Value]]]:
        """(rowid, values) of every readable row of the table b-tree at page `root`."""
        pending, seen = [root], set()
        while pending:
            number = pending.pop()
            data = self.page(number)
            if data is None or number in seen:
                continue
            seen.add(number)
            start = HEADER_SIZE if number == 1 else 0
            if data[start] == INTERIOR_TABLE:
                pending.extend(reversed(_children(data, start)))
                continue
            for cell in self.cells(number, data):
                try:
                    yield cell.rowid, record(self.payload(cell))
                except (DamagedPage, IndexError, struct.error, UnicodeDecodeError):
                    continue  # a row whose bytes are lost


def _children(data: bytes, start: int) -> list[int]:
    (count,) = struct.unpack_from('>H', data, start + 3)
    pointers = [struct.unpack_from('>H', data, start + 12 + 2 * index)[0]
                for index in range(count)]
    children = [_PAGE_NUMBER.unpack_from(data, pointer)[0] for pointer in pointers]
    return [*children, _PAGE_NUMBER.unpack_from(data, start + 8)[0]]


def varint(data: bytes, position: int) -> tuple[int, int]:
    """SQLite's big-endian varint at `position`: (value, position after it)."""
    value = 0
    for index in range(9):
        byte = data[position + index]
        if index == 8:
            return (value << 8) | byte, position + 9
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, position + index + 1
    return value, position + 9  # unreachable: the loop returns at index 8


def serial_types(payload: bytes) -> tuple[list[int], int]:
    """The serial types of a record's columns and where its values start."""
    header_size, position = varint(payload, 0)
    types = []
    while position < header_size:
        kind, position = varint(payload, position)
        types.append(kind)
    return types, header_size


def record(payload: bytes, columns: int | None = None) -> list[Value]:
    """The values of a record (the first `columns` only, when given; text as UTF-8)."""
    types, position = serial_types(payload)
    values: list[Value] = []
    for kind in types[:columns]:
        value, position = _value(payload, position, kind)
        values.append(value)
    return values


def _value(payload: bytes, position: int, kind: int) -> tuple[Value, int]:
    if kind in (0, 8, 9):
        return (None, 0, 1)[(0, 8, 9).index(kind)], position
    if kind in _INTEGER_SIZES:
        size = _INTEGER_SIZES[kind]
        raw = payload[position:position + size]
        if len(raw) != size:
            message = 'record ends inside an integer'
            raise DamagedPage(message)
        return int.from_bytes(raw, 'big', signed=True), position + size
    if kind == 7:
        return struct.unpack_from('>d', payload, position)[0], position + 8
    if kind < 12:
        message = f'reserved serial type {kind}'
        raise DamagedPage(message)
    size = (kind - 12) // 2
    raw = payload[position:position + size]
    if len(raw) != size:
        message = 'record ends inside a value'
        raise DamagedPage(message)
    return (raw if kind % 2 == 0 else raw.decode()), position + size
