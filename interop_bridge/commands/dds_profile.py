"""`interop dds-profile`: the Fast DDS XML profile for a bridge beside a real robot."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

DESCRIPTION = '''Write the Fast DDS XML profile of a computer that talks to a robot: UDPv4
only on the interface facing the robot, the robot as an initial peer, shared memory kept
for nodes on this computer (docs/deploy.md).

examples:
  interop dds-profile --interface enp3s0 --peer 192.168.123.161 --out robot_link.xml
  interop dds-profile --interface 192.168.123.99 --peer 192.168.123.161 --peer 192.168.123.164

then, in every shell that starts a node talking to the robot:
  export RMW_IMPLEMENTATION=rmw_fastrtps_cpp
  export ROS_AUTOMATIC_DISCOVERY_RANGE=SYSTEM_DEFAULT
  export FASTRTPS_DEFAULT_PROFILES_FILE=$PWD/robot_link.xml   # Fast DDS 2.x (Jazzy)
  export FASTDDS_DEFAULT_PROFILES_FILE=$PWD/robot_link.xml    # Fast DDS 3.x (Kilted on)
  export ROS_DOMAIN_ID=0                                      # the robot's domain
'''


def run(args: argparse.Namespace) -> int:
    """Print the profile, or write it to --out."""
    from interop_bridge.dds_profile import fastdds_profile_xml, robot_link

    link = robot_link(args.interface, args.peer, shared_memory=not args.no_shared_memory)
    text = fastdds_profile_xml(link)
    if args.out is None:
        print(text, end='')
        return 0
    Path(args.out).write_text(text)
    print(f'wrote {args.out}: UDPv4 on {link.interface} only, initial peers '
          f'{", ".join(link.peers)}; export FASTRTPS_DEFAULT_PROFILES_FILE='
          f'{Path(args.out).resolve()} (docs/deploy.md)')
    return 0


def register(commands: Any) -> None:
    """Add `dds-profile` to the CLI."""
    parser = commands.add_parser(
        'dds-profile', help='write the Fast DDS profile for a bridge beside a real robot',
        description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--interface', required=True, metavar='IFACE|ADDR',
                        help='the network interface facing the robot: its name or its IPv4 '
                        'address')
    parser.add_argument('--peer', action='append', default=[], metavar='ADDR',
                        help="IPv4 address of the robot's computer (repeatable)")
    parser.add_argument('--out', metavar='FILE', help='write the profile here (default: '
                        'print it)')
    parser.add_argument('--no-shared-memory', action='store_true',
                        help='leave out the shared-memory transport (then local nodes talk '
                        'over the interface too)')
    parser.set_defaults(run=run)
