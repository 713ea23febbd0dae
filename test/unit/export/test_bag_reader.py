"""Reading rosbag2 recordings: formats, discovery, stored types, salvage, streaming, errors."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import tracemalloc
from pathlib import Path

import pytest
from bag_writing import (
    EPISODE_EVENT, JOINT_STATE, STRING, Entry, episode_event, header, joint_entries, store,
    write_bag)
from rosbags.rosbag2 import Writer
from rosbags.typesys import Stores, get_types_from_msg, get_typestore

from interop_bridge.errors import ExportError
from interop_bridge.export.bag_reader import BagError, Record, open_bags

MS = 1_000_000
T0 = 1_700_000_000 * 1_000_000_000


def sample_bag(path: Path, storage: str = 'mcap', version: int = 9) -> Path:
    entries = joint_entries('/joint_states', 50, T0, 2 * MS)
    entries.append(Entry('/interop/episode', EPISODE_EVENT, T0 + 3 * MS,
                         episode_event(T0 + 3 * MS, 0, 'ep1', 'pick the cup')))
    return write_bag(path, entries, storage=storage, version=version)


@pytest.mark.parametrize('storage', ['mcap', 'sqlite3'])
@pytest.mark.parametrize('version', [8, 9])
def test_a_bag_of_each_storage_and_version_reads_back_in_time_order(tmp_path, storage, version):
    with open_bags(sample_bag(tmp_path / 'bag', storage, version)) as recording:
        assert recording.topics['/joint_states'].count == 50
        assert recording.topics['/joint_states'].msgtype == JOINT_STATE
        assert recording.topics['/joint_states'].definition == 'stored'
        assert recording.topics['/interop/episode'].definition == 'stored'
        records = list(recording.messages())
        assert recording.sources[0].metadata_version == version
        assert recording.sources[0].storage == storage
    assert len(records) == 51 == recording.message_count
    assert [r.log_ns for r in records] == sorted(r.log_ns for r in records)
    assert records[2] == Record('/interop/episode', EPISODE_EVENT, T0 + 3 * MS, records[2].data)
    assert (recording.start_ns, recording.end_ns) == (T0, T0 + 49 * 2 * MS)
    assert recording.warnings == ()


def test_messages_decode_into_the_values_written(tmp_path):
    with open_bags(sample_bag(tmp_path / 'bag')) as recording:
        records = list(recording.messages(['/joint_states']))
        last = recording.deserialize(records[-1])
        event = recording.deserialize(next(recording.messages(['/interop/episode'])))
    assert list(last.position) == pytest.approx([49.0, 49.1, 49.2])
    assert last.header.stamp.sec * 10**9 + last.header.stamp.nanosec == T0 + 98 * MS
    assert (event.type, event.episode_id, event.task) == (0, 'ep1', 'pick the cup')


def test_messages_are_filtered_by_topic_and_time_window(tmp_path):
    with open_bags(sample_bag(tmp_path / 'bag')) as recording:
        window = list(recording.messages(['/joint_states'], T0 + 10 * MS, T0 + 20 * MS))
    assert [r.log_ns - T0 for r in window] == [10 * MS, 12 * MS, 14 * MS, 16 * MS, 18 * MS]


@pytest.mark.parametrize('suffix', ['.mcap', '.db3'])
def test_a_bare_storage_file_is_a_bag(tmp_path, suffix):
    storage = 'mcap' if suffix == '.mcap' else 'sqlite3'
    bag = sample_bag(tmp_path / 'bag', storage)
    with open_bags(bag / f'bag{suffix}') as recording:
        assert recording.topics['/joint_states'].count == 50
        assert recording.sources[0].metadata_version is None


def test_a_directory_of_several_bags_is_merged_in_time_order_with_file_digests(tmp_path):
    write_bag(tmp_path / 'runs' / 'a', joint_entries('/js', 5, T0, 10 * MS))
    write_bag(tmp_path / 'runs' / 'nested' / 'b', joint_entries('/js', 5, T0 + 5 * MS, 10 * MS),
              storage='sqlite3')
    with open_bags(tmp_path / 'runs') as recording:
        times = [r.log_ns - T0 for r in recording.messages()]
        sources = recording.sources
    assert times == [k * 5 * MS for k in range(10)]
    assert [s.path.name for s in sources] == ['a', 'b']
    for source in sources:
        (file,) = source.files
        assert file.sha256 == hashlib.sha256(file.path.read_bytes()).hexdigest()
        assert file.size == file.path.stat().st_size


def test_a_vendor_type_decodes_from_the_definition_stored_in_the_bag(tmp_path):
    vendor = get_typestore(Stores.ROS2_JAZZY)
    vendor.register(get_types_from_msg('float32 q\nfloat32 dq', 'acme_msgs/msg/Motor'))
    vendor.register(get_types_from_msg('std_msgs/Header header\nMotor[] motors',
                                       'acme_msgs/msg/LowState'))
    motor, low = vendor.types['acme_msgs/msg/Motor'], vendor.types['acme_msgs/msg/LowState']
    message = low(header=header(T0), motors=[motor(q=0.5, dq=-1.0), motor(q=1.5, dq=2.0)])
    write_bag(tmp_path / 'vendor', [Entry('/low', 'acme_msgs/msg/LowState', T0, message)],
              typestore=vendor)
    assert 'acme_msgs/msg/LowState' not in store().fielddefs
    with open_bags(tmp_path / 'vendor') as recording:
        decoded = recording.deserialize(next(recording.messages()))
        assert recording.topics['/low'].definition == 'stored'
    assert [(m.q, m.dq) for m in decoded.motors] == [(0.5, -1.0), (1.5, 2.0)]


def _strip_definitions(bag: Path) -> None:
    with sqlite3.connect(bag / f'{bag.name}.db3') as connection:
        connection.execute('DELETE FROM message_definitions')


def test_a_bag_without_definitions_falls_back_to_builtin_types_with_a_warning(tmp_path):
    bag = write_bag(tmp_path / 'old', joint_entries('/js', 3, T0, MS), storage='sqlite3')
    _strip_definitions(bag)
    with open_bags(bag) as recording:
        assert recording.topics['/js'].definition == 'builtin'
        position = recording.deserialize(list(recording.messages())[-1]).position
        warnings = recording.warnings
    assert list(position) == pytest.approx([2.0, 2.1, 2.2])
    assert any("type 'sensor_msgs/msg/JointState' has no (complete) stored definition" in w
               for w in warnings)


def test_an_unknown_type_without_definition_is_reported_and_refused_when_asked_for(tmp_path):
    vendor = get_typestore(Stores.ROS2_JAZZY)
    vendor.register(get_types_from_msg('float64 x', 'acme_msgs/msg/Thing'))
    bag = write_bag(tmp_path / 'v', [Entry('/thing', 'acme_msgs/msg/Thing', T0,
                                           vendor.types['acme_msgs/msg/Thing'](x=1.0)),
                                     *joint_entries('/js', 2, T0, MS)],
                    storage='sqlite3', typestore=vendor)
    _strip_definitions(bag)
    with open_bags(bag) as recording:
        assert recording.topics['/thing'].definition == 'missing'
        assert len(list(recording.messages(['/js']))) == 2
        raw = next(r for r in recording.messages() if r.topic == '/thing')
        with pytest.raises(BagError, match="topic '/thing': type 'acme_msgs/msg/Thing' has no "
                                           'stored definition'):
            recording.messages(['/thing'])
        with pytest.raises(BagError, match='cannot be decoded'):
            recording.deserialize(raw)
    assert any('acme_msgs/msg/Thing' in w and 'cannot be decoded' in w
               for w in recording.warnings)


def test_a_stored_hash_that_does_not_match_the_definition_is_warned_about(tmp_path):
    text, _ = store().generate_msgdef(JOINT_STATE, ros_version=2)
    raw = bytes(store().serialize_cdr(joint_entries('/js', 1, T0, MS)[0].message, JOINT_STATE))
    with Writer(tmp_path / 'bag', version=9) as writer:
        connection = writer.add_connection('/js', JOINT_STATE, msgdef=text,
                                           rihs01='RIHS01_' + '0' * 64)
        writer.write(connection, T0, raw)
    with open_bags(tmp_path / 'bag') as recording:
        assert len(list(recording.messages(['/js']))) == 1
    assert any('stored hash RIHS01_000' in w and 'decoding with the stored one' in w
               for w in recording.warnings)


def _multi_chunk_mcap(path: Path, count: int = 3000, zstd_chunks: bool = False) -> Path:
    entries = joint_entries('/js', count, T0, 2 * MS, width=30)
    return write_bag(path, entries, version=8, zstd_chunks=zstd_chunks) / f'{path.name}.mcap'


@pytest.mark.parametrize('total,zstd_chunks', [(3000, False), (12000, True)],
                         ids=['plain', 'zstd'])
def test_a_truncated_mcap_exports_what_is_readable_and_says_how_much(
        tmp_path, total, zstd_chunks):
    full = _multi_chunk_mcap(tmp_path / 'full', total, zstd_chunks)
    data = full.read_bytes()
    cut = tmp_path / 'killed.mcap'
    cut.write_bytes(data[:len(data) * 3 // 4])
    with open_bags(cut) as recording:
        records = list(recording.messages())
        last = recording.deserialize(records[-1])
        (warning,) = recording.warnings
        assert recording.sources[0].complete is False
    assert 0 < len(records) < total
    assert recording.topics['/js'].count == len(records)
    assert [r.log_ns for r in records] == sorted(r.log_ns for r in records)
    assert last.position[0] == len(records) - 1
    assert 'truncated MCAP' in warning
    assert f'read {len(records)} messages from the first' in warning
    assert f'of {len(data) * 3 // 4} bytes' in warning


def test_a_truncated_mcap_inside_a_bag_directory_is_salvaged_too(tmp_path):
    full = _multi_chunk_mcap(tmp_path / 'bag')
    full.write_bytes(full.read_bytes()[:full.stat().st_size // 2])
    with open_bags(tmp_path / 'bag') as recording:
        count = len(list(recording.messages()))
    assert 0 < count < 3000
    assert any(f'metadata.yaml lists 3000 messages; {count} were readable' in w
               for w in recording.warnings)


def test_reading_a_long_bag_keeps_memory_flat(tmp_path):
    raw = bytes(store().serialize_cdr(joint_entries('/js', 1, T0, MS, width=30)[0].message,
                                      JOINT_STATE))
    entries = (Entry('/js', JOINT_STATE, T0 + k * MS, raw) for k in range(40000))
    bag = write_bag(tmp_path / 'long', entries)
    size = sum(f.stat().st_size for f in bag.iterdir())
    with open_bags(bag) as recording:
        tracemalloc.start()
        count = sum(1 for _ in recording.messages())
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert count == 40000
    assert size > 40 * 2**20
    assert peak < 8 * 2**20, f'peak {peak / 2**20:.1f} MiB while streaming {size / 2**20} MiB'


def test_a_path_that_does_not_exist_is_refused(tmp_path):
    with pytest.raises(BagError, match=r'missing: no such file or directory; expected a rosbag2'):
        open_bags(tmp_path / 'missing')


def test_a_directory_without_any_bag_is_refused(tmp_path):
    (tmp_path / 'notes.txt').write_text('hello')
    with pytest.raises(BagError, match=r'not a bag: expected a rosbag2 directory'):
        open_bags(tmp_path)


def test_a_file_that_is_not_an_mcap_is_refused(tmp_path):
    fake = tmp_path / 'fake.mcap'
    fake.write_bytes(b'this is not an mcap file at all')
    with pytest.raises(BagError, match='fake.mcap: cannot be read as a rosbag2 storage file'):
        open_bags(fake)


def test_an_empty_bag_is_refused(tmp_path):
    bag = write_bag(tmp_path / 'empty', [], topics=[('/js', JOINT_STATE)])
    with pytest.raises(BagError, match=r'empty bag: .*empty holds no messages'):
        open_bags(bag)


def test_an_empty_bag_beside_a_full_one_is_skipped(tmp_path):
    write_bag(tmp_path / 'a_empty', [], topics=[('/js', JOINT_STATE)])
    write_bag(tmp_path / 'b_full', joint_entries('/js', 4, T0, MS))
    with open_bags(tmp_path) as recording:
        assert [s.path.name for s in recording.sources] == ['b_full']
        assert recording.message_count == 4
    assert recording.warnings == (f'{tmp_path / "a_empty"}: empty bag (no messages), skipped',)


def test_one_topic_with_two_types_in_two_bags_is_refused(tmp_path):
    write_bag(tmp_path / 'a', joint_entries('/x', 2, T0, MS))
    string = store().types[STRING]
    write_bag(tmp_path / 'b', [Entry('/x', STRING, T0, string(data='hi'))])
    with pytest.raises(BagError, match=r"topic '/x' has different types in the bags"):
        open_bags(tmp_path)


def test_one_type_defined_differently_in_two_bags_is_refused(tmp_path):
    for name, fields in (('a', 'float64 x'), ('b', 'float64 x\nfloat64 y')):
        vendor = get_typestore(Stores.EMPTY)
        vendor.register(get_types_from_msg(fields, 'acme_msgs/msg/P'))
        message = vendor.types['acme_msgs/msg/P'](*([1.0] * fields.count('float64')))
        write_bag(tmp_path / name, [Entry('/p', 'acme_msgs/msg/P', T0, message)],
                  typestore=vendor)
    with pytest.raises(ExportError, match=r"type 'acme_msgs/msg/P' is defined differently"):
        open_bags(tmp_path)


def test_asking_for_a_topic_that_was_not_recorded_is_refused(tmp_path):
    with open_bags(sample_bag(tmp_path / 'bag')) as recording, pytest.raises(
            BagError, match=r"topics not in the recording: \['/nope'\]"):
        recording.messages(['/nope'])


def test_bytes_that_do_not_match_the_type_are_refused_with_the_topic(tmp_path):
    with open_bags(sample_bag(tmp_path / 'bag')) as recording:
        bad = Record('/joint_states', JOINT_STATE, T0, b'\x00\x01\x00\x00\x01')
        with pytest.raises(BagError, match=r"topic '/joint_states': 5 bytes do not decode"):
            recording.deserialize(bad)


def test_a_copied_bag_is_read_from_its_new_place(tmp_path):
    sample_bag(tmp_path / 'bag')
    shutil.copytree(tmp_path / 'bag', tmp_path / 'moved')
    with open_bags(tmp_path / 'moved') as recording:
        assert recording.sources[0].path == tmp_path / 'moved'


def test_asking_for_no_topic_yields_nothing(tmp_path):
    with open_bags(sample_bag(tmp_path / 'bag')) as recording:
        assert list(recording.messages([])) == []
