"""A bridge fed 10 s of seeded random bad input over real DDS; nothing unsafe leaves it.

The simulated vendor sends G1 LowStates at 200 Hz: half of them good, the rest with bits
flipped at random offsets, impossible values under a correct CRC, cut short, or random bytes;
every 2 s it goes silent for 0.3 s (stale state). A controller sends canonical commands at
50 Hz: targets far outside the limits, NaN and infinite entries, absurd and negative gains,
arrays of the wrong length, random masks; every 2.5 s it goes silent for 0.3 s (command
timeout). Every LowCmd the bridge sends is checked against the profile's limits (finite, inside
the joint's position, velocity, effort and gain limits, right CRC); the bridge must survive to
stop cleanly on SIGINT. Run with the damping profile and with one that holds on timeout.
"""

from __future__ import annotations

import random
import re
import signal

import numpy as np
import pytest
import vendor_messages as vm
from bridge_probe import N, g1_bridge_fed_with_state, holding_g1_profile, unsafe_targets
from reliability.outcomes import HANDLED, TRACEBACK, Outcome, problems, record
from ros_process import spin_until

from interop_bridge.profile import load_profile

PROFILE = load_profile('unitree_g1_29dof')
SLOTS = 35
DURATION_S = 10.0
STATE_PERIOD_S, COMMAND_PERIOD_S = 0.005, 0.02
LIMITS = np.array([joint.position for joint in PROFILE.joints])
SOURCES = np.array([joint.source for joint in PROFILE.joints])


class BadInput:
    """Seeded random vendor states and canonical commands, with silent gaps."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.np_rng = np.random.default_rng(seed)
        self.kinds: dict[str, int] = {}

    def state(self) -> bytes:
        q = np.zeros(SLOTS, dtype=np.float32)
        q[SOURCES] = self.np_rng.uniform(LIMITS[:, 0], LIMITS[:, 1])
        kind = self.rng.choices(['good', 'bit flips', 'impossible', 'cut', 'noise'],
                                [50, 20, 15, 10, 5])[0]
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        if kind == 'impossible':
            q[self.rng.choice(SOURCES)] = self.rng.choice(
                [1e9, -1e9, float('nan'), float('inf'), 3.5, -3.5])
        raw = bytearray(vm.unitree_lowstate('hg', q))  # with the CRC of these values
        if kind == 'bit flips':
            for _ in range(self.rng.randint(1, 8)):
                raw[self.rng.randrange(len(raw))] ^= 1 << self.rng.randrange(8)
        elif kind == 'cut':  # the CDR encapsulation header kept: DDS carries nothing shorter
            raw = raw[:self.rng.randrange(4, len(raw))]
        elif kind == 'noise':  # no longer than a LowState: DDS sends nothing bigger
            raw = raw[:4] + bytearray(self.rng.randbytes(self.rng.randrange(len(raw) - 4)))
        return bytes(raw)

    def command(self, message) -> None:
        rng = self.rng
        count = N if rng.random() > 0.05 else rng.choice([0, 5, N + 3])
        message.position = [rng.choice([rng.uniform(-10, 10), rng.uniform(-1, 1)])
                            for _ in range(count)]
        if count and rng.random() < 0.1:
            message.position[rng.randrange(count)] = rng.choice(
                [float('nan'), float('inf'), -float('inf')])
        message.commanded = [rng.random() < 0.8 for _ in range(N)]
        for field, wild in (('velocity', 1e5), ('effort', 1e5), ('stiffness', 1e6),
                            ('damping', 1e4)):
            choice = rng.random()
            if choice < 0.3:
                setattr(message, field, [])  # the profile's defaults
            elif choice < 0.9:
                setattr(message, field, [rng.uniform(-wild, wild) for _ in range(N)])
            else:
                setattr(message, field, [float('nan')] * N)

    def silent(self, t: float, period: float) -> bool:
        return t % period > period - 0.3


@pytest.mark.timeout(120)
@pytest.mark.parametrize('variant', ['damp', 'hold'])
def test_random_bad_input_never_makes_the_bridge_send_an_unsafe_target(
        ros_node, start_process, tmp_path, variant):
    from interop_msgs.msg import WholeBodyCommand
    profile = PROFILE.source_file if variant == 'damp' else holding_g1_profile(tmp_path)
    namespace = f'/bad_input_{variant}'
    bridge, probe, commands = g1_bridge_fed_with_state(ros_node, start_process, namespace,
                                                       str(profile))
    probe.timer.cancel()
    source = BadInput(seed=7 if variant == 'damp' else 8)
    clock = ros_node.get_clock()
    started = clock.now().nanoseconds

    def elapsed() -> float:
        return (clock.now().nanoseconds - started) / 1e9

    def send_state() -> None:
        if not source.silent(elapsed(), 2.0):
            probe.state_pub.publish(source.state())
    publisher = ros_node.create_publisher(WholeBodyCommand, f'{namespace}/interop/command', 10)
    message = WholeBodyCommand()

    def send_command() -> None:
        if not source.silent(elapsed(), 2.5):
            source.command(message)
            publisher.publish(message)
    timers = [ros_node.create_timer(STATE_PERIOD_S, send_state),
              ros_node.create_timer(COMMAND_PERIOD_S, send_command)]
    spin_until(ros_node, lambda: elapsed() > DURATION_S, timeout=DURATION_S + 30)
    for timer in timers:
        timer.cancel()
    unsafe = [found for command in commands for found in unsafe_targets(command, PROFILE)]
    survived = not bridge.exited() and bridge.stop(signal.SIGINT) == 0
    output = bridge.output()
    outcome = record(Outcome(
        'bridge fed 10 s of random bad states and commands, real DDS',
        f'{variant}: {sum(source.kinds.values())} states {source.kinds}, '
        f'{len(commands)} LowCmd sent',
        HANDLED if survived and 'Traceback' not in output else TRACEBACK,
        unsafe=len(unsafe), detail='; '.join(unsafe[:5]) or output[-300:]))
    assert not problems(outcome), problems(outcome)
    assert len(commands) > 50, output  # it kept commanding (forwarded, held, or safe)
    crc_errors = re.search(r'(\d+) CRC errors', output)
    assert crc_errors and int(crc_errors.group(1)) > 0, output
