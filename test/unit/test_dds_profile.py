"""`interop dds-profile` writes a Fast DDS XML profile: UDPv4 only on the interface facing the
robot, the robot as an initial peer (element names of the Fast DDS XML profiles reference;
test/vendor_dds loads it into a real bridge and checks Fast DDS reports no XML error)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from interop_bridge.cli import main
from interop_bridge.dds_names import dds_topic, dds_type
from interop_bridge.dds_profile import fastdds_profile_xml, robot_link

NS = {'f': 'http://www.eprosima.com/XMLSchemas/fastRTPS_Profiles'}
# Every element the profile may use, as the Fast DDS XML reference names them.
FAST_DDS_ELEMENTS = {'dds', 'profiles', 'transport_descriptors', 'transport_descriptor',
                     'transport_id', 'type', 'interfaceWhiteList', 'address', 'interface',
                     'participant', 'rtps', 'userTransports', 'useBuiltinTransports', 'builtin',
                     'initialPeersList', 'locator', 'udpv4'}


def parse(text: str) -> ET.Element:
    root = ET.fromstring(text)
    assert root.tag == 'dds'
    return root


def local_names(root: ET.Element) -> set[str]:
    return {element.tag.split('}')[-1] for element in root.iter()}


def test_the_profile_allows_udp_on_the_robot_interface_only_and_names_the_robot_as_peer(
        tmp_path):
    out = tmp_path / 'robot_link.xml'
    assert main(['dds-profile', '--interface', '192.168.123.99', '--peer', '192.168.123.161',
                 '--peer', '192.168.123.164', '--out', str(out)]) == 0
    root = parse(out.read_text())
    assert local_names(root) <= FAST_DDS_ELEMENTS
    descriptors = {d.findtext('f:transport_id', namespaces=NS): d
                   for d in root.iterfind('f:profiles/f:transport_descriptors/'
                                          'f:transport_descriptor', NS)}
    (udp,) = [d for d in descriptors.values() if d.findtext('f:type', namespaces=NS) == 'UDPv4']
    assert [e.text for e in udp.iterfind('f:interfaceWhiteList/f:address', NS)] == [
        '192.168.123.99']
    (participant,) = root.iterfind('f:profiles/f:participant', NS)
    assert participant.get('is_default_profile') == 'true'
    rtps = participant.find('f:rtps', NS)
    assert rtps.findtext('f:useBuiltinTransports', namespaces=NS) == 'false'
    used = [e.text for e in rtps.iterfind('f:userTransports/f:transport_id', NS)]
    assert set(used) == set(descriptors)  # every transport used is declared, and only those
    assert {descriptors[i].findtext('f:type', namespaces=NS) for i in used} == {'UDPv4', 'SHM'}
    peers = [e.text for e in rtps.iterfind(
        'f:builtin/f:initialPeersList/f:locator/f:udpv4/f:address', NS)]
    assert peers == ['192.168.123.161', '192.168.123.164']


def test_an_interface_name_goes_into_the_whitelist_by_name_and_shm_can_be_left_out():
    root = parse(fastdds_profile_xml(robot_link('enp3s0', ['10.0.0.2'], shared_memory=False)))
    whitelist = root.find('.//f:interfaceWhiteList', NS)
    assert [(e.tag.split('}')[-1], e.text) for e in whitelist] == [('interface', 'enp3s0')]
    assert [e.findtext('f:type', namespaces=NS)
            for e in root.iterfind('.//f:transport_descriptor', NS)] == ['UDPv4']


def test_the_profile_says_how_to_use_it(capsys):
    assert main(['dds-profile', '--interface', 'eth0', '--peer', '10.0.0.2']) == 0
    text = capsys.readouterr().out
    for setting in ('RMW_IMPLEMENTATION=rmw_fastrtps_cpp',
                    'ROS_AUTOMATIC_DISCOVERY_RANGE=SYSTEM_DEFAULT',
                    'FASTRTPS_DEFAULT_PROFILES_FILE', 'FASTDDS_DEFAULT_PROFILES_FILE',
                    'ROS_DOMAIN_ID', 'docs/deploy.md'):
        assert setting in text
    parse(text)


@pytest.mark.parametrize('argv, message', [
    (['--interface', 'eth 0', '--peer', '10.0.0.2'], "--interface: got 'eth 0'"),
    (['--interface', 'eth0'], '--peer: got [], expected the IPv4 address of the robot'),
    (['--interface', 'eth0', '--peer', 'robot.local'], "--peer: got 'robot.local', expected "
     'an IPv4 address'),
])
def test_a_bad_interface_or_peer_is_one_error_line(argv, message, capsys):
    assert main(['dds-profile', *argv]) == 1
    assert message in capsys.readouterr().err


def test_ros_names_as_the_vendor_dds_stack_sees_them():
    assert dds_topic('/lowstate') == 'rt/lowstate'
    assert dds_topic('/g1/lowcmd') == 'rt/g1/lowcmd'
    assert dds_type('unitree_hg/msg/LowState') == 'unitree_hg::msg::dds_::LowState_'
    assert dds_type('booster_interface/msg/LowCmd') == 'booster_interface::msg::dds_::LowCmd_'
