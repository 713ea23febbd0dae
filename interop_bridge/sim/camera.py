"""A synthetic camera: an rgb8 sensor_msgs/Image whose content moves over time.

The picture is a colour gradient scrolling sideways with a bright square circling over it, so
consecutive frames differ and a recorded video shows motion; pixel values are a pure function
of the time, so tests can predict them.
"""

from __future__ import annotations

import math

import numpy as np

from interop_bridge.errors import MappingError
from interop_bridge.export.typestore import TypeDefinitions
from interop_bridge.sim.templates import message_template

TOPIC = 'camera/image_raw'
IMAGE_TYPE = 'sensor_msgs/msg/Image'
FRAME_ID = 'camera_link'
ENCODING = 'rgb8'
SCROLL_PX_PER_S = 40.0
ORBIT_PERIOD_S = 4.0


def render_frame(height: int, width: int, time_s: float) -> np.ndarray:
    """The picture at `time_s`: (height, width, 3) uint8, RGB."""
    shift = time_s * SCROLL_PX_PER_S
    columns = (np.arange(width) + shift) * (255.0 / max(width, 1))
    rows = np.arange(height) * (255.0 / max(height, 1))
    frame = np.empty((height, width, 3), dtype=np.uint8)
    frame[..., 0] = (columns % 256).astype(np.uint8)[None, :]
    frame[..., 1] = rows.astype(np.uint8)[:, None]
    frame[..., 2] = int(128 + 100 * math.sin(2 * math.pi * time_s / ORBIT_PERIOD_S))
    side = max(2, min(height, width) // 6)
    angle = 2 * math.pi * time_s / ORBIT_PERIOD_S
    top = int((height - side) / 2 * (1 + 0.8 * math.sin(angle)))
    left = int((width - side) / 2 * (1 + 0.8 * math.cos(angle)))
    frame[top:top + side, left:left + side] = 255
    return frame


class SyntheticCamera:
    """Serialized rgb8 images of `render_frame`, stamped by the caller."""

    def __init__(self, definitions: TypeDefinitions, height: int, width: int,
                 frame_id: str = FRAME_ID) -> None:
        if height < 1 or width < 1:
            msg = f'camera size [{height}, {width}]: expected [height, width], both >= 1'
            raise MappingError(msg)
        self.height, self.width = height, width
        self._template = message_template(
            definitions, IMAGE_TYPE,
            {'height': 'height', 'width': 'width', 'step': 'step'},
            lengths={'data': height * width * 3},
            texts={'header.frame_id': frame_id, 'encoding': ENCODING})
        self._template.write('height', height)
        self._template.write('width', width)
        self._template.write('step', width * 3)

    def encode(self, stamp_ns: int, time_s: float) -> bytes:
        """The picture at `time_s` as a serialized Image stamped `stamp_ns`."""
        self._template.write_stamp(stamp_ns)
        self._template.write_block('data', render_frame(self.height, self.width, time_s))
        return self._template.serialize()
