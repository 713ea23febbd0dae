"""Bulk decoding of recorded canonical state (export/topic_decoders.py)."""

from __future__ import annotations

import numpy as np

from interop_bridge.canonical import load_canonical
from interop_bridge.export.topic_decoders import CanonicalStateDecoder
from interop_bridge.msgdefs import fielddefs_for
from interop_bridge.sim.templates import message_template

STATE = 'interop_msgs/msg/WholeBodyState'


def state_message(joints: int, wrench_frame: str, force_x: float, frame_id: str) -> bytes:
    template = message_template(
        fielddefs_for([STATE]), STATE, {'fx': 'wrenches.0.wrench.force.x'},
        lengths={**dict.fromkeys(('position', 'velocity', 'effort', 'valid'), joints),
                 'wrenches': 1},
        texts={'header.frame_id': frame_id, 'wrenches.0.header.frame_id': wrench_frame})
    template.write('fx', force_x)
    return template.serialize()


def test_wrench_frames_are_read_with_the_layout_of_the_message_they_come_from():
    spec = load_canonical()
    frame = spec.wrench_frames[0]
    # Two shapes in one batch: the second message's longer header.frame_id moves its wrenches.
    raws = [state_message(spec.joint_count, frame, 1.5, 'base_link'),
            state_message(spec.joint_count, frame, 2.5, 'base_link_of_another_shape')]
    chunk = CanonicalStateDecoder(fielddefs_for([STATE]), spec).decode(raws)
    slot = spec.wrench_frames.index(frame)
    np.testing.assert_array_equal(chunk.values['wrench_valid'][:, slot], [1.0, 1.0])
    np.testing.assert_array_equal(chunk.values['wrench'][:, 6 * slot], [1.5, 2.5])
