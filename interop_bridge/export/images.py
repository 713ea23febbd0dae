"""Camera messages -> RGB frames (H, W, 3) uint8: sensor_msgs/Image and CompressedImage.

PyAV (the JPEG/PNG decoder) is imported by the first CompressedImage decoded.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from interop_bridge.cdr import Layout
from interop_bridge.errors import ExportError
from interop_bridge.vendors.codec import CachedGather

if TYPE_CHECKING:
    import av

IMAGE = 'sensor_msgs/msg/Image'
COMPRESSED = 'sensor_msgs/msg/CompressedImage'
IMAGE_TYPES = (IMAGE, COMPRESSED)
CHANNELS = {'rgb8': 3, 'bgr8': 3, 'rgba8': 4, 'bgra8': 4, 'mono8': 1}
CODECS: dict[str, Literal['mjpeg', 'png']] = {'jpeg': 'mjpeg', 'jpg': 'mjpeg', 'png': 'png'}


class ImageDecoder:
    """Decodes one camera topic's messages into RGB frames."""

    def __init__(self, fielddefs: Mapping[str, Any], typename: str, topic: str) -> None:
        if typename not in IMAGE_TYPES:
            msg = f'{topic}: {typename} is not a camera type {list(IMAGE_TYPES)}'
            raise ExportError(msg)
        self.typename, self.topic = typename, topic
        patterns = {'sec': 'header.stamp.sec', 'nanosec': 'header.stamp.nanosec'}
        if typename == IMAGE:
            patterns.update(height='height', width='width')
        self._gather = CachedGather(fielddefs, typename, patterns)
        self._codec: av.VideoCodecContext | None = None

    def stamp_ns(self, raw: bytes) -> int:
        """Header stamp of one message."""
        values = self._gather.one(raw)
        return int(values['sec'][0]) * 1_000_000_000 + int(values['nanosec'][0])

    def frame(self, raw: bytes) -> np.ndarray:
        """One message as an RGB frame."""
        values = self._gather.one(raw)
        layout = self._gather.layout_for(raw)
        if self.typename == IMAGE:
            return self._raw_frame(raw, layout, int(values['height'][0]), int(values['width'][0]))
        return self._compressed_frame(raw, layout)

    def _raw_frame(self, raw: bytes, layout: Layout, height: int, width: int) -> np.ndarray:
        encoding = layout.string(raw, 'encoding').lower()
        if encoding not in CHANNELS:
            msg = (f'{self.topic}: image encoding {encoding!r} is not supported '
                   f'(supported: {sorted(CHANNELS)})')
            raise ExportError(msg)
        leaf = layout.leaves.get('data')
        channels = CHANNELS[encoding]
        if leaf is None or leaf.count < height * width * channels:
            msg = f'{self.topic}: image data shorter than {height}x{width}x{channels}'
            raise ExportError(msg)
        start = 4 + leaf.offset
        step = leaf.count // height
        pixels = np.frombuffer(raw, np.uint8, count=height * step, offset=start)
        pixels = pixels.reshape(height, step)[:, :width * channels]
        pixels = pixels.reshape(height, width, channels)
        if encoding.startswith('bgr'):
            pixels = pixels[..., 2::-1]
        elif channels == 1:
            pixels = np.repeat(pixels, 3, axis=2)
        return np.ascontiguousarray(pixels[..., :3])

    def _compressed_frame(self, raw: bytes, layout: Layout) -> np.ndarray:
        import av

        fmt = layout.string(raw, 'format').lower().split(';')[0].strip()
        codec_name = next((codec for key, codec in CODECS.items() if key in fmt), None)
        if codec_name is None:
            msg = (f'{self.topic}: compressed format {fmt!r} is not supported '
                   '(jpeg, png)')
            raise ExportError(msg)
        leaf = layout.leaves['data']
        data = bytes(raw[4 + leaf.offset:4 + leaf.offset + leaf.count])
        if self._codec is None or self._codec.name != codec_name:
            self._codec = av.CodecContext.create(codec_name, 'r')
        frames = self._codec.decode(av.Packet(data))
        if not frames:
            msg = f'{self.topic}: a compressed image could not be decoded'
            raise ExportError(msg)
        return frames[0].to_ndarray(format='rgb24')
