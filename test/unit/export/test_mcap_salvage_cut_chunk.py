"""An MCAP cut inside a chunk: every message wholly before the cut is salvaged.

The expected counts never come from the salvage code: a small record walker here finds where each
message ends in the file (an uncompressed chunk's records lie in the file as they are), and the
compressed files are written here, chunk by chunk, with the compressor flushed after each inner
record, so that the end of each message in the compressed bytes is known as they are written.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import lz4.frame
import pytest
from bag_writing import joint_entries, write_bag
from rosbags.rosbag2 import Reader
from rosbags.rosbag2.storage_mcap import DECOMPRESSORS

from interop_bridge.export.bag_reader import open_bags
from interop_bridge.export.mcap_salvage import SalvagedMcap

try:
    from compression import zstd  # type: ignore[import-not-found, unused-ignore]
except ImportError:
    from backports import zstd  # type: ignore[no-redef, unused-ignore]

T0 = 1_700_000_000 * 1_000_000_000
MS = 1_000_000
MAGIC_SIZE, HEAD = 8, struct.Struct('<BQ')
CHUNK, MESSAGE, DATA_END = 0x06, 0x05, 0x0F
ZSTD_BLOCK_MAX = 128 * 1024  # the zstd format's largest block (RFC 8878, Block_Maximum_Size)


@dataclass(frozen=True)
class Chunk:
    """A chunk record found by the walker: where it starts, its data, its message ends."""

    start: int
    data_start: int
    end: int
    message_ends: list[int]  # file offsets (uncompressed) or offsets in the records (compressed)


def top_records(data: bytes) -> Iterator[tuple[int, int, int]]:
    """(opcode, start, end) of each record of the data section, up to DataEnd."""
    offset = MAGIC_SIZE
    while offset + HEAD.size <= len(data):
        op, length = HEAD.unpack_from(data, offset)
        yield op, offset, offset + HEAD.size + length
        if op == DATA_END:
            return
        offset += HEAD.size + length


def inner_ends(records: bytes, base: int) -> list[int]:
    """`base` + the end of each Message record in a chunk's (uncompressed) records."""
    ends, offset = [], 0
    while offset < len(records):
        op, length = HEAD.unpack_from(records, offset)
        offset += HEAD.size + length
        if op == MESSAGE:
            ends.append(base + offset)
    return ends


def chunk_at(data: bytes, start: int, end: int) -> Chunk:
    """The chunk record at `start`; message ends as offsets in its uncompressed records."""
    (name_length,) = struct.unpack_from('<I', data, start + HEAD.size + 28)
    data_start = start + HEAD.size + 28 + 4 + name_length + 8
    compression = data[start + HEAD.size + 32:start + HEAD.size + 32 + name_length]
    records = DECOMPRESSORS[compression.decode()](data[data_start:end], 0)
    return Chunk(start, data_start, end, inner_ends(records, 0))


def chunks(data: bytes) -> list[Chunk]:
    """The chunk records of an MCAP file."""
    return [chunk_at(data, start, end) for op, start, end in top_records(data) if op == CHUNK]


def plain_bag(path: Path, count: int) -> bytes:
    """A rosbags-written MCAP (uncompressed chunks of ~1 MiB) of `count` JointStates."""
    entries = joint_entries('/js', count, T0, 2 * MS, width=30)
    return (write_bag(path, entries, version=8) / f'{path.name}.mcap').read_bytes()


def flushed_zstd(records: bytes, ends: list[int]) -> tuple[bytes, list[int]]:
    """`records` as one zstd frame, a block flushed at each record end; compressed ends."""
    compressor, out, compressed_ends, start = zstd.ZstdCompressor(), [], [], 0
    for end in ends:
        out.append(compressor.compress(records[start:end], zstd.ZstdCompressor.FLUSH_BLOCK))
        compressed_ends.append(sum(map(len, out)))
        start = end
    out.append(compressor.compress(records[start:], zstd.ZstdCompressor.FLUSH_FRAME))
    return b''.join(out), compressed_ends


def flushed_lz4(records: bytes, ends: list[int]) -> tuple[bytes, list[int]]:
    """`records` as one lz4 frame, blocks flushed at each record end; compressed ends."""
    compressor = lz4.frame.LZ4FrameCompressor(auto_flush=True)
    out, compressed_ends, start = [compressor.begin()], [], 0
    for end in ends:
        out.append(compressor.compress(records[start:end]))
        compressed_ends.append(sum(map(len, out)))
        start = end
    out.extend([compressor.compress(records[start:]), compressor.flush()])
    return b''.join(out), compressed_ends


Compressor = Callable[[bytes, list[int]], tuple[bytes, list[int]]]


def recompressed(data: bytes, name: str, compress: Compressor) -> tuple[bytes, list[int]]:
    """The data section of `data` with each chunk compressed by `compress`; message file ends."""
    out, message_ends = bytearray(data[:MAGIC_SIZE]), []
    for op, start, end in top_records(data):
        if op != CHUNK:
            out += data[start:end]
            continue
        chunk = chunk_at(data, start, end)
        records = data[chunk.data_start:end]
        compressed, ends = compress(records, chunk.message_ends)
        assert DECOMPRESSORS[name](compressed, len(records)) == records
        body = data[start + HEAD.size:start + HEAD.size + 28] + struct.pack(
            f'<I{len(name)}sQ', len(name), name.encode(), len(compressed)) + compressed
        out += HEAD.pack(CHUNK, len(body))
        data_start = len(out) + len(body) - len(compressed)
        message_ends.extend(data_start + e for e in ends)
        out += body
    return bytes(out), message_ends


def plain_ends(data: bytes) -> list[int]:
    """File end offset of every message of an MCAP whose chunks are uncompressed."""
    return [chunk.data_start + end for chunk in chunks(data) for end in chunk.message_ends]


def all_messages(bag: Path) -> list[tuple[int, bytes]]:
    with Reader(bag) as reader:
        return [(log_ns, bytes(raw)) for _, log_ns, raw in reader.messages()]


def salvaged(path: Path) -> tuple[list[tuple[int, bytes]], SalvagedMcap]:
    mcap = SalvagedMcap(path)
    try:
        return [(log_ns, raw) for _, log_ns, raw in mcap.messages(mcap.connections)], mcap
    finally:
        mcap.close()


def cut_offsets(data: bytes, message_ends: list[int]) -> list[int]:
    """Cuts in the last chunk's head, at and around its message ends, in an earlier chunk."""
    first, last = chunks(data)[0], chunks(data)[-1]
    inside = [e for e in message_ends if last.data_start < e <= last.end]
    middle = inside[len(inside) // 2]
    return [last.start, last.start + 5, last.start + HEAD.size + 12, last.data_start - 3,
            last.data_start, inside[0] - 1, inside[0], middle - 1, middle, middle + 1,
            inside[-2] + 1, last.end - 1, (first.data_start + first.end) // 2]


@dataclass(frozen=True)
class Recorded:
    """A recording: the messages rosbags reads from it whole, and its bytes per compression."""

    messages: list[tuple[int, bytes]]
    files: dict[str, tuple[bytes, list[int]]]  # compression: (bytes, file end of each message)


@pytest.fixture(scope='module')
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    root = tmp_path_factory.mktemp('bags')
    data = plain_bag(root / 'plain', 2400)
    return Recorded(all_messages(root / 'plain'), {
        '': (data, plain_ends(data)), 'zstd': recompressed(data, 'zstd', flushed_zstd),
        'lz4': recompressed(data, 'lz4', flushed_lz4)})


@pytest.mark.parametrize('compression', ['', 'zstd', 'lz4'], ids=['plain', 'zstd', 'lz4'])
def test_every_message_wholly_before_a_cut_is_salvaged(recorded, tmp_path, compression):
    data, ends = recorded.files[compression]
    assert len(chunks(data)) == 3 and len(ends) == len(recorded.messages) == 2400
    for cut in cut_offsets(data, ends):
        path = tmp_path / f'cut-{cut}.mcap'
        path.write_bytes(data[:cut])
        messages, mcap = salvaged(path)
        expected = sum(end <= cut for end in ends)
        assert (cut, len(messages), mcap.message_count) == (cut, expected, expected)
        assert messages == recorded.messages[:expected]


def test_a_rosbags_zstd_chunk_gives_all_but_its_last_block(tmp_path):
    entries = joint_entries('/js', 2400, T0, 2 * MS, width=30)
    bag = write_bag(tmp_path / 'bag', entries, version=8, zstd_chunks=True)
    data = (bag / 'bag.mcap').read_bytes()
    *earlier, last = chunks(data)
    before = sum(len(chunk.message_ends) for chunk in earlier)
    (tmp_path / 'cut.mcap').write_bytes(data[:last.end - 1])  # the last byte of it missing
    messages, mcap = salvaged(tmp_path / 'cut.mcap')
    uncompressed = struct.unpack_from('<Q', data, last.start + HEAD.size + 16)[0]
    surely = sum(end <= uncompressed - ZSTD_BLOCK_MAX for end in last.message_ends)
    assert mcap.cut_chunk is not None and mcap.cut_chunk.compression == 'zstd'
    assert before + surely <= len(messages) < before + len(last.message_ends)
    assert messages == all_messages(bag)[:len(messages)]


def test_the_count_is_reported_once_in_one_warning(recorded, tmp_path):
    data, ends = recorded.files['']
    cut = ends[-100] + 3
    (tmp_path / 'cut.mcap').write_bytes(data[:cut])
    expected = len(ends) - 99
    last = chunks(data)[-1]
    with open_bags(tmp_path / 'cut.mcap') as recording:
        assert recording.message_count == expected
        (warning,) = recording.warnings
    in_chunk = sum(last.data_start < end <= cut for end in ends)
    assert f'read {expected} messages from the first {last.start} of {cut} bytes' in warning
    assert f'from the last chunk (uncompressed), cut short: {in_chunk} of them' in warning
    assert warning.endswith(f'its last {cut - ends[-100]} bytes, an incomplete record, '
                            'were not read')
    assert warning.count(str(expected)) == 1
