"""A recording as the project's recorder writes it: canonical topics, from the same motion.

test/physical_bags.py's G1 motion, as the bridge publishes it and the recorder stores it: each
vendor LowState mapped by the bridge's own core (BridgeCore) into an interop_msgs
WholeBodyState on /interop/state, the canonical command (the state COMMAND_LEAD_S ahead, every
mapped joint commanded) on /interop/command, the latched Embodiment naming the profile, the
episode events and the camera, written by the recorder's BagWriter (stored definitions,
metadata version 8).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import physical_bags as pb
import vendor_messages as vm
from bag_factory import START_NS, _event
from embodied_bags import embodiment

from interop_bridge.bridge_core import BridgeCore
from interop_bridge.canonical import load_canonical
from interop_bridge.msgdefs import fielddefs_for
from interop_bridge.profile import load_profile
from interop_bridge.recording.bag_writer import BagWriter
from interop_bridge.sim.templates import message_template
from interop_bridge.state_mapping import CanonicalState

STATE = 'interop_msgs/msg/WholeBodyState'
COMMAND = 'interop_msgs/msg/WholeBodyCommand'
TOPICS = {'/interop/state': STATE, '/interop/command': COMMAND,
          '/interop/embodiment': 'interop_msgs/msg/Embodiment',
          '/interop/episode': 'interop_msgs/msg/EpisodeEvent',
          '/camera/image_raw': 'sensor_msgs/msg/Image'}


def _core() -> BridgeCore:
    return BridgeCore(load_profile(pb.PROFILE), load_canonical(), vm.typestore().fielddefs)


def canonical_state(core: BridgeCore, t: float) -> CanonicalState:
    """The bridge's mapping of the vendor LowState at t."""
    state = core.on_state(pb.lowstate(t), t)
    assert state is not None
    return state


def state_message(state: CanonicalState, stamp_ns: int) -> bytes:
    """interop_msgs/WholeBodyState of one mapped sample (the fields the exporter reads)."""
    joints = len(state.position)
    template = message_template(
        fielddefs_for([STATE]), STATE,
        {'position': 'position', 'velocity': 'velocity', 'effort': 'effort', 'valid': 'valid',
         'orientation': 'imu.orientation.*', 'gyro': 'imu.angular_velocity.*',
         'accel': 'imu.linear_acceleration.*', 'imu_valid': 'imu_valid'},
        lengths=dict.fromkeys(('position', 'velocity', 'effort', 'valid'), joints),
        texts={'header.frame_id': 'base_link', 'imu.header.frame_id': 'imu_link'})
    template.write_stamp(stamp_ns)
    for name in ('position', 'velocity', 'effort'):
        template.write(name, getattr(state, name))
    template.write('valid', state.valid.astype(np.uint8))
    assert state.imu is not None
    template.write('orientation', state.imu.orientation)
    template.write('gyro', state.imu.angular_velocity)
    template.write('accel', state.imu.linear_acceleration)
    template.write('imu_valid', 1)
    return template.serialize()


def command_message(target: CanonicalState, stamp_ns: int) -> bytes:
    """interop_msgs/WholeBodyCommand driving every mapped joint to `target`'s positions."""
    joints = len(target.position)
    template = message_template(
        fielddefs_for([COMMAND]), COMMAND, {'commanded': 'commanded', 'position': 'position'},
        lengths=dict.fromkeys(('commanded', 'position'), joints))
    template.write_stamp(stamp_ns)
    template.write('commanded', target.valid.astype(np.uint8))
    template.write('position', np.nan_to_num(target.position))
    return template.serialize()


def write_recorder_bag(path: Path, *, duration_s: float = 3.0, storage: str = 'mcap') -> Path:
    """The recording, one episode 0.2 s .. duration_s - 0.2 s ('wave both arms')."""
    states, targets = _core(), _core()
    messages = [(START_NS, '/interop/embodiment', embodiment(pb.PROFILE))]
    for tick in range(int(duration_s * pb.STATE_HZ) + 1):
        stamp = START_NS + tick * pb.NS // pb.STATE_HZ
        messages.append((stamp, '/interop/state',
                         state_message(canonical_state(states, tick / pb.STATE_HZ), stamp)))
    for tick in range(int(duration_s * pb.COMMAND_HZ) + 1):
        stamp, t = START_NS + tick * pb.NS // pb.COMMAND_HZ, tick / pb.COMMAND_HZ
        target = canonical_state(targets, t + pb.COMMAND_LEAD_S)
        messages.append((stamp, '/interop/command', command_message(target, stamp)))
    for index in range(int(duration_s * pb.CAMERA_HZ) + 1):
        messages.append((START_NS + index * pb.NS // pb.CAMERA_HZ, '/camera/image_raw',
                         pb.scene(index)))
    for kind, at in ((0, 0.2), (1, duration_s - 0.2), (2, duration_s - 0.2)):
        stamp = START_NS + int(round(at * pb.NS))
        messages.append((stamp, '/interop/episode',
                         _event(kind, 'episode-0', 'wave both arms', stamp)))
    writer = BagWriter(path, storage)
    try:
        for topic, typename in TOPICS.items():
            writer.add_topic(topic, typename)
        for stamp, topic, data in sorted(messages, key=lambda item: item[0]):
            writer.write(topic, stamp, data)
    finally:
        writer.close()
    return path
