"""Deterministic, non-default values for every field of any ROS message class."""

from __future__ import annotations

import array
from typing import Any

import numpy as np
from rosidl_parser.definition import (
    AbstractNestedType, AbstractSequence, Array, BasicType, BoundedString, NamespacedType,
    UnboundedString)

FLOATS = {'float', 'double', 'long double'}
ARRAY_TYPECODES = {'float': 'f', 'double': 'd', 'int8': 'b', 'uint8': 'B', 'int16': 'h',
                   'uint16': 'H', 'int32': 'i', 'uint32': 'I', 'int64': 'q', 'uint64': 'Q'}


def basic_value(typename: str, seed: int) -> Any:
    """A non-default value of a basic type, different for each seed."""
    if typename in FLOATS:
        return seed * 0.25 + 0.125 if typename != 'float' else float(np.float32(seed * 0.5 + 0.25))
    if typename == 'boolean':
        return seed % 2 == 1
    if typename in ('octet', 'char'):
        return bytes([seed % 200 + 1]) if typename == 'octet' else seed % 100 + 1
    return seed % 100 + 1


def make_message(msg_class: type, seed: int = 1) -> Any:
    """An instance of `msg_class` with every field (recursively) set to a non-default value."""
    message = msg_class()
    for offset, (name, slot) in enumerate(zip(msg_class.__slots__, msg_class.SLOT_TYPES)):
        setattr(message, name.lstrip('_'), field_value(slot, seed * 7 + offset))
    return message


def field_value(slot: Any, seed: int) -> Any:
    """A value for one field, by its rosidl type."""
    if isinstance(slot, BasicType):
        return basic_value(slot.typename, seed)
    if isinstance(slot, (UnboundedString, BoundedString)):
        return f'value-{seed}'
    if isinstance(slot, NamespacedType):
        return make_message(_import(slot), seed)
    if isinstance(slot, AbstractNestedType):
        count = slot.size if isinstance(slot, Array) else 3
        if isinstance(slot, AbstractSequence) and hasattr(slot, 'maximum_size'):
            count = min(count, slot.maximum_size)
        items = [field_value(slot.value_type, seed + item) for item in range(count)]
        return _pack(slot, items)
    msg = f'unhandled slot type {slot!r}'
    raise TypeError(msg)


def _pack(slot: AbstractNestedType, items: list[Any]) -> Any:
    value_type = slot.value_type
    if isinstance(value_type, BasicType) and value_type.typename in ARRAY_TYPECODES:
        if isinstance(slot, Array):
            return np.array(items, dtype=_numpy_dtype(value_type.typename))
        return array.array(ARRAY_TYPECODES[value_type.typename], items)
    return items


def _numpy_dtype(typename: str) -> str:
    return {'float': 'float32', 'double': 'float64'}.get(typename, typename)


def _import(slot: NamespacedType) -> type:
    module = __import__('.'.join(slot.namespaces), fromlist=[slot.name])
    return getattr(module, slot.name)
