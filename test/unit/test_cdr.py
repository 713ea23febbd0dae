"""Numpy CDR layouts decode and encode exactly what rosbags serializes."""

from __future__ import annotations

import numpy as np
import pytest
from rosbags.typesys import Stores, get_typestore, get_types_from_msg

from interop_bridge.cdr import (
    HEADER, FieldGather, MessageEncoder, layout_for_lengths, layout_from_sample)
from interop_bridge.errors import MappingError

MOTOR = 'uint8 mode\nfloat32 q\nfloat32 dq\nint16[2] temperature\nuint32 motorstate\n'
IMU = 'float32[4] quaternion\nfloat32[3] gyroscope\nint16 temperature\n'
STATE = ('uint32[2] version\nuint8 mode_pr\nuint8 mode_machine\nuint32 tick\n'
         'test_msgs/IMU imu_state\ntest_msgs/Motor[5] motor_state\nuint8[3] remote\n'
         'uint64 stamp\ntest_msgs/Motor[] extra_motors\nstring note\n')


@pytest.fixture(scope='module')
def typestore():
    store = get_typestore(Stores.ROS2_JAZZY)
    types = {}
    types.update(get_types_from_msg(MOTOR, 'test_msgs/msg/Motor'))
    types.update(get_types_from_msg(IMU, 'test_msgs/msg/IMU'))
    types.update(get_types_from_msg(STATE, 'test_msgs/msg/State'))
    store.register(types)
    return store


def make_state(store, extra: int = 2, note: str = 'hi'):
    motor = store.types['test_msgs/msg/Motor']
    motors = [motor(mode=i, q=np.float32(0.5 * i), dq=np.float32(-i),
                    temperature=np.array([i, 2 * i], dtype=np.int16), motorstate=7 * i)
              for i in range(5 + extra)]
    imu = store.types['test_msgs/msg/IMU'](
        quaternion=np.array([1, 0.1, 0.2, 0.3], dtype=np.float32),
        gyroscope=np.array([4, 5, 6], dtype=np.float32), temperature=-3)
    return store.types['test_msgs/msg/State'](
        version=np.array([9, 8], dtype=np.uint32), mode_pr=1, mode_machine=5, tick=123,
        imu_state=imu, motor_state=motors[:5], remote=np.array([1, 2, 3], dtype=np.uint8),
        stamp=2**40 + 3, extra_motors=motors[5:], note=note)


def test_a_nested_vendor_like_message_decodes_to_the_serialized_values(typestore):
    raw = typestore.serialize_cdr(make_state(typestore), 'test_msgs/msg/State')
    layout = layout_from_sample(typestore.fielddefs, 'test_msgs/msg/State', raw)
    values = FieldGather(layout, {
        'tick': 'tick', 'mode_machine': 'mode_machine', 'quaternion': 'imu_state.quaternion',
        'q': 'motor_state.*.q', 'temperature': 'motor_state.*.temperature',
        'extra': 'extra_motors.*.motorstate', 'stamp': 'stamp'}).one(raw)
    assert values['tick'].tolist() == [123] and values['mode_machine'].tolist() == [5]
    np.testing.assert_array_equal(values['quaternion'], np.float32([1, 0.1, 0.2, 0.3]))
    np.testing.assert_array_equal(values['q'], [0, 0.5, 1.0, 1.5, 2.0])
    assert values['temperature'].tolist() == [0, 0, 1, 2, 2, 4, 3, 6, 4, 8]
    assert values['extra'].tolist() == [35, 42]
    assert values['stamp'].tolist() == [2**40 + 3]
    assert layout.string(raw, 'note') == 'hi'


def test_many_messages_of_one_layout_decode_in_one_gather(typestore):
    raws = [typestore.serialize_cdr(make_state(typestore), 'test_msgs/msg/State')] * 4
    layout = layout_from_sample(typestore.fielddefs, 'test_msgs/msg/State', raws[0])
    values = FieldGather(layout, {'q': 'motor_state.*.q'}).many(raws)
    assert values['q'].shape == (4, 5)
    np.testing.assert_array_equal(values['q'][2], [0, 0.5, 1.0, 1.5, 2.0])


def test_a_layout_matches_messages_of_the_same_shape_only(typestore):
    raw = typestore.serialize_cdr(make_state(typestore), 'test_msgs/msg/State')
    layout = layout_from_sample(typestore.fielddefs, 'test_msgs/msg/State', raw)
    same_shape = typestore.serialize_cdr(make_state(typestore), 'test_msgs/msg/State')
    other_note = typestore.serialize_cdr(make_state(typestore, note='ho'), 'test_msgs/msg/State')
    more_motors = typestore.serialize_cdr(make_state(typestore, extra=3), 'test_msgs/msg/State')
    assert layout.matches(same_shape)
    assert not layout.matches(other_note)
    assert not layout.matches(more_motors)


def test_joint_state_positions_are_a_view_at_fixed_offsets():
    store = get_typestore(Stores.ROS2_JAZZY)
    types = store.types
    message = types['sensor_msgs/msg/JointState'](
        header=types['std_msgs/msg/Header'](
            stamp=types['builtin_interfaces/msg/Time'](sec=4, nanosec=5), frame_id='base_link'),
        name=['knee', 'hip'], position=np.array([0.1, 0.2]), velocity=np.array([0.3, 0.4]),
        effort=np.array([], dtype=np.float64))
    raw = store.serialize_cdr(message, 'sensor_msgs/msg/JointState')
    layout = layout_from_sample(store.fielddefs, 'sensor_msgs/msg/JointState', raw)
    values = FieldGather(layout, {'sec': 'header.stamp.sec', 'velocity': 'velocity'}).one(raw)
    assert values['sec'].tolist() == [4]
    assert [layout.string(raw, 'name.0'), layout.string(raw, 'name.1')] == ['knee', 'hip']
    np.testing.assert_array_equal(values['velocity'], [0.3, 0.4])
    assert layout.leaves['effort'].count == 0  # empty sequence: only its length prefix


def test_a_star_selects_named_fields_in_definition_order():
    store = get_typestore(Stores.ROS2_JAZZY)
    imu = store.types['sensor_msgs/msg/Imu']
    types = store.types
    message = imu(header=types['std_msgs/msg/Header'](
        stamp=types['builtin_interfaces/msg/Time'](sec=1, nanosec=2), frame_id='imu_link'),
        orientation=types['geometry_msgs/msg/Quaternion'](x=0.1, y=0.2, z=0.3, w=0.9),
        orientation_covariance=np.zeros(9),
        angular_velocity=types['geometry_msgs/msg/Vector3'](x=1.0, y=2.0, z=3.0),
        angular_velocity_covariance=np.zeros(9),
        linear_acceleration=types['geometry_msgs/msg/Vector3'](x=0.0, y=0.0, z=9.8),
        linear_acceleration_covariance=np.zeros(9))
    raw = store.serialize_cdr(message, 'sensor_msgs/msg/Imu')
    layout = layout_from_sample(store.fielddefs, 'sensor_msgs/msg/Imu', raw)
    values = FieldGather(layout, {'q': 'orientation.*', 'w': 'angular_velocity.*'}).one(raw)
    assert values['q'].tolist() == [0.1, 0.2, 0.3, 0.9]
    assert values['w'].tolist() == [1.0, 2.0, 3.0]


def test_an_encoded_record_deserializes_with_rosbags(typestore):
    layout = layout_for_lengths(typestore.fielddefs, 'test_msgs/msg/State',
                                {'extra_motors': 3})
    encoder = MessageEncoder(layout, {'tick': 'tick', 'q': 'motor_state.*.q',
                                      'mode': 'extra_motors.*.mode'})
    buffer = encoder.new_buffer()
    encoder.write(buffer, 'tick', 77)
    encoder.write(buffer, 'q', np.arange(5))
    encoder.write(buffer, 'mode', [1, 2, 3])
    assert encoder.read(buffer, 'q').tolist() == [0, 1, 2, 3, 4]
    raw = encoder.serialize(buffer)
    assert raw.startswith(HEADER)
    message = typestore.deserialize_cdr(raw, 'test_msgs/msg/State')
    assert message.tick == 77 and message.note == ''
    assert [motor.q for motor in message.motor_state] == [0, 1, 2, 3, 4]
    assert [motor.mode for motor in message.extra_motors] == [1, 2, 3]


def test_a_truncated_message_is_a_mapping_error(typestore):
    raw = typestore.serialize_cdr(make_state(typestore), 'test_msgs/msg/State')
    with pytest.raises(MappingError,
                       match="test_msgs/msg/State: message too short at 'extra_motors'"):
        layout_from_sample(typestore.fielddefs, 'test_msgs/msg/State', raw[:24])


def test_a_sequence_length_no_message_could_hold_is_refused_at_once(typestore):
    # extra_motors' length prefix (2) read from the wrong bytes (another type, another
    # firmware generation) can say a billion elements: refused before any is walked.
    raw = bytearray(typestore.serialize_cdr(make_state(typestore), 'test_msgs/msg/State'))
    layout = layout_from_sample(typestore.fielddefs, 'test_msgs/msg/State', bytes(raw))
    offset = next(offset for offset, value in layout.guards
                  if value == (2).to_bytes(4, 'little'))
    raw[4 + offset:8 + offset] = (1_000_000_000).to_bytes(4, 'little')
    with pytest.raises(MappingError, match='1000000000 elements'):
        layout_from_sample(typestore.fielddefs, 'test_msgs/msg/State', bytes(raw))


def test_selecting_a_field_that_does_not_exist_is_a_mapping_error(typestore):
    layout = layout_for_lengths(typestore.fielddefs, 'test_msgs/msg/State')
    with pytest.raises(MappingError, match="test_msgs/msg/State has no field 'motor_state.*.tau'"):
        layout.offsets('motor_state.*.tau')


def test_an_unknown_nested_type_is_a_mapping_error():
    store = get_typestore(Stores.ROS2_JAZZY)
    store.register(get_types_from_msg('other_msgs/Missing thing\n', 'x_msgs/msg/Bad'))
    definitions = {'x_msgs/msg/Bad': store.fielddefs['x_msgs/msg/Bad']}
    with pytest.raises(MappingError,
                       match="no definition for message type 'other_msgs/msg/Missing'"):
        layout_for_lengths(definitions, 'x_msgs/msg/Bad')
