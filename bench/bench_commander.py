"""Benchmark commander: a canonical controller publishing WholeBodyCommand at a paced rate.

    python bench/bench_commander.py --topic /g1/interop/command --rate 1000 --warmup 5 \
        --duration 8 --out command_send.npz

Paced exactly like bench_source.py (same loop, same send-time record). Every command commands
joint 0 (left_hip_pitch) only, at position 0 with the default gains, and carries its tick in
that joint's feed-forward effort: tick * TICK_EFFORT N*m. The bridge checks it (well inside the
G1's effort limit for the ticks of a run) and sends it as `motor_cmd[0].tau` of the LowCmd,
where the sink (bench_sink.py --field motor_cmd.0.tau --scale TICK_EFFORT) reads the tick
back. The command is serialized once; each tick rewrites only that float64. QoS: the
canonical command topic's, reliable depth 1.
"""

from __future__ import annotations

import struct
import sys
from collections.abc import Callable

from bench_source import run_source
from rclpy.serialization import serialize_message

from interop_bridge.cdr import HEADER_SIZE, layout_from_sample
from interop_bridge.msgdefs import fielddefs_for
from interop_msgs.msg import WholeBodyCommand

COMMAND = 'interop_msgs/msg/WholeBodyCommand'
JOINTS = 32
TICK_EFFORT = 0.001  # N*m per tick: 20000 ticks stay below 20 N*m (G1 hip: 88 N*m)


def command_frames(total: int) -> Callable[[int], bytes]:
    """The serialized command of each tick 1..total."""
    if total * TICK_EFFORT > 20.0:
        msg = f'{total} ticks would command more than 20 N*m'
        raise SystemExit(msg)
    message = WholeBodyCommand()
    message.commanded = [True] + [False] * (JOINTS - 1)
    message.position = [0.0] * JOINTS
    message.velocity = [0.0] * JOINTS
    message.effort = [0.0] * JOINTS
    raw = serialize_message(message)
    layout = layout_from_sample(fielddefs_for([COMMAND]), COMMAND, raw)
    buffer = bytearray(raw)
    offset = HEADER_SIZE + layout.leaves['effort'].offset
    pack = struct.Struct('<d').pack_into

    def frame(tick: int) -> bytes:
        pack(buffer, offset, tick * TICK_EFFORT)
        return bytes(buffer)
    return frame


def main(argv: list[str] | None = None) -> int:
    """Publish the paced command stream once, save the send times, exit."""
    return run_source(WholeBodyCommand, command_frames, argv, qos_depth=1)


if __name__ == '__main__':
    sys.exit(main())
