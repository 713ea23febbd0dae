"""The CRC a Unitree robot puts on every LowState, checked before the state is used.

The robot computes it like the LowCmd CRC (interop_bridge.vendors.unitree_crc): CRC-32 over
the 32-bit words of the LowState's C struct image, every word but the trailing `crc`. The SDK's
own low-level examples check it on each received state and drop a state that fails. Struct
images (natural alignment, built from the message definition by
interop_bridge.vendors.struct_image):
- `unitree_hg` LowState (G1, H1-2): 2092 bytes (IMUState 56 bytes, 35 MotorState of 56), CRC
  over 522 words.
- `unitree_go` LowState (H1): 1180 bytes (IMUState 56, 20 MotorState of 48, BmsState 44), CRC
  over 294 words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from interop_bridge.cdr import HEADER_SIZE
from interop_bridge.vendors.struct_image import StructImage
from interop_bridge.vendors.unitree_crc import image_crc, images_crcs


class LowStateCrc:
    """Computes and checks the CRC of serialized LowState messages of one type."""

    def __init__(self, fielddefs: Mapping[str, Any], typename: str) -> None:
        self.typename = typename
        self.image = StructImage(fielddefs, typename)
        self._crc_offset = self.image.layout.leaves['crc'].offset

    def of_payload(self, payload: NDArray[np.uint8]) -> int:
        """The CRC a LowState payload (CDR, without header) must carry."""
        return image_crc(self.image.of_payload(payload))

    def computed(self, raw: bytes | memoryview) -> int:
        """The CRC a serialized LowState must carry."""
        return image_crc(self.image.one(raw))

    def stored(self, raw: bytes | memoryview) -> int:
        """The CRC a serialized LowState carries."""
        start = HEADER_SIZE + self._crc_offset
        return int.from_bytes(bytes(raw[start:start + 4]), 'little')

    def matches(self, raw: bytes | memoryview) -> bool:
        """Whether the message has the layout of its type and carries the right CRC."""
        return self.image.matches(raw) and self.stored(raw) == self.computed(raw)

    def matches_many(self, raws: Sequence[bytes]) -> NDArray[np.bool_]:
        """`matches` for each of many recorded messages."""
        fits = np.array([self.image.matches(raw) for raw in raws], dtype=bool)
        ok = np.zeros(len(raws), dtype=bool)
        if fits.any():
            chosen = [raw for raw, fit in zip(raws, fits) if fit]
            images = self.image.many_matching(chosen)  # `fits` checked each layout
            stored = np.array([self.stored(raw) for raw in chosen], dtype=np.int64)
            ok[fits] = images_crcs(images) == stored
        return ok
