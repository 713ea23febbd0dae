"""The CRC a Unitree robot checks on every LowCmd, over the packed C struct image of the command.

A Unitree robot ignores a `LowCmd` whose `crc` field is wrong. The vendor computes it by copying
the message into a zero-initialised C struct (natural alignment, so padding bytes are 0) and
running CRC-32 (polynomial 0x04C11DB7, initial value 0xFFFFFFFF, no reflection, no final XOR)
over the struct's 32-bit little-endian words, each word fed most significant bit first, all
words except the trailing `crc` word.

Struct images (numpy structured dtypes with explicit offsets):
- `unitree_hg` LowCmd (G1, H1-2): 1004 bytes = mode_pr, mode_machine, 2 pad, 35 x MotorCmd of
  28 bytes {mode, 3 pad, q, dq, tau, kp, kd, reserve}, reserve[4], crc. CRC over 250 words.
- `unitree_go` LowCmd (H1): 812 bytes = head[2], level_flag, frame_reserve, sn[2], version[2],
  bandwidth, 2 pad, 20 x MotorCmd of 36 bytes {mode, 3 pad, q, dq, tau, kp, kd, reserve[3]},
  bms_cmd {off, reserve[3]}, wireless_remote[40], led[12], fan[2], gpio, 1 pad, reserve, crc.
  CRC over 202 words.

The bit-serial CRC is computed with zlib: an MSB-first CRC is the mirror image of the reflected
CRC-32 zlib implements (reflected polynomial 0xEDB88320, same initial value), so bit-reversing
every input byte and the final register gives the same result at C speed.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from typing import Any, TypedDict

import numpy as np
from numpy.typing import ArrayLike, NDArray

from interop_bridge.errors import MappingError

HG_MOTOR_SLOTS = 35
GO_MOTOR_SLOTS = 20
HG_MOTOR_CMD = np.dtype({
    'names': ['mode', 'q', 'dq', 'tau', 'kp', 'kd', 'reserve'],
    'formats': ['u1', '<f4', '<f4', '<f4', '<f4', '<f4', '<u4'],
    'offsets': [0, 4, 8, 12, 16, 20, 24], 'itemsize': 28})
HG_LOWCMD = np.dtype({
    'names': ['mode_pr', 'mode_machine', 'motor_cmd', 'reserve', 'crc'],
    'formats': ['u1', 'u1', (HG_MOTOR_CMD, (HG_MOTOR_SLOTS,)), ('<u4', (4,)), '<u4'],
    'offsets': [0, 1, 4, 984, 1000], 'itemsize': 1004})
GO_MOTOR_CMD = np.dtype({
    'names': ['mode', 'q', 'dq', 'tau', 'kp', 'kd', 'reserve'],
    'formats': ['u1', '<f4', '<f4', '<f4', '<f4', '<f4', ('<u4', (3,))],
    'offsets': [0, 4, 8, 12, 16, 20, 24], 'itemsize': 36})
GO_BMS_CMD = np.dtype({'names': ['off', 'reserve'], 'formats': ['u1', ('u1', (3,))],
                       'offsets': [0, 1], 'itemsize': 4})
GO_LOWCMD = np.dtype({
    'names': ['head', 'level_flag', 'frame_reserve', 'sn', 'version', 'bandwidth', 'motor_cmd',
              'bms_cmd', 'wireless_remote', 'led', 'fan', 'gpio', 'reserve', 'crc'],
    'formats': [('u1', (2,)), 'u1', 'u1', ('<u4', (2,)), ('<u4', (2,)), '<u2',
                (GO_MOTOR_CMD, (GO_MOTOR_SLOTS,)), GO_BMS_CMD, ('u1', (40,)), ('u1', (12,)),
                ('u1', (2,)), 'u1', '<u4', '<u4'],
    'offsets': [0, 2, 3, 4, 12, 20, 24, 744, 748, 788, 800, 802, 804, 808], 'itemsize': 812})
MOTOR_FIELDS = ('mode', 'q', 'dq', 'tau', 'kp', 'kd')

# Byte value -> the same byte with its 8 bits in reverse order.
_BIT_REVERSED = bytes(int(f'{value:08b}'[::-1], 2) for value in range(256))


class MotorColumns(TypedDict):
    """The per-motor LowCmd fields `hg_lowcmd_image` / `go_lowcmd_image` take, by keyword."""

    mode: ArrayLike
    q: ArrayLike
    dq: ArrayLike
    tau: ArrayLike
    kp: ArrayLike
    kd: ArrayLike


def motor_columns(column: Callable[[str], ArrayLike]) -> MotorColumns:
    """The `MOTOR_FIELDS` columns, each `column(name)`."""
    return MotorColumns(mode=column('mode'), q=column('q'), dq=column('dq'), tau=column('tau'),
                        kp=column('kp'), kd=column('kd'))


def crc32_words(words: np.ndarray | Sequence[int]) -> int:
    """CRC-32 of 32-bit words as Unitree computes it (MSB first, no reflection, no final XOR).

    Args:
        words: The words (any integer array or sequence; values are taken modulo 2**32).

    Returns:
        The CRC as an unsigned 32-bit Python int.

    Raises:
        MappingError: `words` does not hold integers.
    """
    values = np.asarray(words)
    if values.size and values.dtype.kind not in 'ui':
        msg = f'crc32_words: expected integer words, got an array of {values.dtype}'
        raise MappingError(msg)
    stream = values.astype('>u4', copy=False).reshape(-1).tobytes()  # MSB-first byte order
    register = zlib.crc32(stream.translate(_BIT_REVERSED)) ^ 0xFFFFFFFF
    return int.from_bytes(register.to_bytes(4, 'little').translate(_BIT_REVERSED), 'big')


def images_crcs(images: np.ndarray) -> NDArray[np.int64]:
    """`image_crc` of each row of (messages, bytes) struct images, in one pass of byte work."""
    words = np.ascontiguousarray(images).view('<u4')[:, :-1]
    count, width = words.shape
    stream = words.astype('>u4').tobytes().translate(_BIT_REVERSED)
    row_bytes = width * 4
    view = memoryview(stream)
    registers = np.fromiter(
        (zlib.crc32(view[row * row_bytes:(row + 1) * row_bytes]) ^ 0xFFFFFFFF
         for row in range(count)), dtype=np.uint32, count=count)
    reversed_bytes = registers.astype('<u4').view(np.uint8).reshape(count, 4)
    flipped = np.frombuffer(reversed_bytes.tobytes().translate(_BIT_REVERSED), dtype=np.uint8)
    crcs: NDArray[np.int64] = flipped.reshape(count, 4).view('>u4')[:, 0].astype(np.int64)
    return crcs


def image_crc(image: np.ndarray) -> int:
    """CRC of a LowCmd struct image (`HG_LOWCMD` or `GO_LOWCMD`): every word but the last."""
    words = np.frombuffer(np.ascontiguousarray(image), dtype='<u4')
    return crc32_words(words[:-1])


def hg_lowcmd_image(*, mode_pr: int = 0, mode_machine: int = 0, mode: Any = 0, q: Any = 0.0,
                    dq: Any = 0.0, tau: Any = 0.0, kp: Any = 0.0, kd: Any = 0.0,
                    motor_reserve: Any = 0, reserve: Any = 0, crc: int = 0) -> np.ndarray:
    """Build the packed struct image of a unitree_hg LowCmd from field values.

    Per-motor arguments take one value for all 35 slots or 35 values in slot order.

    Returns:
        A 0-d array of dtype `HG_LOWCMD` (1004 bytes, padding zero).

    Raises:
        MappingError: A per-motor argument has neither 1 nor 35 values.
    """
    image = np.zeros((), HG_LOWCMD)
    for name, value in (('mode_pr', mode_pr), ('mode_machine', mode_machine),
                        ('reserve', reserve), ('crc', crc)):
        _store(image, name, value, 'hg')
    _fill_motors(image['motor_cmd'], 'hg', dict(
        mode=mode, q=q, dq=dq, tau=tau, kp=kp, kd=kd, reserve=motor_reserve))
    return image


def go_lowcmd_image(*, head: Any = (0xFE, 0xEF), level_flag: int = 0xFF, frame_reserve: int = 0,
                    sn: Any = 0, version: Any = 0, bandwidth: int = 0, mode: Any = 0,
                    q: Any = 0.0, dq: Any = 0.0, tau: Any = 0.0, kp: Any = 0.0, kd: Any = 0.0,
                    motor_reserve: Any = 0, bms_off: int = 0, bms_reserve: Any = 0,
                    wireless_remote: Any = 0, led: Any = 0, fan: Any = 0, gpio: int = 0,
                    reserve: int = 0, crc: int = 0) -> np.ndarray:
    """Build the packed struct image of a unitree_go LowCmd from field values.

    Per-motor arguments take one value for all 20 slots or 20 values in slot order
    (`motor_reserve`: one value, or 20 x 3). Defaults follow the vendor's H1 example
    (head 0xFE 0xEF, level_flag 0xFF).

    Returns:
        A 0-d array of dtype `GO_LOWCMD` (812 bytes, padding zero).

    Raises:
        MappingError: An argument has a number of values the struct cannot hold.
    """
    image = np.zeros((), GO_LOWCMD)
    for name, value in (('head', head), ('level_flag', level_flag),
                        ('frame_reserve', frame_reserve), ('sn', sn), ('version', version),
                        ('bandwidth', bandwidth), ('wireless_remote', wireless_remote),
                        ('led', led), ('fan', fan), ('gpio', gpio), ('reserve', reserve),
                        ('crc', crc)):
        _store(image, name, value, 'go')
    _fill_motors(image['motor_cmd'], 'go', dict(
        mode=mode, q=q, dq=dq, tau=tau, kp=kp, kd=kd, reserve=motor_reserve))
    _store(image['bms_cmd'], 'off', bms_off, 'go')
    _store(image['bms_cmd'], 'reserve', bms_reserve, 'go')
    return image


def hg_lowcmd_image_of(command: Any) -> np.ndarray:
    """Struct image of a unitree_hg LowCmd message object (rclpy or rosbags, by attributes)."""
    motors = _motor_list(command, HG_MOTOR_SLOTS, 'hg')
    return hg_lowcmd_image(
        mode_pr=command.mode_pr, mode_machine=command.mode_machine,
        motor_reserve=[motor.reserve for motor in motors], reserve=command.reserve,
        **motor_columns(lambda name: [getattr(motor, name) for motor in motors]))


def go_lowcmd_image_of(command: Any) -> np.ndarray:
    """Struct image of a unitree_go LowCmd message object (rclpy or rosbags, by attributes)."""
    motors = _motor_list(command, GO_MOTOR_SLOTS, 'go')
    return go_lowcmd_image(
        head=command.head, level_flag=command.level_flag, frame_reserve=command.frame_reserve,
        sn=command.sn, version=command.version, bandwidth=command.bandwidth,
        motor_reserve=[list(motor.reserve) for motor in motors],
        bms_off=command.bms_cmd.off, bms_reserve=command.bms_cmd.reserve,
        wireless_remote=command.wireless_remote, led=command.led, fan=command.fan,
        gpio=command.gpio, reserve=command.reserve,
        **motor_columns(lambda name: [getattr(motor, name) for motor in motors]))


def hg_lowcmd_crc(command: Any = None, /, **fields: Any) -> int:
    """CRC of a unitree_hg LowCmd: a struct image, a message object, or field values.

    Call as `hg_lowcmd_crc(image)`, `hg_lowcmd_crc(msg)` or `hg_lowcmd_crc(q=..., kp=...)`
    (keywords as `hg_lowcmd_image`). The message's own `crc` field is not part of the CRC.

    Raises:
        MappingError: Both a command and field values are given, or a value does not fit.
    """
    return image_crc(_image(command, fields, HG_LOWCMD, hg_lowcmd_image, hg_lowcmd_image_of))


def go_lowcmd_crc(command: Any = None, /, **fields: Any) -> int:
    """CRC of a unitree_go LowCmd: a struct image, a message object, or field values.

    Call as `go_lowcmd_crc(image)`, `go_lowcmd_crc(msg)` or `go_lowcmd_crc(q=..., kp=...)`
    (keywords as `go_lowcmd_image`).

    Raises:
        MappingError: Both a command and field values are given, or a value does not fit.
    """
    return image_crc(_image(command, fields, GO_LOWCMD, go_lowcmd_image, go_lowcmd_image_of))


def _image(command: Any, fields: dict[str, Any], dtype: np.dtype,
           from_fields: Callable[..., np.ndarray],
           from_message: Callable[[Any], np.ndarray]) -> np.ndarray:
    if command is None:
        return from_fields(**fields)
    if fields:
        msg = f'give either a LowCmd or its field values, not both (got fields {sorted(fields)})'
        raise MappingError(msg)
    if isinstance(command, np.ndarray):
        if command.dtype != dtype:
            msg = f'LowCmd struct image has dtype {command.dtype}, expected {dtype}'
            raise MappingError(msg)
        return command
    return from_message(command)


def _motor_list(command: Any, slots: int, family: str) -> list[Any]:
    motors = list(command.motor_cmd)
    if len(motors) != slots:
        msg = f'{family} LowCmd.motor_cmd has {len(motors)} entries, expected {slots}'
        raise MappingError(msg)
    return motors


def _fill_motors(motors: np.ndarray, family: str, values: dict[str, Any]) -> None:
    for name, value in values.items():
        _store(motors, name, value, family)


def _store(target: np.ndarray, name: str, value: Any, family: str) -> None:
    """Assign one field, turning numpy's broadcast error into a message naming the field."""
    try:
        target[name] = value
    except (ValueError, TypeError, OverflowError) as error:
        field = target[name]
        got = f'values of shape {np.shape(value)}' if np.ndim(value) else repr(value)
        want = (f'one value or values of shape {field.shape}' if field.shape
                else f'one {field.dtype} value')
        msg = f'{family} LowCmd field {name!r}: got {got}, expected {want} ({error})'
        raise MappingError(msg) from error
