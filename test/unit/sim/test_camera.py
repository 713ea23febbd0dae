"""The synthetic camera publishes rgb8 images whose content moves over time."""

from __future__ import annotations

import numpy as np
import pytest
from rclpy.serialization import deserialize_message
from sensor_msgs.msg import Image

from interop_bridge.errors import MappingError
from interop_bridge.sim.camera import SyntheticCamera, render_frame
from interop_bridge.msgdefs import fielddefs_for


def test_an_image_carries_the_rendered_frame_its_size_encoding_and_stamp():
    camera = SyntheticCamera(fielddefs_for([]), 24, 32)
    image = deserialize_message(camera.encode(7_000_000_009, 1.5), Image)
    assert (image.height, image.width, image.step, image.encoding) == (24, 32, 96, 'rgb8')
    assert (image.header.stamp.sec, image.header.stamp.nanosec) == (7, 9)
    assert image.header.frame_id == 'camera_link'
    pixels = np.frombuffer(bytes(image.data), dtype=np.uint8).reshape(24, 32, 3)
    np.testing.assert_array_equal(pixels, render_frame(24, 32, 1.5))


def test_frames_a_tenth_of_a_second_apart_differ():
    changed = (render_frame(96, 128, 2.0) != render_frame(96, 128, 2.1)).mean()
    assert changed > 0.3


def test_the_frame_has_the_requested_shape_and_type():
    frame = render_frame(10, 20, 0.0)
    assert frame.shape == (10, 20, 3) and frame.dtype == np.uint8


def test_an_empty_camera_size_is_rejected():
    with pytest.raises(MappingError, match=r'camera size \[0, 32\]: expected \[height, width\]'):
        SyntheticCamera(fielddefs_for([]), 0, 32)
