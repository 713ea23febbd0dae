"""The documented deployment settings (docs/deploy.md), on loopback, for both sides.

The bridge side is exactly what docs/deploy.md tells a user: rmw_fastrtps_cpp, discovery range
SYSTEM_DEFAULT and the profile `interop dds-profile` writes for the interface facing the robot
(here 127.0.0.1) with the robot as initial peer (127.0.0.1). The robot side is a CycloneDDS
participant bound to loopback that lists the bridge's host as its peer, as a robot's own
configuration names its network.
"""

from __future__ import annotations

import os
from pathlib import Path

from interop_bridge.cli import main

LOOPBACK = '127.0.0.1'
# Loopback carries no multicast: the robot side discovers by unicast, on the well-known
# per-participant ports (ParticipantIndex) of the peer.
CYCLONE_CONFIG = ('<CycloneDDS><Domain Id="any"><General><Interfaces>'
                  f'<NetworkInterface address="{LOOPBACK}"/></Interfaces></General>'
                  '<Discovery><ParticipantIndex>auto</ParticipantIndex>'
                  f'<Peers><Peer Address="{LOOPBACK}"/></Peers></Discovery>'
                  '</Domain></CycloneDDS>')
PROFILE_VARIABLES = ('FASTRTPS_DEFAULT_PROFILES_FILE', 'FASTDDS_DEFAULT_PROFILES_FILE')


def bridge_env(directory: Path) -> dict[str, str]:
    """The environment of a bridge beside the robot, with the profile written into
    `directory` by `interop dds-profile`."""
    profile = directory / 'robot_link.xml'
    assert main(['dds-profile', '--interface', LOOPBACK, '--peer', LOOPBACK,
                 '--out', str(profile)]) == 0
    env = dict(os.environ, RMW_IMPLEMENTATION='rmw_fastrtps_cpp',
               ROS_AUTOMATIC_DISCOVERY_RANGE='SYSTEM_DEFAULT')
    env['FASTRTPS_DEFAULT_PROFILES_FILE'] = str(profile)  # Fast DDS 2.14 (Jazzy)
    return env


def robot_env() -> dict[str, str]:
    """The environment of the vendor-side robot process (CycloneDDS, the test's domain)."""
    env = {key: value for key, value in os.environ.items() if key not in PROFILE_VARIABLES}
    env['CYCLONEDDS_URI'] = CYCLONE_CONFIG
    return env
