"""Benchmark source: a simulated G1 publishing serialized unitree_hg LowState at a paced rate.

    python bench/bench_source.py --topic /lowstate --rate 1000 --warmup 2 --duration 30 \
        --out send.npz

Waits for a subscriber, then publishes ticks 1..N (N = rate * (warmup + duration)) against
wall-clock deadlines (sleep until the next deadline; after a stall of more than
`RESET_PERIODS` periods the schedule restarts instead of bursting to catch up). The tick of
every message is written into one pre-serialized LowState, with the CRC the robot would put on
it (computed for every tick before publishing, ~10 us each: the bridge drops a state whose CRC
is stale); the monotonic time just before each publish is kept and saved with numpy at the
end. Prints `source: measuring` when the warm-up ticks are out and `source: done` after the
last one (the runner reads the relay's CPU time at those two lines), then `source: saved`, and
waits for SIGINT/SIGTERM like the other processes.
"""

from __future__ import annotations

import argparse
import gc
import struct
import sys
import time
from collections.abc import Callable

import numpy as np
import rclpy
from rclpy.node import Node
from rclpy.qos import QoSProfile
from rclpy.serialization import serialize_message
from unitree_hg.msg import LowState

from interop_bridge.cdr import HEADER_SIZE, layout_from_sample
from interop_bridge.msgdefs import fielddefs_for
from interop_bridge.vendors.unitree_state_crc import LowStateCrc

LOWSTATE = 'unitree_hg/msg/LowState'
RESET_PERIODS = 5
SUBSCRIBER_TIMEOUT_S = 30.0
SETTLE_S = 0.5


def sample_lowstate() -> tuple[bytearray, int, int]:
    """A G1-like LowState (35 motors, upright IMU) serialized once; its tick and CRC offsets."""
    message = LowState()
    message.mode_machine = 5
    for slot, motor in enumerate(message.motor_state):
        motor.mode = 1
        motor.q, motor.dq, motor.tau_est = 0.01 * slot - 0.1, 0.001 * slot, -0.02 * slot
        motor.temperature = np.array([30 + slot % 10, 32 + slot % 10], dtype=np.int16)
    message.imu_state.quaternion = np.array([1.0, 0.0, 0.0, 0.0], dtype=np.float32)
    message.imu_state.accelerometer = np.array([0.0, 0.0, 9.81], dtype=np.float32)
    raw = serialize_message(message)
    layout = layout_from_sample(fielddefs_for([LOWSTATE]), LOWSTATE, raw)
    return (bytearray(raw), HEADER_SIZE + layout.leaves['tick'].offset,
            HEADER_SIZE + layout.leaves['crc'].offset)


def tick_crcs(buffer: bytearray, tick_offset: int, total: int) -> list[int]:
    """The CRC of the LowState in `buffer` with each tick 1..total."""
    crc = LowStateCrc(fielddefs_for([LOWSTATE]), LOWSTATE)
    message = bytearray(buffer)
    payload = np.frombuffer(message, dtype=np.uint8)[HEADER_SIZE:]  # a view: sees each tick
    pack_tick = struct.Struct('<I').pack_into
    crcs = []
    for tick in range(1, total + 1):
        pack_tick(message, tick_offset, tick)
        crcs.append(crc.of_payload(payload))
    return crcs


def wait_for_subscriber(node: Node, publisher: object) -> None:
    """Block until something subscribes, then let the reliable handshake settle."""
    deadline = time.monotonic() + SUBSCRIBER_TIMEOUT_S
    while publisher.get_subscription_count() < 1:
        if not node.context.ok():
            raise SystemExit(1)
        if time.monotonic() > deadline:
            print(f'source: nobody subscribed to {publisher.topic_name} within '
                  f'{SUBSCRIBER_TIMEOUT_S:.0f} s', flush=True)
            raise SystemExit(2)
        time.sleep(0.02)
    time.sleep(SETTLE_S)


def lowstate_frames(total: int) -> Callable[[int], bytes]:
    """The serialized LowState of each tick 1..total (tick and CRC written in)."""
    buffer, tick_offset, crc_offset = sample_lowstate()
    crcs = tick_crcs(buffer, tick_offset, total)
    pack_word = struct.Struct('<I').pack_into

    def frame(tick: int) -> bytes:
        pack_word(buffer, tick_offset, tick)
        pack_word(buffer, crc_offset, crcs[tick - 1])
        return bytes(buffer)
    return frame


def publish_paced(node: Node, publisher: object, rate: float, total: int, warmup: int,
                  frame: Callable[[int], bytes]) -> tuple[np.ndarray, np.ndarray, int]:
    """Publish frame(1)..frame(total); returns send times, lateness against the schedule,
    resets. Prints `source: measuring` after the warm-up ticks and `source: done` at the end."""
    send_ns = np.zeros(total, dtype=np.int64)
    late_ns = np.zeros(total, dtype=np.int64)
    period_ns = int(round(1e9 / rate))
    context = node.context
    resets, sent = 0, 0
    if warmup == 0:
        print('source: measuring', flush=True)
    next_ns = time.monotonic_ns()
    for index in range(total):
        wait_ns = next_ns - time.monotonic_ns()
        if wait_ns > 0:
            time.sleep(wait_ns * 1e-9)
        elif -wait_ns > RESET_PERIODS * period_ns:
            next_ns = time.monotonic_ns()
            resets += 1
        data = frame(index + 1)
        now_ns = time.monotonic_ns()
        send_ns[index], late_ns[index] = now_ns, now_ns - next_ns
        publisher.publish(data)
        sent = index + 1
        next_ns += period_ns
        if sent == warmup:
            print('source: measuring', flush=True)
        if not context.ok():
            break
    print('source: done', flush=True)
    return send_ns[:sent], late_ns[:sent], resets


def run_source(message_type: type, frames: Callable[[int], Callable[[int], bytes]],
               argv: list[str] | None, qos_depth: int = 10) -> int:
    """Publish the paced stream once, save the send times, wait for SIGINT/SIGTERM."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    warmup = int(round(args.rate * args.warmup))
    total = warmup + int(round(args.rate * args.duration))
    rclpy.init()
    node = Node('bench_source', start_parameter_services=False, enable_rosout=False)
    try:
        publisher = node.create_publisher(message_type, args.topic, QoSProfile(depth=qos_depth))
        wait_for_subscriber(node, publisher)
        frame = frames(total)
        print(f'source: publishing {total} ticks at {args.rate:g} Hz', flush=True)
        gc.collect()
        gc.freeze()
        gc.disable()
        send_ns, late_ns, resets = publish_paced(node, publisher, args.rate, total, warmup,
                                                 frame)
        np.savez(args.out, send_ns=send_ns, late_ns=late_ns, warmup=warmup, resets=resets)
        print('source: saved', flush=True)
        while node.context.ok():  # stay readable in /proc until the runner stops us
            time.sleep(0.05)
    except KeyboardInterrupt:
        return 1
    finally:
        node.destroy_node()
        rclpy.utilities.try_shutdown()
    return 0


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Command-line options of the source."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--topic', default='/lowstate')
    parser.add_argument('--rate', type=float, required=True, help='messages per second')
    parser.add_argument('--warmup', type=float, required=True, help='seconds not measured')
    parser.add_argument('--duration', type=float, required=True, help='measured seconds')
    parser.add_argument('--out', required=True, help='.npz file for the send times')
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Publish the paced LowState stream once, save the send times, exit."""
    return run_source(LowState, lowstate_frames, argv)


if __name__ == '__main__':
    sys.exit(main())
