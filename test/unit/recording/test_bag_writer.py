"""Writing recorded (serialized) messages into a bag, and what a crash leaves readable."""

from __future__ import annotations

import shutil

import pytest
from bag_writing import JOINT_STATE, episode_event, joint_entries, store
from rosbags.highlevel import AnyReader
from rosbags.interfaces import QosDurability, QosReliability

from interop_bridge.export.bag_reader import open_bags
from interop_bridge.recording.bag_writer import BagWriter, RecordingError, bag_qos

T0 = 1_700_000_000 * 1_000_000_000
MS = 1_000_000
EVENT = 'interop_msgs/msg/EpisodeEvent'


def raw_joint_states(count: int) -> list[bytes]:
    return [bytes(store().serialize_cdr(entry.message, JOINT_STATE))
            for entry in joint_entries('/js', count, T0, MS, width=30)]


@pytest.mark.parametrize('storage', ['mcap', 'sqlite3'])
def test_written_messages_read_back_with_definitions_counts_and_qos(tmp_path, storage):
    writer = BagWriter(tmp_path / 'bag', storage)
    writer.add_topic('/js', JOINT_STATE, [bag_qos('best_effort', 'volatile', 10)])
    writer.add_topic('/interop/embodiment', 'interop_msgs/msg/Embodiment',
                     [bag_qos('reliable', 'transient_local', 1)])
    writer.add_topic('/interop/episode', EVENT)
    for index, data in enumerate(raw_joint_states(5)):
        writer.write('/js', T0 + index * MS, data)
    writer.write('/interop/episode', T0 + 2 * MS,
                 bytes(store().serialize_cdr(episode_event(T0, 0, 'a', 'pick'), EVENT)))
    writer.close()
    writer.close()  # a second close is harmless
    assert writer.counts == {'/js': 5, '/interop/embodiment': 0, '/interop/episode': 1}
    assert writer.summary().splitlines()[0] == f'{tmp_path / "bag"}: 6 messages ({storage})'
    with open_bags(tmp_path / 'bag') as recording:
        topics = recording.topics
        positions = [recording.deserialize(r).position[0] for r in recording.messages(['/js'])]
    assert positions == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert {name: t.definition for name, t in topics.items()} == dict.fromkeys(topics, 'stored')
    (offered,) = topics['/js'].offered_qos
    assert (offered.reliability, offered.depth) == (QosReliability.BEST_EFFORT, 10)
    assert topics['/interop/embodiment'].offered_qos[0].durability == (
        QosDurability.TRANSIENT_LOCAL)
    assert recording.sources[0].metadata_version == 8


def test_an_mcap_flushed_then_killed_keeps_everything_before_the_flush(tmp_path):
    writer = BagWriter(tmp_path / 'bag', 'mcap')
    writer.add_topic('/js', JOINT_STATE)
    data = raw_joint_states(30)
    for index in range(20):
        writer.write('/js', T0 + index * MS, data[index])
    writer.flush()
    for index in range(20, 30):
        writer.write('/js', T0 + index * MS, data[index])  # still in the pending chunk
    killed = tmp_path / 'killed.mcap'
    shutil.copy(tmp_path / 'bag' / 'bag.mcap', killed)  # the file as a SIGKILL leaves it
    writer.close()
    with open_bags(killed) as recording:
        assert recording.message_count == 20
        assert 'truncated MCAP' in recording.warnings[0]


def test_a_sqlite3_bag_flushed_then_killed_keeps_everything_committed(tmp_path):
    writer = BagWriter(tmp_path / 'bag', 'sqlite3')
    writer.add_topic('/js', JOINT_STATE)
    for index, data in enumerate(raw_joint_states(12)):
        writer.write('/js', T0 + index * MS, data)
    writer.flush()
    shutil.copy(tmp_path / 'bag' / 'bag.db3', tmp_path / 'killed.db3')
    writer.close()
    with open_bags(tmp_path / 'killed.db3') as recording:
        assert recording.topics['/js'].count == 12


def test_an_unknown_storage_or_an_existing_bag_is_refused(tmp_path):
    with pytest.raises(RecordingError, match=r"storage: got 'zip', expected one of \['mcap', "
                                             r"'sqlite3'\]"):
        BagWriter(tmp_path / 'bag', 'zip')
    (tmp_path / 'bag').mkdir()
    with pytest.raises(RecordingError, match=r'bag: cannot create the bag: .*exists already'):
        BagWriter(tmp_path / 'bag')


@pytest.mark.parametrize('storage', ['mcap', 'sqlite3'])
def test_a_written_bag_opens_in_rosbags_anyreader_which_checks_the_stored_hashes(
        tmp_path, storage):
    writer = BagWriter(tmp_path / 'bag', storage)
    writer.add_topic('/js', JOINT_STATE)
    writer.add_topic('/state', 'interop_msgs/msg/WholeBodyState')
    for index, data in enumerate(raw_joint_states(3)):
        writer.write('/js', T0 + index * MS, data)
    writer.close()
    with AnyReader([tmp_path / 'bag']) as reader:
        digests = {c.topic: c.digest for c in reader.connections}
        positions = [reader.deserialize(raw, c.msgtype).position[0]
                     for c, _, raw in reader.messages()]
    assert positions == [0.0, 1.0, 2.0]
    if storage == 'sqlite3':  # the hash AnyReader verified against the stored definition
        assert digests['/state'] == store().hash_rihs01('interop_msgs/msg/WholeBodyState')
