"""Real-DDS helpers of the bridge tests: start a bridge, feed it vendor state, command it, and
keep what it publishes (canonical state, vendor commands, /diagnostics)."""

from __future__ import annotations

import sys

import numpy as np
import vendor_messages as vm
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from ros_process import spin_until

from interop_bridge.canonical import load_canonical
from interop_bridge.profile import load_profile

SPEC = load_canonical()
N = SPEC.joint_count
LATCHED = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE,
                     durability=DurabilityPolicy.TRANSIENT_LOCAL)


def start_bridge(start_process, profile: str, namespace: str, *extra: str):
    bridge = start_process(sys.executable, '-m', 'interop_bridge.nodes.bridge', '--ros-args',
                           '-p', f'profile:={profile}', '-r', f'__ns:={namespace}',
                           '-p', 'diagnostics_period:=0.2', *extra, name='bridge')
    bridge.wait_for_output('bridge ready')
    return bridge


def message_class(typename: str):
    package, kind, name = typename.split('/')
    return getattr(__import__(f'{package}.{kind}', fromlist=[name]), name)


def vendor_state(profile):
    """Serialized vendor state + the native value of each joint by its source."""
    if profile.adapter.startswith('unitree_'):
        q = vm.slot_values(profile.options['motor_slots'], 0.05)
        return (f'{profile.adapter}/msg/LowState', profile.topics.state,
                vm.unitree_lowstate(profile.adapter[-2:], q), lambda source: q[source])
    if profile.adapter == 'booster':
        q = vm.slot_values(profile.options['motor_count'], 0.05)
        return ('booster_interface/msg/LowState', profile.topics.state, vm.booster_lowstate(q),
                lambda source: q[source])
    names = [str(j.source) for j in profile.joints] + [str(e.source) for e in profile.extra] + \
        [str(g.source) for g in profile.grippers]
    q = np.round(np.linspace(-0.3, 0.3, len(names)), 6)
    for joint in profile.joints:  # a value the joint can have (its limits, native)
        q[names.index(str(joint.source))] = np.clip(q[names.index(str(joint.source))],
                                                    *joint.position)
    return ('sensor_msgs/msg/JointState', profile.topics.state, vm.joint_state(names, q),
            lambda source: q[names.index(source)])


class Probe:
    """Publishes raw vendor state on a timer and keeps what the bridge publishes."""

    def __init__(self, node, namespace: str, typename: str, topic: str, raw: bytes) -> None:
        from interop_msgs.msg import Embodiment, WholeBodyState
        from sensor_msgs.msg import JointState
        self.node = node
        self.received: dict[str, list] = {'state': [], 'joint_states': [], 'embodiment': []}
        self.raw = raw
        full = vendor_topic(namespace, topic)
        self.state_pub = node.create_publisher(message_class(typename), full, 10)
        node.create_subscription(WholeBodyState, f'{namespace}/interop/state',
                                 self.received['state'].append, 10)
        node.create_subscription(JointState, f'{namespace}/joint_states',
                                 self.received['joint_states'].append, 10)
        node.create_subscription(Embodiment, f'{namespace}/interop/embodiment',
                                 self.received['embodiment'].append, LATCHED)
        self.timer = node.create_timer(0.01, self.publish_state)

    def publish_state(self) -> None:
        self.state_pub.publish(self.raw)


def vendor_topic(namespace: str, topic: str) -> str:
    """A profile's vendor topic as a bridge in `namespace` resolves it."""
    return topic if topic.startswith('/') else f'{namespace}/{topic}'


def lowcmd_probe(ros_node, namespace: str, profile: str = 'unitree_g1_29dof'):
    """Every LowCmd the G1 bridge in `namespace` sends (on its profile's command topic)."""
    from unitree_hg.msg import LowCmd
    commands = []
    topic = vendor_topic(namespace, load_profile(profile).topics.command)
    ros_node.create_subscription(LowCmd, topic, commands.append, 50)
    return commands


def g1_bridge_fed_with_state(ros_node, start_process, namespace: str,
                             profile: str = 'unitree_g1_29dof'):
    """A G1 bridge receiving LowState at 100 Hz, and the LowCmd messages it sends.

    `profile`: the G1 profile, or a file of a variant of it.
    """
    bridge = start_bridge(start_process, profile, namespace)
    typename, topic, raw, _ = vendor_state(load_profile('unitree_g1_29dof'))
    probe = Probe(ros_node, namespace, typename, topic, raw)
    assert spin_until(ros_node, lambda: probe.received['state'])
    return bridge, probe, lowcmd_probe(ros_node, namespace)


def publish_command(ros_node, namespace: str, position, **fields):
    from interop_msgs.msg import WholeBodyCommand
    publisher = ros_node.create_publisher(WholeBodyCommand, f'{namespace}/interop/command', 1)
    message = WholeBodyCommand()
    message.commanded = fields.get('commanded', [True] * 29 + [False] * 3)
    message.position = [float(value) for value in position]
    for field in ('velocity', 'effort', 'stiffness', 'damping'):
        if field in fields:
            setattr(message, field, [float(value) for value in fields[field]])
    spin_until(ros_node, lambda: publisher.get_subscription_count() > 0, timeout=5)
    publisher.publish(message)
    return publisher, message


def diagnostic_status(diagnostics: list, name: str):
    """The newest DiagnosticStatus of that name, or None."""
    for array in reversed(diagnostics):
        for status in array.status:
            if status.name == name:
                return status
    return None


def diagnostics_probe(ros_node) -> list:
    """Every DiagnosticArray on /diagnostics from now on."""
    from diagnostic_msgs.msg import DiagnosticArray
    diagnostics: list = []
    ros_node.create_subscription(DiagnosticArray, '/diagnostics', diagnostics.append, 10)
    return diagnostics


def status_values(status) -> dict[str, str]:
    """The key/value pairs of a DiagnosticStatus."""
    return {value.key: value.value for value in status.values}


FLOAT32_SLACK = 1e-5  # targets travel as float32


def unsafe_targets(command, profile) -> list[str]:
    """What is unsafe in a Unitree LowCmd for `profile`: a wrong CRC, a motor of a joint that
    is not enabled (mode 1) with finite values inside that joint's limits, or gains on a slot
    that drives no joint. [] when the command is safe."""
    from unitree_reference import crc32_bitwise, hg_lowcmd_bytes
    found = [] if command.crc == crc32_bitwise(hg_lowcmd_bytes(command)) else ['wrong CRC']
    for joint in profile.joints:
        motor = command.motor_cmd[joint.source]
        values = (motor.q, motor.dq, motor.tau, motor.kp, motor.kd)
        low, high = joint.position
        checks = {'mode': motor.mode == 1, 'finite': bool(np.isfinite(values).all()),
                  'q': low - FLOAT32_SLACK <= motor.q <= high + FLOAT32_SLACK,
                  'dq': abs(motor.dq) <= joint.velocity + FLOAT32_SLACK,
                  'tau': abs(motor.tau) <= joint.effort + FLOAT32_SLACK,
                  'kp': 0.0 <= motor.kp <= joint.stiffness_max + FLOAT32_SLACK,
                  'kd': 0.0 <= motor.kd <= joint.damping_max + FLOAT32_SLACK}
        found.extend(f'{joint.canonical} {name} {values}' for name, ok in checks.items()
                     if not ok)
    driven = {joint.source for joint in profile.joints}
    found.extend(f'slot {slot} has gains' for slot, motor in enumerate(command.motor_cmd)
                 if slot not in driven and (motor.kp or motor.kd))
    return found


def holding_g1_profile(directory) -> str:
    """A file of the G1 profile holding (not damping) on timeout, and holding the last target."""
    text = open(load_profile('unitree_g1_29dof').source_file).read()
    for old, new in (('name: unitree_g1_29dof', 'name: g1_holding'),
                     ('on_timeout: damp', 'on_timeout: hold'),
                     ('uncommanded: hold_measured', 'uncommanded: hold_last')):
        assert old in text
        text = text.replace(old, new)
    path = directory / 'g1_holding.yaml'
    path.write_text(text)
    return str(path)
