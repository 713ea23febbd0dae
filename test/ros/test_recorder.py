"""The recorder node as a real process over DDS: topics, latched embodiment, episodes, signals."""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

import pytest
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from ros_process import spin_until
from sensor_msgs.msg import Imu, JointState
from std_msgs.msg import String

from interop_bridge.export.bag_reader import open_bags
from interop_bridge.export.episode_split import mark_from_message, plan_episodes
from interop_msgs.msg import Embodiment, EpisodeEvent
from interop_msgs.srv import ControlEpisode

NAMESPACE = '/g1'
RELIABLE = QoSProfile(depth=200, reliability=ReliabilityPolicy.RELIABLE)
LATCHED = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE,
                     durability=DurabilityPolicy.TRANSIENT_LOCAL)
COUNT = 50


def split_episodes(marks, start_ns, end_ns, default_task=None, include_failed=False):
    """The episodes plan_episodes keeps."""
    return list(plan_episodes(marks, start_ns, end_ns, default_task, include_failed).kept)


def recorder_argv(output: Path, storage: str, topics: str) -> list[str]:
    return [sys.executable, '-m', 'interop_bridge.nodes.recorder', '--ros-args',
            '-r', f'__ns:={NAMESPACE}', '-p', f'topics:={topics}', '-p', f'output:={output}',
            '-p', 'bag_name:=bag', '-p', f'storage:={storage}']


def call(node, client, kind: int, episode_id: str = '', task: str = '') -> object:
    request = ControlEpisode.Request()
    request.event.type, request.event.episode_id, request.event.task = kind, episode_id, task
    future = client.call_async(request)
    assert spin_until(node, future.done), 'the control service did not answer'
    return future.result()


def matched(node, publishers) -> None:
    assert spin_until(node, lambda: all(p.get_subscription_count() > 0 for p in publishers)), (
        f'not matched: {[p.topic_name for p in publishers if not p.get_subscription_count()]}')


@pytest.mark.parametrize('storage,stop_signal', [
    pytest.param('mcap', signal.SIGINT, id='mcap-SIGINT'),
    pytest.param('sqlite3', signal.SIGTERM, id='sqlite3-SIGTERM')])
def test_the_recorder_records_topics_embodiment_and_episodes_and_stops_on_a_signal(
        ros_node, start_process, tmp_path, storage, stop_signal):
    embodiment = Embodiment(vendor='unitree', model='g1_29dof', interface_version='1.0.0')
    ros_node.create_publisher(Embodiment, f'{NAMESPACE}/interop/embodiment', LATCHED).publish(
        embodiment)  # published (and latched) before the recorder exists
    joints = ros_node.create_publisher(JointState, f'{NAMESPACE}/joint_states', RELIABLE)
    chatter = ros_node.create_publisher(String, f'{NAMESPACE}/chatter', RELIABLE)
    imu = ros_node.create_publisher(Imu, '/imu/data', RELIABLE)
    events = ros_node.create_publisher(EpisodeEvent, f'{NAMESPACE}/interop/episode', RELIABLE)
    echoed: list[EpisodeEvent] = []
    ros_node.create_subscription(EpisodeEvent, f'{NAMESPACE}/interop/episode', echoed.append,
                                 RELIABLE)
    recorder = start_process(*recorder_argv(
        tmp_path, storage, '[joint_states, chatter, interop/embodiment, /imu/data]'),
        name='recorder')
    recorder.wait_for_output('recorder ready')
    matched(ros_node, [joints, chatter, imu, events])
    control = ros_node.create_client(ControlEpisode, f'{NAMESPACE}/interop/episode/control')
    assert spin_until(ros_node, control.service_is_ready)

    started = call(ros_node, control, EpisodeEvent.START, task='pick the cup')
    assert started.accepted and started.episode_id.startswith('ep_'), started.message
    for k in range(COUNT):
        joints.publish(JointState(name=['a', 'b'], position=[float(k), k + 0.5]))
        chatter.publish(String(data=f'message {k}'))
        if k % 5 == 0:
            imu.publish(Imu())
        time.sleep(0.002)
    events.publish(EpisodeEvent(type=EpisodeEvent.ANNOTATION, text='good grasp'))
    spin_until(ros_node, lambda: False, timeout=0.5)
    stopped = call(ros_node, control, EpisodeEvent.STOP)
    assert (stopped.accepted, stopped.episode_id) == (True, started.episode_id)
    refused = call(ros_node, control, EpisodeEvent.STOP)
    assert (refused.accepted, refused.message) == (False, 'no open episode to stop')
    assert spin_until(ros_node, lambda: len(echoed) >= 3)
    assert recorder.stop(stop_signal) == 0
    assert 'bag closed' in recorder.log_path.read_text()

    with open_bags(tmp_path / 'bag') as recording:
        topics = recording.topics
        positions = [list(recording.deserialize(r).position)
                     for r in recording.messages(['/g1/joint_states'])]
        texts = [recording.deserialize(r).data for r in recording.messages(['/g1/chatter'])]
        (latched,) = [recording.deserialize(r) for r in recording.messages(
            ['/g1/interop/embodiment'])]
        marks = [mark_from_message(recording.deserialize(r), r.log_ns)
                 for r in recording.messages(['/g1/interop/episode'])]
        start_ns, end_ns = recording.start_ns, recording.end_ns
        metadata_version = recording.sources[0].metadata_version
    assert {name: (t.count, t.definition) for name, t in topics.items()} == {
        '/g1/joint_states': (COUNT, 'stored'), '/g1/chatter': (COUNT, 'stored'),
        '/imu/data': (COUNT // 5, 'stored'), '/g1/interop/embodiment': (1, 'stored'),
        '/g1/interop/episode': (3, 'stored')}
    assert positions == [[float(k), k + 0.5] for k in range(COUNT)]
    assert texts == [f'message {k}' for k in range(COUNT)]
    assert (latched.vendor, latched.model, latched.interface_version) == (
        'unitree', 'g1_29dof', '1.0.0')
    assert metadata_version == 8
    assert [(m.kind, m.episode_id, m.task, m.text) for m in marks] == [
        (EpisodeEvent.START, started.episode_id, 'pick the cup', ''),
        (EpisodeEvent.ANNOTATION, '', '', 'good grasp'),
        (EpisodeEvent.STOP, started.episode_id, '', '')]
    (episode,) = split_episodes(marks, start_ns, end_ns)
    assert (episode.episode_id, episode.task, episode.notes) == (
        started.episode_id, 'pick the cup', ('good grasp',))
    assert [e.type for e in echoed if e.episode_id == started.episode_id] == [
        EpisodeEvent.START, EpisodeEvent.STOP]  # the service's events are also published


def test_a_recorder_killed_outright_leaves_an_mcap_readable_up_to_its_last_flush(
        ros_node, start_process, tmp_path):
    joints = ros_node.create_publisher(JointState, f'{NAMESPACE}/joint_states', RELIABLE)
    recorder = start_process(*recorder_argv(tmp_path, 'mcap', '[joint_states]'), name='recorder')
    recorder.wait_for_output('recorder ready')
    matched(ros_node, [joints])
    for k in range(20):
        joints.publish(JointState(name=['a'], position=[float(k)]))
    spin_until(ros_node, lambda: False, timeout=2.5)  # more than one flush period
    recorder.popen.kill()
    recorder.popen.wait()
    assert not (tmp_path / 'bag' / 'metadata.yaml').exists()
    with open_bags(tmp_path / 'bag') as recording:
        positions = [recording.deserialize(r).position[0]
                     for r in recording.messages(['/g1/joint_states'])]
        warnings = recording.warnings
    assert positions == [float(k) for k in range(20)]
    assert 'truncated MCAP' in warnings[0]


def test_a_recorder_given_an_unknown_storage_exits_with_the_reason(start_process, tmp_path):
    recorder = start_process(*recorder_argv(tmp_path, 'zip', '[joint_states]'), name='recorder')
    recorder.popen.wait(30)
    assert recorder.popen.returncode == 1
    assert "error: storage: got 'zip', expected one of ['mcap', 'sqlite3']" in (
        recorder.output())
