"""Message definitions stored in bags: rosbag2 text with nested types, and RIHS01 hashes."""

from __future__ import annotations

from pathlib import Path

import pytest
from bag_writing import store
from rosbags.interfaces import MessageDefinition, MessageDefinitionFormat

from interop_bridge.export.typestore import MSG_SEPARATOR, types_from_stored
from interop_bridge.recording.definitions import DefinitionError, DefinitionLibrary


def write_package(prefix: Path, package: str, messages: dict[str, str]) -> None:
    directory = prefix / 'share' / package / 'msg'
    directory.mkdir(parents=True)
    for name, text in messages.items():
        (directory / f'{name}.msg').write_text(text)


def test_a_definition_holds_the_type_then_each_nested_type_with_comments(tmp_path):
    write_package(tmp_path, 'std_msgs', {'Header': '# the header\nbuiltin_interfaces/Time stamp\n'
                                                   'string frame_id\n'})
    definition = DefinitionLibrary([tmp_path]).definition('sensor_msgs/msg/JointState')
    sections = definition.text.split(MSG_SEPARATOR)
    assert sections[0].startswith('std_msgs/Header header\nstring[] name')
    assert sections[1] == ('MSG: std_msgs/Header\n# the header\nbuiltin_interfaces/Time stamp\n'
                           'string frame_id\n')
    assert sections[2].startswith('MSG: builtin_interfaces/Time\nint32 sec')
    assert definition.rihs01 == store().hash_rihs01('sensor_msgs/msg/JointState')


def test_interop_types_are_read_from_their_installed_msg_files():
    definition = DefinitionLibrary().definition('interop_msgs/msg/WholeBodyState')
    assert '# ' in definition.text  # comments of the .msg file are kept
    assert 'MSG: geometry_msgs/WrenchStamped' in definition.text
    assert definition.rihs01 == store().hash_rihs01('interop_msgs/msg/WholeBodyState')
    parsed = types_from_stored('interop_msgs/msg/WholeBodyState',
                               MessageDefinition(MessageDefinitionFormat.MSG, definition.text))
    assert 'sensor_msgs/msg/Imu' in parsed


def test_a_vendor_package_on_the_prefix_path_is_stored_with_its_own_nested_types(tmp_path):
    write_package(tmp_path, 'acme_msgs', {'Motor': 'float32 q\n', 'LowState':
                                          'std_msgs/Header header\nMotor[35] motors\n'})
    definition = DefinitionLibrary([tmp_path]).definition('acme_msgs/msg/LowState')
    assert 'MSG: acme_msgs/Motor\nfloat32 q' in definition.text
    assert 'MSG: std_msgs/Header' in definition.text
    assert definition.rihs01.startswith('RIHS01_')


def test_a_type_found_nowhere_is_refused_with_where_it_was_searched(tmp_path):
    write_package(tmp_path, 'acme_msgs', {'Arm': 'Hand hand\n'})
    library = DefinitionLibrary([tmp_path])
    with pytest.raises(DefinitionError, match=r"no definition for 'acme_msgs/msg/Hand' \(needed "
                                              r"by acme_msgs/msg/Arm\): share/acme_msgs/msg/"
                                              r'Hand.msg is on no prefix'):
        library.definition('acme_msgs/msg/Arm')
    with pytest.raises(DefinitionError, match=r"type name 'Arm': expected \"pkg/msg/Name\""):
        library.definition('Arm')


def test_an_unparsable_msg_file_is_refused_with_its_path(tmp_path):
    write_package(tmp_path, 'acme_msgs', {'Bad': 'float64[ x\n'})
    with pytest.raises(DefinitionError, match=r'Bad.msg: cannot be parsed'):
        DefinitionLibrary([tmp_path]).definition('acme_msgs/msg/Bad')
