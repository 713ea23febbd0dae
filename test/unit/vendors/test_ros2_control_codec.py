"""The ros2_control codec reads JointState by name and writes / reads forward-controller
commands (std_msgs/Float64MultiArray) in the controller's joint order.

Messages are built and read back by rosbags (test/vendor_messages.py). The profile is written
here: a knee, an elbow with sign -1 and offset 0.5, and a shoulder pan as an extra; the
controller orders them elbow, pan, knee.
"""

from __future__ import annotations

import numpy as np
import pytest
import vendor_messages as vm
import yaml

from interop_bridge.errors import MappingError, ProfileError
from interop_bridge.profile import load_profile
from interop_bridge.vendors.native import NativeCommand, NativeState
from interop_bridge.vendors.ros2_control import Ros2ControlCodec, check_options

CONTROLLER = ['elbow_joint', 'pan_joint', 'knee_joint']
FIELDS = ('position', 'velocity', 'effort', 'stiffness', 'damping')


def profile_yaml(interface: str = 'position', controller=None) -> dict:
    return {
        'name': 'tiny', 'vendor': 'test', 'model': 'tiny', 'adapter': 'ros2_control',
        'state_rate_hz': 100, 'stamp_source': 'vendor',
        'topics': {'state': 'joint_states', 'command': 'forward_controller/commands'},
        'command': {}, 'extra': [{'name': 'test/pan_joint', 'source': 'pan_joint'}],
        'ros2_control': {'command_interface': interface,
                         'controller_joints': controller or CONTROLLER},
        'joints': [  # profile order: knee (canonical 3), elbow (canonical 18)
            {'canonical': 'left_elbow', 'source': 'elbow_joint', 'native_name': 'elbow_joint',
             'sign': -1, 'offset': 0.5, 'position': [-1, 2], 'velocity': 5, 'effort': 20},
            {'canonical': 'left_knee', 'source': 'knee_joint', 'native_name': 'knee_joint',
             'position': [0, 2.5], 'velocity': 10, 'effort': 100}]}


def codec_for(tmp_path, interface: str = 'position') -> Ros2ControlCodec:
    path = tmp_path / 'tiny.yaml'
    path.write_text(yaml.safe_dump(profile_yaml(interface)))
    return Ros2ControlCodec(load_profile(path), vm.typestore().fielddefs)


def joint_state(names, position, velocity=(), effort=(), stamp_ns: int = 3_000_000_005) -> bytes:
    """A JointState with the given (possibly empty) arrays, serialized by rosbags."""
    store = vm.typestore()
    types = store.types
    header = types['std_msgs/msg/Header'](
        stamp=types['builtin_interfaces/msg/Time'](sec=stamp_ns // 10**9,
                                                   nanosec=stamp_ns % 10**9), frame_id='')
    message = types['sensor_msgs/msg/JointState'](
        header=header, name=list(names), position=np.asarray(position, dtype=np.float64),
        velocity=np.asarray(velocity, dtype=np.float64),
        effort=np.asarray(effort, dtype=np.float64))
    return bytes(store.serialize_cdr(message, 'sensor_msgs/msg/JointState'))


def command(position=(0.2, 1.0), velocity=(-0.5, 0.3), effort=(2.0, -4.0),
            enabled=(True, True)) -> NativeCommand:
    """A checked command over the profile's joints: knee first, then elbow."""
    return NativeCommand(position=np.array(position), velocity=np.array(velocity),
                         effort=np.array(effort), stiffness=np.zeros(2), damping=np.zeros(2),
                         enabled=np.array(enabled))


MEASURED = NativeState(position=np.array([0.7, -0.6, 1.5]),
                       names=('pan_joint', 'elbow_joint', 'knee_joint'))


def sent(payload: bytes) -> list[float]:
    return list(vm.deserialize(payload, 'std_msgs/msg/Float64MultiArray').data)


# ----- state -----------------------------------------------------------------------------------

def test_a_joint_state_gives_its_values_and_names_in_message_order(tmp_path):
    codec = codec_for(tmp_path)
    raw = vm.joint_state(['knee_joint', 'x', 'elbow_joint'], np.array([0.25, 3.0, -1.5]),
                         stamp_ns=12_000_000_345)
    state = codec.decode_state(raw)
    assert state.names == ('knee_joint', 'x', 'elbow_joint')
    assert state.position.tolist() == [0.25, 3.0, -1.5]
    assert state.velocity.tolist() == [0.125, 1.5, -0.75]
    assert state.effort.tolist() == [-0.25, -3.0, 1.5]
    assert int(state.stamp_ns) == 12_000_000_345


def test_empty_velocity_and_effort_arrays_are_nan(tmp_path):
    state = codec_for(tmp_path).decode_state(joint_state(['a', 'b'], [1.0, 2.0]))
    assert state.position.tolist() == [1.0, 2.0]
    assert np.isnan(state.velocity).all() and state.velocity.shape == (2,)
    assert np.isnan(state.effort).all()


@pytest.mark.parametrize(('names', 'position'), [(['a', 'b', 'c'], [1.0, 2.0]),
                                                 (['a'], [1.0, 2.0]), (['a', 'b'], [])])
def test_a_joint_state_without_one_position_per_name_is_refused(tmp_path, names, position):
    with pytest.raises(MappingError, match=rf'^sensor_msgs/msg/JointState: position must have '
                                           rf'one value per name \({len(names)} names\)$'):
        codec_for(tmp_path).decode_state(joint_state(names, position))


def test_a_batch_keeps_one_name_list_and_stacks_the_values(tmp_path):
    codec = codec_for(tmp_path)
    raws = [joint_state(['a', 'b'], [0.1 * i, 1.0], stamp_ns=i) for i in range(3)]
    batch = codec.decode_states(raws)
    assert batch.names == ('a', 'b') and batch.position.shape == (3, 2)
    assert batch.position[:, 0].tolist() == [0.0, 0.1, 0.2]
    assert batch.stamp_ns.tolist() == [0, 1, 2]


def test_a_batch_whose_names_change_is_refused(tmp_path):
    with pytest.raises(MappingError, match=r'^sensor_msgs/msg/JointState: joint names or array '
                                           r'lengths change within the batch$'):
        codec_for(tmp_path).decode_states([joint_state(['a'], [1.0]),
                                           joint_state(['b'], [1.0])])


def test_a_truncated_joint_state_is_refused(tmp_path):
    raw = joint_state(['a', 'b'], [1.0, 2.0])
    with pytest.raises(MappingError, match='^sensor_msgs/msg/JointState: message'):
        codec_for(tmp_path).decode_state(raw[:30])


# ----- commands ------------------------------------------------------------------------------

def test_a_position_command_follows_the_controller_order_and_holds_the_extra(tmp_path):
    codec = codec_for(tmp_path)
    payload = codec.encode_command(command(), np.array([2, 1]), MEASURED)
    assert sent(payload) == [1.0, 0.7, 0.2]  # elbow, pan (measured), knee


def test_a_position_command_without_a_measured_extra_is_never_encoded(tmp_path):
    codec = codec_for(tmp_path)
    state = NativeState(position=np.array([-0.6, 1.5]), names=('elbow_joint', 'knee_joint'))
    with pytest.raises(MappingError, match=r'^std_msgs/msg/Float64MultiArray: refusing to '
                                           r'encode a non-finite data \(\[nan\] at \[1\]\)$'):
        codec.encode_command(command(), np.array([1, 0]), state)


def test_a_velocity_command_sends_velocities_and_zero_where_a_joint_is_not_driven(tmp_path):
    codec = codec_for(tmp_path, 'velocity')
    payload = codec.encode_command(command(enabled=(True, False)), np.array([2, 1]), MEASURED)
    assert sent(payload) == [0.0, 0.0, -0.5]  # elbow not enabled, pan an extra, knee


def test_an_effort_command_sends_efforts(tmp_path):
    codec = codec_for(tmp_path, 'effort')
    assert sent(codec.encode_command(command(), np.array([2, 1]), MEASURED)) == [-4.0, 0.0, 2.0]


def test_a_non_finite_target_of_a_driven_joint_is_never_encoded(tmp_path):
    with pytest.raises(MappingError, match=r'refusing to encode a non-finite data \(\[inf\] at '
                                           r'\[2\]\)'):
        codec_for(tmp_path).encode_command(command(position=(np.inf, 1.0)), np.array([2, 1]),
                                           MEASURED)


@pytest.mark.parametrize('interface', ['position', 'velocity', 'effort'])
def test_a_command_decodes_to_its_interface_field_and_nan_for_the_rest(tmp_path, interface):
    codec = codec_for(tmp_path, interface)
    decoded = codec.decode_commands([vm.float64_multi_array([1.0, 2.0, 3.0]),
                                     vm.float64_multi_array([4.0, 5.0, 6.0])])
    assert decoded.names == tuple(CONTROLLER)
    assert decoded.enabled.tolist() == [[True] * 3] * 2
    for name in FIELDS:
        values = getattr(decoded, name)
        if name == interface:
            assert values.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
        else:
            assert np.isnan(values).all(), name


def test_an_encoded_command_decodes_to_the_values_sent(tmp_path):
    codec = codec_for(tmp_path)
    decoded = codec.decode_commands([codec.encode_command(command(), np.array([2, 1]),
                                                          MEASURED)])
    assert decoded.position.tolist() == [[1.0, 0.7, 0.2]]


@pytest.mark.parametrize('count', [0, 2, 4])
def test_a_command_with_another_number_of_values_is_refused(tmp_path, count):
    with pytest.raises(MappingError, match=rf'^std_msgs/msg/Float64MultiArray: {count} values '
                                           r'per command, the controller has 3 joints$'):
        codec_for(tmp_path).decode_commands([vm.float64_multi_array(np.zeros(count))])


# ----- options -------------------------------------------------------------------------------

def test_a_controller_joint_the_profile_does_not_name_is_a_problem():
    problems = check_options({'controller_joints': ['knee_joint', 'wheel']},
                             {'knee_joint', 'elbow_joint'})
    assert problems == [('ros2_control.controller_joints[1]', 'wheel',
                         'the native name of a mapped joint, extra or gripper')]


def test_a_profile_with_an_unknown_controller_joint_does_not_load(tmp_path):
    path = tmp_path / 'tiny.yaml'
    path.write_text(yaml.safe_dump(profile_yaml(controller=['knee_joint', 'wheel'])))
    with pytest.raises(ProfileError, match=r"ros2_control.controller_joints\[1\]: got 'wheel', "
                                           'expected the native name of a mapped joint'):
        load_profile(path)
