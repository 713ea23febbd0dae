"""Every interop_msgs type crosses real DDS between two processes and arrives intact."""

from __future__ import annotations

import importlib

import pytest
from message_values import make_message
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from ros_process import FIXTURES, REPO, python_script, spin_until

from interop_bridge import episode_events
from interop_msgs.srv import ControlEpisode

MESSAGE_TYPES = ['WholeBodyState', 'WholeBodyCommand', 'HandState', 'HandCommand',
                 'TactileArray', 'TactileState', 'JointDescription', 'Embodiment',
                 'EpisodeEvent']
QOS = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE,
                 durability=DurabilityPolicy.TRANSIENT_LOCAL)


def test_every_msg_file_is_covered_by_this_test():
    shipped = sorted(path.stem for path in (REPO / 'interop_msgs' / 'msg').glob('*.msg'))
    assert shipped == sorted(MESSAGE_TYPES)


def test_every_message_type_arrives_intact_through_another_process(ros_node, start_process):
    relays = [f'interop_msgs/msg/{name}:in/{name}:out/{name}' for name in MESSAGE_TYPES]
    echo = start_process(*python_script(FIXTURES / 'echo_node.py', *relays), name='echo')
    echo.wait_for_output('echo ready')
    module = importlib.import_module('interop_msgs.msg')
    sent, received = {}, {}
    for seed, name in enumerate(MESSAGE_TYPES, start=3):
        msg_class = getattr(module, name)
        sent[name] = make_message(msg_class, seed)
        ros_node.create_subscription(msg_class, f'out/{name}',
                                     lambda msg, name=name: received.setdefault(name, msg), QOS)
        ros_node.create_publisher(msg_class, f'in/{name}', QOS).publish(sent[name])
    assert spin_until(ros_node, lambda: len(received) == len(MESSAGE_TYPES)), (
        f'missing: {sorted(set(MESSAGE_TYPES) - set(received))}\n{echo.output()}')
    for name in MESSAGE_TYPES:
        assert received[name] == sent[name], name
    assert echo.stop() == 0


def test_a_filled_message_differs_from_the_default_one():
    from interop_msgs.msg import WholeBodyState
    filled = make_message(WholeBodyState, 5)
    assert filled != WholeBodyState()
    assert len(filled.position) == 3 and filled.imu.orientation.w != 1.0


def test_control_episode_service_round_trips_through_another_process(ros_node, start_process):
    echo = start_process(*python_script(FIXTURES / 'echo_node.py', '--service',
                                        'interop_msgs/srv/ControlEpisode:episode/control'),
                         name='echo')
    echo.wait_for_output('echo ready')
    client = ros_node.create_client(ControlEpisode, 'episode/control')
    assert spin_until(ros_node, lambda: client.service_is_ready())
    request = ControlEpisode.Request()
    request.event = make_message(type(request.event), 11)
    future = client.call_async(request)
    assert spin_until(ros_node, future.done)
    response = future.result()
    assert response.accepted is True
    assert response.episode_id == request.event.episode_id
    assert response.message == f'{request.event.type}|{request.event.task}|{request.event.text}'


@pytest.mark.parametrize('constant,value', [('START', 0), ('STOP', 1), ('SUCCESS', 2),
                                            ('FAILURE', 3), ('ABORT', 4), ('ANNOTATION', 5)])
def test_episode_event_types_have_their_documented_values(constant, value):
    from interop_msgs.msg import EpisodeEvent
    assert getattr(EpisodeEvent, constant) == value
    assert getattr(episode_events, constant) == value
    assert episode_events.EVENT_NAMES[value] == constant
