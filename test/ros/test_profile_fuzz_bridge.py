"""Mutated profiles with the real bridge node over real DDS (the fuzz of
test/reliability/test_mutated_profiles.py, on a small seeded sample).

An accepted mutation starts a bridge that forwards a command inside the limits and then, when
commands stop, sends the safe command, every vendor command finite and inside the limits the
profile gives (decoded from the bytes on the wire); a refused one stops the node at start with
a non-zero exit and the checker's reason in its log, no traceback.
"""

from __future__ import annotations

import random
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import vendor_messages as vm
from bridge_probe import Probe, message_class, publish_command, start_bridge
from mutated_bridge import SPEC, inside_targets, native_state, unsafe_values
from profile_mutations import SEED, Mutation, mutations
from ros_process import spin_until

from interop_bridge.bridge_core import BridgeCore
from interop_bridge.errors import ProfileError
from interop_bridge.profile import Profile, load_profile
from interop_bridge.vendors.registry import ADAPTERS

SAMPLE = 3
# The probe publishes state at 100 Hz and one command: timeouts it can meet in a test.
TIMEOUTS_S = (0.05, 1.0)


@dataclass(frozen=True)
class Sample:
    accepted: list[tuple[Mutation, Path, Profile]]
    rejected: list[tuple[Mutation, Path, ProfileError]]


@pytest.fixture(scope='module')
def sample(tmp_path_factory) -> Sample:
    directory = tmp_path_factory.mktemp('mutated')
    accepted, rejected = [], []
    for number, mutation in enumerate(mutations(SEED, 150)):
        path = mutation.write(directory, number)
        try:
            profile = load_profile(path)
        except ProfileError as err:
            rejected.append((mutation, path, err))
            continue
        command = profile.command
        if all(TIMEOUTS_S[0] <= value <= TIMEOUTS_S[1]
               for value in (command.timeout_s, command.state_timeout_s)):
            accepted.append((mutation, path, profile))
    rng = random.Random(SEED)
    refused = [entry for entry in rejected if entry[0].must_reject]
    document = rng.choice([entry for entry in refused if entry[0].text is None])
    hostile = rng.choice([entry for entry in refused if entry[0].text is not None])
    return Sample(rng.sample(accepted, SAMPLE), [document, hostile])


def on_topic(namespace: str, topic: str) -> str:
    return topic if topic.startswith('/') else f'{namespace}/{topic}'


@pytest.mark.parametrize('index', range(SAMPLE))
def test_an_accepted_mutated_profile_runs_a_bridge_through_a_command_and_a_timeout(
        index, sample, ros_node, start_process):
    mutation, path, profile = sample.accepted[index]
    namespace = f'/fuzz_{index}'
    adapter = ADAPTERS[profile.adapter]
    bridge = start_bridge(start_process, str(path), namespace)
    sent: list[bytes] = []
    ros_node.create_subscription(message_class(adapter.command_type),
                                 on_topic(namespace, profile.topics.command), sent.append, 100,
                                 raw=True)
    probe = Probe(ros_node, namespace, adapter.state_type, profile.topics.state,
                  native_state(profile))

    def context() -> str:
        return f'{mutation.base}: {mutation.what}\n{bridge.output()}'
    assert spin_until(ros_node, lambda: probe.received['state']), context()
    commanded, position = inside_targets(profile)
    publish_command(ros_node, namespace, position, commanded=[bool(value) for value in commanded])
    assert spin_until(ros_node, lambda: sent), f'no command forwarded: {context()}'
    # Spinning keeps the vendor state coming: the safe command is for the stopped commands.
    assert spin_until(ros_node, lambda: 'sending the safe command' in bridge.output()), context()
    forwarded = len(sent)
    assert spin_until(ros_node, lambda: len(sent) > forwarded + 2), context()
    core = BridgeCore(profile, SPEC, vm.typestore().fielddefs)  # decodes what was sent
    assert [problem for payload in sent for problem in unsafe_values(core, payload)] == [], \
        context()
    assert bridge.stop(signal.SIGINT) == 0, bridge.output()


@pytest.mark.parametrize('index', range(2), ids=['document', 'hostile YAML'])
def test_a_refused_mutated_profile_stops_the_bridge_with_the_reason(index, sample,
                                                                    start_process):
    mutation, path, error = sample.rejected[index]
    bridge = start_process(sys.executable, '-m', 'interop_bridge.nodes.bridge', '--ros-args',
                           '-p', f'profile:={path}', name='bridge')
    assert bridge.popen.wait(20) != 0, bridge.output()
    output = bridge.output()
    assert str(error.problems[0]) in output, f'{mutation.what}\n{output}'
    assert 'Traceback' not in output
