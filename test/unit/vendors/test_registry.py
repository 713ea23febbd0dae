"""The adapter registry: one entry per adapter, naming the vendor message types of the
reference research (docs: vendor interfaces §1.2, §2.2, ros2_control), and the codec built for
every shipped profile matches its entry.
"""

from __future__ import annotations

import pytest
import vendor_messages as vm

from interop_bridge.errors import UnknownNameError
from interop_bridge.profile import load_profile, shipped_profiles
from interop_bridge.vendors import booster, ros2_control, unitree
from interop_bridge.vendors.registry import (
    ADAPTERS, adapter_named, make_codec, message_types, sections)

# (state type, command type) of each adapter, from the vendors' interface definitions.
VENDOR_TYPES = {
    'unitree_hg': ('unitree_hg/msg/LowState', 'unitree_hg/msg/LowCmd'),
    'unitree_go': ('unitree_go/msg/LowState', 'unitree_go/msg/LowCmd'),
    'booster': ('booster_interface/msg/LowState', 'booster_interface/msg/LowCmd'),
    'ros2_control': ('sensor_msgs/msg/JointState', 'std_msgs/msg/Float64MultiArray'),
}


def test_the_registry_holds_one_entry_per_adapter_with_the_vendor_message_types():
    assert sorted(ADAPTERS) == sorted(VENDOR_TYPES)
    for name, adapter in ADAPTERS.items():
        assert adapter.name == name
        assert (adapter.state_type, adapter.command_type) == VENDOR_TYPES[name]


def test_only_ros2_control_addresses_joints_by_name_and_stamps_its_states():
    assert [name for name, a in ADAPTERS.items() if a.by_name] == ['ros2_control']
    assert [name for name, a in ADAPTERS.items() if a.state_has_stamp] == ['ros2_control']


def test_each_adapter_gives_the_imu_orientations_its_state_message_can_carry():
    assert ADAPTERS['unitree_hg'].orientations == ('quaternion_wxyz', 'rpy', 'none')
    assert ADAPTERS['booster'].orientations == ('rpy', 'none')  # Booster has no quaternion
    assert ADAPTERS['ros2_control'].orientations == ('quaternion_xyzw', 'none')


def test_an_unknown_adapter_is_refused_naming_the_known_ones():
    with pytest.raises(UnknownNameError, match=r"^adapter 'fourier' is not known; adapters: "
                                               r"\['booster', 'ros2_control', 'unitree_go', "
                                               r"'unitree_hg'\]$"):
        adapter_named('fourier')


def test_sections_map_each_profile_section_to_its_adapter_option_keys():
    assert sections() == {'unitree': unitree.OPTION_KEYS, 'booster': booster.OPTION_KEYS,
                          'ros2_control': ros2_control.OPTION_KEYS}


def test_slot_counts_come_from_the_adapter_option_and_none_when_addressed_by_name():
    assert ADAPTERS['unitree_hg'].slot_count({'motor_slots': 35}) == 35
    assert ADAPTERS['booster'].slot_count({'motor_count': 23}) == 23
    assert ADAPTERS['booster'].slot_count({}) is None
    assert ADAPTERS['booster'].slot_count({'motor_count': 'many'}) is None
    assert ADAPTERS['ros2_control'].slot_count({'controller_joints': ['a']}) is None


@pytest.mark.parametrize('name', shipped_profiles())
def test_the_codec_of_every_shipped_profile_reads_and_writes_its_adapter_types(name):
    profile = load_profile(name)
    codec = make_codec(profile, vm.typestore().fielddefs)
    assert (codec.state_type, codec.command_type) == VENDOR_TYPES[profile.adapter]
    assert message_types(profile)[:2] == VENDOR_TYPES[profile.adapter]


def test_message_types_add_the_standard_sensor_topics_a_profile_names():
    assert message_types(load_profile('pal_talos')) == (
        'sensor_msgs/msg/JointState', 'std_msgs/msg/Float64MultiArray', 'sensor_msgs/msg/Imu',
        'geometry_msgs/msg/WrenchStamped')
    assert message_types(load_profile('unitree_g1_29dof')) == (
        'unitree_hg/msg/LowState', 'unitree_hg/msg/LowCmd')
