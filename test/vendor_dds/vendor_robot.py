"""A robot's own DDS side, as a Unitree G1 or a Booster T1 speaks it: CycloneDDS, no ROS.

    python test/vendor_dds/vendor_robot.py --robot g1 --commands OUT.jsonl [--rate 200]

Publishes the robot's state with known values (vendor_state.py) on its DDS topic (G1:
`rt/lowstate`, unitree_hg::msg::dds_::LowState_ with the LowState CRC; T1: `rt/low_state`) and
writes every command it reads (`rt/lowcmd` / `rt/joint_ctrl`) as one JSON line, with the
monotonic time it arrived. The network settings come from CYCLONEDDS_URI and ROS_DOMAIN_ID,
as on a robot. Prints 'vendor_robot: ready' once its reader and writer exist; ends on SIGINT
or SIGTERM.
"""

import argparse
import dataclasses
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

from cyclonedds.core import Policy, Qos
from cyclonedds.domain import DomainParticipant
from cyclonedds.pub import DataWriter
from cyclonedds.sub import DataReader
from cyclonedds.topic import Topic
from cyclonedds.util import duration

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # test/
from vendor_dds import vendor_state  # noqa: E402
from vendor_dds import vendor_types as types  # noqa: E402

ROBOTS = {  # DDS topics as the vendors' SDKs name them, and the types on them
    'g1': ('rt/lowstate', types.LowState_, 'rt/lowcmd', types.LowCmd_),
    't1': ('rt/low_state', types.BoosterLowState, 'rt/joint_ctrl', types.BoosterLowCmd),
}
QOS = Qos(Policy.Reliability.Reliable(duration(milliseconds=100)),
          Policy.History.KeepLast(50), Policy.DataRepresentation(use_cdrv0_representation=True))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--robot', choices=sorted(ROBOTS), required=True)
    parser.add_argument('--commands', type=Path, required=True)
    parser.add_argument('--rate', type=float, default=200.0)
    args = parser.parse_args()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    state_topic, state_type, command_topic, command_type = ROBOTS[args.robot]
    participant = DomainParticipant(int(os.environ.get('ROS_DOMAIN_ID', '0')))
    writer = DataWriter(participant, Topic(participant, state_topic, state_type), qos=QOS)
    reader = DataReader(participant, Topic(participant, command_topic, command_type), qos=QOS)
    print('vendor_robot: ready', flush=True)
    sent = 0
    with args.commands.open('w') as out:
        while not stop.is_set():
            writer.write(vendor_state.state(args.robot, sent))
            sent += 1
            for sample in reader.take(N=100):
                record = dataclasses.asdict(sample)
                record['received_s'] = time.monotonic()
                out.write(json.dumps(record) + '\n')
            out.flush()
            stop.wait(1.0 / args.rate)
    print(f'vendor_robot: {sent} states sent', flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
