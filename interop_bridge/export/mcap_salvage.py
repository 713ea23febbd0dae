"""Read the complete records of an MCAP file cut short (no summary, no footer).

A recorder killed mid-write (SIGKILL, power loss) leaves an MCAP file that ends inside a
record: rosbags' reader refuses it because the footer is missing. This reader walks the data
section from the start, keeps every complete schema, channel, message and chunk record, and
stops at the first record that runs past the end of the file (or at DataEnd). When that cut
record is a chunk, its complete inner records are read too: the whole records before the cut of
an uncompressed chunk, and of a zstd or lz4 chunk (what rosbag2's mcap storage and rosbags write)
the complete records of what a streaming decompressor makes of the bytes that are left (a cut
chunk's CRC, over the whole chunk, cannot check them). It keeps only offsets and counts in
memory; chunks are decompressed again, one at a time, while reading.
"""

from __future__ import annotations

import heapq
import operator
import struct
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import BinaryIO, Protocol

import lz4.frame  # type: ignore[import-untyped]
from rosbags.interfaces import Connection, ConnectionExtRosbag2
from rosbags.rosbag2.errors import ReaderError
from rosbags.rosbag2.storage_mcap import Schema, decompress, get_msgdef, get_qos

try:
    from compression import zstd  # type: ignore[import-not-found, unused-ignore]
except ImportError:
    from backports import zstd  # type: ignore[no-redef, unused-ignore]

MAGIC = b'\x89MCAP0\r\n'
OP_HEADER, OP_FOOTER, OP_SCHEMA, OP_CHANNEL, OP_MESSAGE, OP_CHUNK = 1, 2, 3, 4, 5, 6
OP_DATA_END = 0x0F
_RECORD_HEAD = struct.Struct('<BQ')
_MESSAGE_HEAD = struct.Struct('<HIQQ')
_CHUNK_HEAD = struct.Struct('<QQQI')
_U16 = struct.Struct('<H')
_U32 = struct.Struct('<I')
_U64 = struct.Struct('<Q')
MAX_TIME = 2**63 - 1
PIECE = 1 << 16  # compressed bytes fed to a streaming decompressor at a time

Message = tuple[int, Connection, bytes]


@dataclass(frozen=True)
class Segment:
    """A chunk record, or a run of messages outside chunks, at a file offset."""

    offset: int
    end: int
    start_ns: int
    chunked: bool
    cut: bool = False


@dataclass(frozen=True)
class CutChunk:
    """What was read of the chunk record that runs past the end of the file."""

    compression: str  # '' for an uncompressed chunk
    messages: int
    decoded_bytes: int  # uncompressed bytes in its complete inner records
    uncompressed_size: int  # what its header says the whole chunk holds
    unread_bytes: int  # of the file, after the last complete inner record (uncompressed only)


class _StreamDecoder(Protocol):
    def decompress(self, data: bytes, max_length: int = -1) -> bytes: ...  # noqa: E704


STREAM_DECODERS: dict[str, type[_StreamDecoder]] = {
    'zstd': zstd.ZstdDecompressor, 'lz4': lz4.frame.LZ4FrameDecompressor}
DECODE_ERRORS = (zstd.ZstdError, RuntimeError, EOFError, ValueError)


@dataclass
class ScanState:
    """What the first pass found."""

    schemas: dict[int, Schema] = field(default_factory=dict)
    channels: dict[int, Connection] = field(default_factory=dict)
    counts: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    segments: list[Segment] = field(default_factory=list)
    start_ns: int = MAX_TIME
    end_ns: int = 0
    readable_bytes: int = 0
    cut_chunk: CutChunk | None = None


class SalvagedMcap:
    """The readable part of a truncated MCAP file, with rosbags' storage reader interface."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.file_bytes = path.stat().st_size
        self._file: BinaryIO = path.open('rb')
        try:
            self._state = self._scan()
        except BaseException:
            self._file.close()
            raise
        counts = self._state.counts
        self.connections = [connection._replace(msgcount=counts.get(connection.id, 0))
                            for connection in self._state.channels.values()]

    @property
    def readable_bytes(self) -> int:
        """Bytes from the start of the file up to the end of the last complete record."""
        return self._state.readable_bytes

    @property
    def cut_chunk(self) -> CutChunk | None:
        """The chunk the file ends inside, when it is one (with what of it was read)."""
        return self._state.cut_chunk

    @property
    def message_count(self) -> int:
        """Messages in the complete records."""
        return sum(self._state.counts.values())

    def time_range(self) -> tuple[int, int]:
        """Log times (ns) of the first and the last readable message (inclusive)."""
        return self._state.start_ns, self._state.end_ns

    def close(self) -> None:
        """Close the file."""
        self._file.close()

    def _scan(self) -> ScanState:
        data = self._file.read(len(MAGIC))
        if data != MAGIC:
            msg = f'{self.path}: not an MCAP file (bad magic {data[:8]!r})'
            raise ReaderError(msg)
        state = ScanState(readable_bytes=len(MAGIC))
        run: list[int] = []  # [offset, end, start_ns] of the current run of loose messages
        for offset, op, body in _records(self._file, len(MAGIC), self.file_bytes):
            end = offset + _RECORD_HEAD.size + len(body)
            if op in (OP_DATA_END, OP_FOOTER):
                break
            if op == OP_CHUNK:
                _close_run(state, run)
                self._scan_chunk(state, offset, end, body)
            elif op == OP_MESSAGE:
                log_ns = self._note_message(state, body)
                run[:] = [run[0], end, min(run[2], log_ns)] if run else [offset, end, log_ns]
            else:
                _note_definition(state, op, body, self)
            state.readable_bytes = end
        else:
            _close_run(state, run)
            self._scan_cut_chunk(state)
        _close_run(state, run)
        return state

    def _scan_cut_chunk(self, state: ScanState) -> None:
        offset = state.readable_bytes
        opened = _open_cut_chunk(self._read_tail(offset))
        if opened is None:
            return
        head, records = opened
        inner = list(_inner_records(records))
        decoded = sum(_RECORD_HEAD.size + len(body) for _, body in inner)
        messages, start_ns = self._note_records(state, inner)
        unread = 0 if head.compression else (
            self.file_bytes - offset - head.data_offset - decoded)
        state.cut_chunk = CutChunk(head.compression, messages, decoded, head.uncompressed_size,
                                   unread)
        if messages:
            state.segments.append(Segment(offset, self.file_bytes, start_ns, True, cut=True))

    def _read_tail(self, offset: int) -> bytes:
        self._file.seek(offset)
        return self._file.read(self.file_bytes - offset)

    def _scan_chunk(self, state: ScanState, offset: int, end: int, body: bytes) -> None:
        start_ns, _, _ = _chunk_times(body)
        self._note_records(state, _inner_records(_chunk_records(body)))
        state.segments.append(Segment(offset, end, start_ns, chunked=True))

    def _note_records(self, state: ScanState,
                      records: Iterable[tuple[int, bytes]]) -> tuple[int, int]:
        """Note a chunk's inner records; its message count and first log time."""
        messages, start_ns = 0, MAX_TIME
        for op, record in records:
            if op == OP_MESSAGE:
                messages += 1
                start_ns = min(start_ns, self._note_message(state, record))
            else:
                _note_definition(state, op, record, self)
        return messages, start_ns

    @staticmethod
    def _note_message(state: ScanState, body: bytes) -> int:
        channel_id: int  # struct unpacks to tuple[Any, ...]: the record's field types
        log_ns: int
        channel_id, _, log_ns, _ = _MESSAGE_HEAD.unpack_from(body)
        state.counts[channel_id] += 1
        state.start_ns = min(state.start_ns, log_ns)
        state.end_ns = max(state.end_ns, log_ns)
        return log_ns

    def messages(self, connections: Collection[Connection], start: int | None = None,
                 stop: int | None = None) -> Iterator[tuple[Connection, int, bytes]]:
        """Messages of `connections` with start <= log time < stop, in log-time order."""
        wanted = {connection.id: connection for connection in connections}
        low, high = (0 if start is None else start), (MAX_TIME if stop is None else stop)
        sources = [self._segment_messages(segment, wanted, low, high)
                   for segment in self._state.segments]
        for log_ns, connection, data in heapq.merge(*sources, key=operator.itemgetter(0)):
            if connection is not None:
                yield connection, log_ns, data

    def _segment_messages(self, segment: Segment, wanted: dict[int, Connection], low: int,
                          high: int) -> Iterator[tuple[int, Connection | None, bytes]]:
        yield segment.start_ns, None, b''  # lets heapq.merge open the segment only when due
        self._file.seek(segment.offset)
        raw = self._file.read(segment.end - segment.offset)
        if segment.cut:
            opened = _open_cut_chunk(raw)
            records = _inner_records(opened[1] if opened else b'')
        elif segment.chunked:
            _, body = _single_record(raw)
            records = _inner_records(_chunk_records(body))
        else:
            records = ((op, body) for _, op, body in _records(BytesIO(raw), 0, len(raw)))
        found = [message for op, body in records if op == OP_MESSAGE
                 if (message := _message(body, wanted, low, high)) is not None]
        if segment.chunked:
            found.sort(key=operator.itemgetter(0))
        yield from found


def _records(stream: BinaryIO, offset: int, size: int) -> Iterator[tuple[int, int, bytes]]:
    """(offset, opcode, body) of each complete record from `offset`; stops at a cut record."""
    stream.seek(offset)
    while offset + _RECORD_HEAD.size <= size:
        op, length = _RECORD_HEAD.unpack(stream.read(_RECORD_HEAD.size))
        if offset + _RECORD_HEAD.size + length > size:
            return
        body = stream.read(length)
        if len(body) != length:
            return
        yield offset, op, body
        offset += _RECORD_HEAD.size + length


def _single_record(raw: bytes) -> tuple[int, bytes]:
    op, length = _RECORD_HEAD.unpack_from(raw)
    return op, raw[_RECORD_HEAD.size:_RECORD_HEAD.size + length]


def _inner_records(data: bytes) -> Iterator[tuple[int, bytes]]:
    for _, op, body in _records(BytesIO(data), 0, len(data)):
        yield op, body


def _chunk_times(body: bytes) -> tuple[int, int, int]:
    start_ns, end_ns, uncompressed_size, _ = _CHUNK_HEAD.unpack_from(body)
    return start_ns, end_ns, uncompressed_size


def _chunk_records(body: bytes) -> bytes:
    _, _, uncompressed_size, crc = _CHUNK_HEAD.unpack_from(body)
    position = _CHUNK_HEAD.size
    (name_length,) = _U32.unpack_from(body, position)
    compression = body[position + 4:position + 4 + name_length].decode()
    position += 4 + name_length
    (compressed_size,) = _U64.unpack_from(body, position)
    position += 8
    compressed = body[position:position + compressed_size]
    return decompress(compressed, compression, uncompressed_size, crc)


@dataclass(frozen=True)
class _ChunkHead:
    uncompressed_size: int
    compression: str
    data_offset: int  # from the start of the chunk record to its records (compressed) bytes


def _open_cut_chunk(raw: bytes) -> tuple[_ChunkHead, bytes] | None:
    """The head of the chunk record cut short in `raw`, and the decodable start of its records.

    None when `raw` is not a chunk record or is cut inside its head.
    """
    if len(raw) < _RECORD_HEAD.size or raw[0] != OP_CHUNK:
        return None
    body = raw[_RECORD_HEAD.size:]
    position = _CHUNK_HEAD.size + _U32.size
    if len(body) < position:
        return None
    _, _, uncompressed_size, _ = _CHUNK_HEAD.unpack_from(body)
    (name_length,) = _U32.unpack_from(body, _CHUNK_HEAD.size)
    if len(body) < position + name_length + _U64.size:
        return None
    compression = body[position:position + name_length].decode(errors='replace')
    position += name_length + _U64.size
    head = _ChunkHead(uncompressed_size, compression, _RECORD_HEAD.size + position)
    return head, _decoded_prefix(body[position:], compression, uncompressed_size)


def _decoded_prefix(data: bytes, compression: str, size: int) -> bytes:
    """As much of a chunk's records as the start `data` of its compressed bytes gives."""
    if not compression:
        return data[:size]
    decoder_class = STREAM_DECODERS.get(compression)
    if decoder_class is None:
        return b''
    decoder = decoder_class()
    pieces: list[bytes] = []
    produced = 0
    try:
        for start in range(0, len(data), PIECE):
            # a bound makes lz4 give out all it decoded (unbounded, it keeps back the tail)
            pieces.append(decoder.decompress(data[start:start + PIECE], size - produced))
            produced += len(pieces[-1])
            if produced >= size:
                break
    except DECODE_ERRORS:
        pass  # a damaged tail: keep what came before it
    return b''.join(pieces)


def _message(body: bytes, wanted: dict[int, Connection], low: int,
             high: int) -> tuple[int, Connection, bytes] | None:
    channel_id, _, log_ns, _ = _MESSAGE_HEAD.unpack_from(body)
    connection = wanted.get(channel_id)
    if connection is None or not low <= log_ns < high:
        return None
    return log_ns, connection, body[_MESSAGE_HEAD.size:]


def _close_run(state: ScanState, run: list[int]) -> None:
    if run:
        state.segments.append(Segment(run[0], run[1], run[2], chunked=False))
        run.clear()


def _note_definition(state: ScanState, op: int, body: bytes, owner: SalvagedMcap) -> None:
    stream = BytesIO(body)
    if op == OP_SCHEMA:
        (schema_id,) = _U16.unpack(stream.read(2))
        name, encoding = _string(stream), _string(stream)
        state.schemas[schema_id] = Schema(schema_id, name, encoding, _string(stream))
    elif op == OP_CHANNEL:
        channel_id, schema_id = struct.unpack('<HH', stream.read(4))
        topic, encoding = _string(stream), _string(stream)
        metadata = _sized_bytes(stream)
        schema = state.schemas.get(schema_id)
        msgtype = schema.name if schema else '__schemaless__'
        state.channels.setdefault(channel_id, Connection(
            channel_id, topic, msgtype, get_msgdef(schema), '', 0,
            ConnectionExtRosbag2(encoding, get_qos(metadata)), owner))


def _string(stream: BytesIO) -> str:
    return _sized_bytes(stream).decode()


def _sized_bytes(stream: BytesIO) -> bytes:
    (length,) = _U32.unpack(stream.read(4))
    return stream.read(length)
