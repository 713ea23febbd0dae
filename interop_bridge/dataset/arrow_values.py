"""Arrow arrays from Python values and numpy, without pyarrow's pandas integration.

`pa.array`, `pa.Table.from_pylist` and `pa.table` of Python lists ask pyarrow's pandas shim
whether a value is a pandas object, which imports pandas on the first call (a third of a
second of every export's start-up). The builders here assemble the arrays from buffers
instead: numeric and bool values through numpy, strings as UTF-8 data and int32 offsets,
(nested) lists as int32 offsets over a child array; None is a null at any level. Values are
checked as strictly as `pa.array` with an explicit type checks them: a float in an integer
column, a number in a string column or a scalar in a list column is an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from interop_bridge.errors import ExportError

INT32_MAX = 2**31 - 1


def numeric_array(values: np.ndarray) -> pa.Array:
    """A 1-D numeric or bool numpy array as an arrow array, sharing its memory where it can."""
    values = np.ascontiguousarray(values)
    if values.ndim != 1:
        msg = f'expected a 1-D array, got shape {values.shape!r}'
        raise ExportError(msg)
    if values.dtype == np.bool_:
        bits = np.packbits(values, bitorder='little')
        return pa.Array.from_buffers(pa.bool_(), len(values), [None, pa.py_buffer(bits)])
    return pa.Array.from_buffers(pa.from_numpy_dtype(values.dtype), len(values),
                                 [None, pa.py_buffer(values)])


def string_array(values: Sequence[str | None]) -> pa.Array:
    """Strings (None: null) as an arrow string array."""
    return values_array(values, pa.string())


def values_array(values: Sequence[Any], arrow_type: pa.DataType) -> pa.Array:
    """Python values of one column as an array of `arrow_type`.

    Supported: signed and unsigned integers, floats, bool, string and (nested) lists of
    those; None is a null.

    Raises:
        ExportError: a value does not fit the type, or the type is not supported.
    """
    validity = _validity(values)
    if pa.types.is_list(arrow_type):
        return _list_array(values, arrow_type, validity)
    if pa.types.is_string(arrow_type):
        return _string_array(values, validity)
    if pa.types.is_boolean(arrow_type) or pa.types.is_integer(arrow_type) or (
            pa.types.is_floating(arrow_type) and arrow_type != pa.float16()):
        return _primitive_array(values, arrow_type, validity)
    msg = f'building an arrow {arrow_type} column from Python values is not supported'
    raise ExportError(msg)


def _validity(values: Sequence[Any]) -> pa.Buffer | None:
    """The validity bitmap of `values` (None where every value is set)."""
    present = np.fromiter((value is not None for value in values), dtype=np.bool_,
                          count=len(values))
    if present.all():
        return None
    return pa.py_buffer(np.packbits(present, bitorder='little'))


def _numpy_dtype(arrow_type: pa.DataType) -> np.dtype:
    if pa.types.is_boolean(arrow_type):
        return np.dtype(np.bool_)
    if pa.types.is_signed_integer(arrow_type):
        return np.dtype(f'int{arrow_type.bit_width}')
    if pa.types.is_unsigned_integer(arrow_type):
        return np.dtype(f'uint{arrow_type.bit_width}')
    return np.dtype(f'float{arrow_type.bit_width}')


ACCEPTED_KINDS = {'b': 'b', 'i': 'iu', 'u': 'iu', 'f': 'iuf'}


def _is_scalar_of(value: Any, kind: str) -> bool:
    """Whether `value` is a Python or numpy scalar that a column of numpy `kind` takes."""
    if isinstance(value, (bool, np.bool_)):
        return kind == 'b'
    if isinstance(value, (int, np.integer)):
        return kind in 'iuf'
    return isinstance(value, (float, np.floating)) and kind == 'f'


def _primitive_array(values: Sequence[Any], arrow_type: pa.DataType,
                     validity: pa.Buffer | None) -> pa.Array:
    dtype = _numpy_dtype(arrow_type)
    for value in values:
        if value is not None and not _is_scalar_of(value, dtype.kind):
            msg = f'{value!r} is not a {arrow_type} value'
            raise ExportError(msg)
    zero = dtype.type(0)
    raw = np.asarray([zero if value is None else value for value in values])
    if raw.size and raw.dtype.kind not in ACCEPTED_KINDS[dtype.kind]:
        msg = f'values of numpy kind {raw.dtype} do not fit an arrow {arrow_type} column'
        raise ExportError(msg)
    converted = raw.astype(dtype)
    if dtype.kind in 'iu' and raw.size and not np.array_equal(converted, raw):
        msg = f'values out of the range of an arrow {arrow_type} column'
        raise ExportError(msg)
    if dtype.kind == 'b':
        data = pa.py_buffer(np.packbits(converted, bitorder='little'))
    else:
        data = pa.py_buffer(np.ascontiguousarray(converted))
    return pa.Array.from_buffers(arrow_type, len(values), [validity, data])


def _offsets(lengths: Sequence[int]) -> pa.Buffer:
    """int32 offsets of consecutive items of the given lengths."""
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(np.asarray(lengths, dtype=np.int64), out=offsets[1:])
    if offsets[-1] > INT32_MAX:
        msg = f'{offsets[-1]} items exceed the 32-bit offsets of an arrow column'
        raise ExportError(msg)
    return pa.py_buffer(offsets.astype(np.int32))


def _string_array(values: Sequence[Any], validity: pa.Buffer | None) -> pa.Array:
    encoded = []
    for value in values:
        if value is not None and not isinstance(value, str):
            msg = f'{value!r} is not a string'
            raise ExportError(msg)
        encoded.append(b'' if value is None else value.encode('utf-8'))
    data = pa.py_buffer(b''.join(encoded))
    return pa.Array.from_buffers(pa.string(), len(values),
                                 [validity, _offsets([len(item) for item in encoded]), data])


def _list_array(values: Sequence[Any], arrow_type: pa.ListType,
                validity: pa.Buffer | None) -> pa.Array:
    items: list[Sequence[Any]] = []
    for value in values:
        if value is None:
            items.append(())
        elif isinstance(value, np.ndarray) and value.ndim >= 1:
            items.append(value.tolist())
        elif isinstance(value, (list, tuple)):
            items.append(value)
        else:
            msg = f'{value!r} is not a list for an arrow {arrow_type} column'
            raise ExportError(msg)
    child = values_array([item for entry in items for item in entry], arrow_type.value_type)
    return pa.Array.from_buffers(arrow_type, len(values),
                                 [validity, _offsets([len(entry) for entry in items])],
                                 children=[child])


def table_from_rows(rows: Sequence[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    """Rows as a table of `schema` (what `pa.Table.from_pylist(rows, schema=schema)` gives).

    A column missing from a row is null there.

    Raises:
        ExportError: a row has a column the schema lacks, or a value does not fit its type.
    """
    names = set(schema.names)
    for row in rows:
        extra = [key for key in row if key not in names]
        if extra:
            msg = f'columns {extra!r} are not in the table schema'
            raise ExportError(msg)
    arrays = [values_array([row.get(field.name) for row in rows], field.type)
              for field in schema]
    return pa.Table.from_arrays(arrays, schema=schema)


def numpy_values(array: pa.Array) -> np.ndarray:
    """A numeric or bool array as numpy, what `array.to_numpy(zero_copy_only=False)` gives.

    Read from the buffers (pyarrow's own conversion imports pandas): numeric values without
    nulls are a read-only view; with nulls, integers become float64 and floats keep their
    dtype, NaN at the nulls; bool values are a copy, an object array with None at the nulls.
    """
    if not (pa.types.is_boolean(array.type) or pa.types.is_integer(array.type)
            or pa.types.is_floating(array.type)):
        msg = f'an arrow {array.type} array has no numpy values'
        raise ExportError(msg)
    dtype = _numpy_dtype(array.type)
    validity, data = array.buffers()[:2]
    if dtype.kind == 'b':
        values = _bits(data, array.offset, len(array))
    else:
        values = np.frombuffer(data, dtype=dtype, count=len(array),
                               offset=array.offset * dtype.itemsize) if len(array) else (
            np.empty(0, dtype=dtype))
    if not array.null_count:
        return values
    present = _bits(validity, array.offset, len(array))
    if dtype.kind == 'b':
        with_nulls = values.astype(object)
        with_nulls[~present] = None
        return with_nulls
    with_nan = values.astype(np.float64 if dtype.kind in 'iu' else dtype)
    with_nan[~present] = np.nan
    return with_nan


def _bits(buffer: pa.Buffer | None, offset: int, length: int) -> np.ndarray:
    """`length` bits of a little-endian bitmap from bit `offset`, as bools."""
    if not length:
        return np.empty(0, dtype=np.bool_)
    if buffer is None:
        msg = 'a bitmap buffer is missing'
        raise ExportError(msg)
    packed = np.frombuffer(buffer, dtype=np.uint8)
    bits: np.ndarray = np.unpackbits(packed, count=offset + length, bitorder='little')
    return bits[offset:].astype(np.bool_)


def list_values(array: pa.Array) -> pa.Array:
    """The values of a list or fixed-size list array, what `array.flatten()` gives.

    Sliced from the child array (`flatten` imports pyarrow.compute); a null entry's values
    are left out.
    """
    if pa.types.is_fixed_size_list(array.type):
        size = array.type.list_size
        starts = np.arange(len(array) + 1, dtype=np.int64) * size + array.offset * size
    elif pa.types.is_list(array.type):
        starts = numpy_values(array.offsets).astype(np.int64)
    else:
        msg = f'an arrow {array.type} array is not a list array'
        raise ExportError(msg)
    child = array.values
    if not array.null_count:
        return child.slice(int(starts[0]), int(starts[-1] - starts[0]))
    present = _bits(array.buffers()[0], array.offset, len(array))
    parts = [child.slice(int(starts[index]), int(starts[index + 1] - starts[index]))
             for index in np.flatnonzero(present)]
    return pa.concat_arrays(parts) if parts else child.slice(0, 0)
