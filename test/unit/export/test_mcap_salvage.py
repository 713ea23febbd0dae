"""Salvaging MCAP files cut short: chunked and unchunked messages, cuts anywhere."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import bag_factory as bf
import pytest
from bag_writing import JOINT_STATE, joint_entries, store
from rosbags.rosbag2.errors import ReaderError
from rosbags.rosbag2.storage_mcap import (
    Channel, Schema, write_channel, write_record, write_schema, write_string, write_uint16,
    write_uint32, write_uint64)

from interop_bridge.cli import main
from interop_bridge.export.bag_reader import BagError, open_bags
from interop_bridge.export.mcap_salvage import MAGIC, SalvagedMcap

T0 = 1_700_000_000 * 1_000_000_000


def unchunked_mcap(path: Path, log_times: list[int], metadata: bytes = b'') -> list[int]:
    """An MCAP with messages outside chunks and no summary; the end offset of each record."""
    text, _ = store().generate_msgdef(JOINT_STATE, ros_version=2)
    schema = Schema(1, JOINT_STATE, 'ros2msg', text)
    out = BytesIO()
    out.write(MAGIC)
    header = BytesIO()
    write_string(header, 'ros2')
    write_string(header, 'test')
    write_record(out, 0x01, header)
    write_schema(out, schema)
    write_channel(out, Channel(1, JOINT_STATE, '/js', 'cdr', metadata), [schema])
    ends = []
    for index, log_ns in enumerate(log_times):
        message = BytesIO()
        write_uint16(message, 1)
        write_uint32(message, index)
        write_uint64(message, log_ns)
        write_uint64(message, log_ns)
        entry = joint_entries('/js', 1, log_ns, 1)[0].message
        entry.position[0] = float(index)
        message.write(bytes(store().serialize_cdr(entry, JOINT_STATE)))
        write_record(out, 0x05, message)
        ends.append(out.tell())
    path.write_bytes(out.getvalue())
    return ends


def test_unchunked_messages_are_read_up_to_the_cut_in_file_order(tmp_path):
    ends = unchunked_mcap(tmp_path / 'loose.mcap', [T0 + k * 1000 for k in range(10)])
    data = (tmp_path / 'loose.mcap').read_bytes()
    (tmp_path / 'cut.mcap').write_bytes(data[:ends[6] + 5])  # a few bytes into message 7
    salvaged = SalvagedMcap(tmp_path / 'cut.mcap')
    try:
        (connection,) = salvaged.connections
        messages = list(salvaged.messages([connection]))
        window = list(salvaged.messages([connection], T0 + 2000, T0 + 4000))
    finally:
        salvaged.close()
    assert (connection.topic, connection.msgtype, connection.msgcount) == ('/js', JOINT_STATE, 7)
    assert [log_ns - T0 for _, log_ns, _ in messages] == [k * 1000 for k in range(7)]
    assert [log_ns - T0 for _, log_ns, _ in window] == [2000, 3000]
    assert salvaged.readable_bytes == ends[6]
    assert salvaged.time_range() == (T0, T0 + 6000)
    decoded = store().deserialize_cdr(messages[-1][2], JOINT_STATE)
    assert decoded.position[0] == 6.0


@pytest.mark.parametrize('keep', [0, 3, 9])
def test_a_cut_inside_the_first_records_leaves_no_message(tmp_path, keep):
    unchunked_mcap(tmp_path / 'loose.mcap', [T0])
    (tmp_path / 'cut.mcap').write_bytes((tmp_path / 'loose.mcap').read_bytes()[:8 + keep])
    salvaged = SalvagedMcap(tmp_path / 'cut.mcap')
    salvaged.close()
    assert salvaged.message_count == 0 and salvaged.connections == []


def test_a_file_that_is_not_mcap_is_refused(tmp_path):
    (tmp_path / 'x.mcap').write_bytes(b'PK\x03\x04 zip file')
    with pytest.raises(ReaderError, match=r"x.mcap: not an MCAP file \(bad magic b'PK"):
        SalvagedMcap(tmp_path / 'x.mcap')


def test_a_cut_mcap_with_a_malformed_record_is_refused_by_the_reader(tmp_path):
    unchunked_mcap(tmp_path / 'bad.mcap', [T0, T0 + 1], metadata=b'\x00\x00\x00\x00')
    with pytest.raises(BagError, match='bad.mcap: truncated MCAP that cannot be salvaged'):
        open_bags(tmp_path / 'bad.mcap')


def test_a_cut_mcap_exports_with_one_warning_that_never_rounds_up_to_100(tmp_path, capsys):
    bag = bf.write_vendor_bag(tmp_path / 'g1', 'unitree_g1_29dof', duration_s=2.0,
                              camera=False)
    data = (bag / 'g1.mcap').read_bytes()
    (tmp_path / 'cut.mcap').write_bytes(data[:-200])  # inside the summary: 99.99 % of it
    status = main(['export', str(tmp_path / 'cut.mcap'), '--profile', 'unitree_g1_29dof',
                   '--task', 'wave', '--out', str(tmp_path / 'ds'), '--vcodec', 'libx264'])
    err = capsys.readouterr().err
    assert status == 0, err
    (warning,) = [line for line in err.splitlines() if 'truncated MCAP' in line]
    assert f'of {len(data) - 200} bytes (99.9%)' in warning
    assert warning.endswith('bytes, an incomplete record, were not read')
