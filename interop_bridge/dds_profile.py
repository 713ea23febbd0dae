"""The Fast DDS XML profile of a bridge beside a real robot (pure: no rclpy, no DDS).

The profile (docs/deploy.md) is the default participant profile of every ROS 2 process that
loads it (FASTRTPS_DEFAULT_PROFILES_FILE / FASTDDS_DEFAULT_PROFILES_FILE, rmw_fastrtps_cpp,
ROS_AUTOMATIC_DISCOVERY_RANGE=SYSTEM_DEFAULT so the RMW leaves the transports as given):
- UDPv4 only on the interface facing the robot (`interfaceWhiteList`, by address or by name),
  so discovery and data never go out on another network;
- the robot as an initial peer (`initialPeersList`), so discovery does not depend on
  multicast reaching it;
- shared memory kept for nodes on the same computer (the builtin transports are replaced, so
  it is declared again).
Element names follow the Fast DDS XML profiles reference (2.x and 3.x).
"""

from __future__ import annotations

import ipaddress
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from interop_bridge.errors import ConfigError, Problem

NAMESPACE = 'http://www.eprosima.com/XMLSchemas/fastRTPS_Profiles'
PROFILE_NAME = 'interop_robot_link'
SOURCE = 'interop dds-profile'
UDP_TRANSPORT_ID = 'robot_udpv4'
SHM_TRANSPORT_ID = 'local_shm'
_INTERFACE_NAME = re.compile(r'[A-Za-z0-9_.:@-]{1,15}')  # Linux IFNAMSIZ - 1


@dataclass(frozen=True)
class RobotLink:
    """The network a bridge reaches its robot on."""

    interface: str  # the interface facing the robot: a name ('eth0') or its IPv4 address
    peers: tuple[str, ...]  # IPv4 addresses of the robot's computers (initial peers)
    shared_memory: bool = True  # keep Fast DDS shared memory for local nodes

    @property
    def interface_is_address(self) -> bool:
        """Whether `interface` is given by its IPv4 address (else by its name)."""
        return _ipv4(self.interface) is not None


def robot_link(interface: str, peers: list[str] | tuple[str, ...],
               shared_memory: bool = True) -> RobotLink:
    """A checked RobotLink.

    Raises:
        ConfigError: Every problem at once (no such interface name shape, a peer that is no
            IPv4 address, no peer).
    """
    problems = []
    if _ipv4(interface) is None and not _INTERFACE_NAME.fullmatch(interface):
        problems.append(Problem(SOURCE, '--interface', interface, 'an interface name (eth0, '
                                'enp3s0) or its IPv4 address'))
    if not peers:
        problems.append(Problem(SOURCE, '--peer', [], 'the IPv4 address of the robot (repeat '
                                '--peer for each of its computers)'))
    problems += [Problem(SOURCE, '--peer', peer, 'an IPv4 address') for peer in peers
                 if _ipv4(peer) is None]
    if problems:
        raise ConfigError(problems)
    return RobotLink(interface, tuple(str(_ipv4(peer)) for peer in peers), shared_memory)


def _ipv4(text: str) -> ipaddress.IPv4Address | None:
    try:
        return ipaddress.IPv4Address(text)
    except ValueError:
        return None


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element


def _transports(profiles: ET.Element, link: RobotLink) -> list[str]:
    descriptors = _sub(profiles, 'transport_descriptors')
    udp = _sub(descriptors, 'transport_descriptor')
    _sub(udp, 'transport_id', UDP_TRANSPORT_ID)
    _sub(udp, 'type', 'UDPv4')
    allowed = _sub(udp, 'interfaceWhiteList')
    _sub(allowed, 'address' if link.interface_is_address else 'interface', link.interface)
    if not link.shared_memory:
        return [UDP_TRANSPORT_ID]
    shm = _sub(descriptors, 'transport_descriptor')
    _sub(shm, 'transport_id', SHM_TRANSPORT_ID)
    _sub(shm, 'type', 'SHM')
    return [UDP_TRANSPORT_ID, SHM_TRANSPORT_ID]


def fastdds_profile(link: RobotLink) -> ET.Element:
    """The <dds> element of the profile."""
    root = ET.Element('dds')
    profiles = _sub(root, 'profiles')
    profiles.set('xmlns', NAMESPACE)
    transport_ids = _transports(profiles, link)
    participant = _sub(profiles, 'participant')
    participant.set('profile_name', PROFILE_NAME)
    participant.set('is_default_profile', 'true')
    rtps = _sub(participant, 'rtps')
    user = _sub(rtps, 'userTransports')
    for transport_id in transport_ids:
        _sub(user, 'transport_id', transport_id)
    _sub(rtps, 'useBuiltinTransports', 'false')
    peers = _sub(_sub(rtps, 'builtin'), 'initialPeersList')
    for peer in link.peers:
        _sub(_sub(_sub(peers, 'locator'), 'udpv4'), 'address', peer)
    return root


def fastdds_profile_xml(link: RobotLink) -> str:
    """The profile as an XML document, with a comment saying how to use it."""
    root = fastdds_profile(link)
    ET.indent(root, space='  ')
    # (an XML comment may not hold '--': the command line is described, not quoted)
    usage = (f' Written by interop dds-profile: UDPv4 on {link.interface} only, initial '
             f'peers {", ".join(link.peers)}. Use with:\n'
             '     export RMW_IMPLEMENTATION=rmw_fastrtps_cpp\n'
             '     export ROS_AUTOMATIC_DISCOVERY_RANGE=SYSTEM_DEFAULT\n'
             '     export FASTRTPS_DEFAULT_PROFILES_FILE=<this file>  (Fast DDS 2.x, Jazzy)\n'
             '     export FASTDDS_DEFAULT_PROFILES_FILE=<this file>  (Fast DDS 3.x)\n'
             '     export ROS_DOMAIN_ID=<the robot\'s domain, 0 on Unitree robots>\n'
             '   (docs/deploy.md) ')
    body = ET.tostring(root, encoding='unicode')
    return f'<?xml version="1.0" encoding="UTF-8" ?>\n<!--{usage}-->\n{body}\n'
