"""Message types for reading and writing bags: stored definitions, Jazzy and interop_msgs."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TypeAlias

from rosbags.interfaces import MessageDefinition, MessageDefinitionFormat, Nodetype
from rosbags.interfaces.typing import Constdefs, FieldDesc, Fielddefs
from rosbags.interfaces.typing import Typesdict as Typesdict
from rosbags.typesys import (
    Stores, TypesysError, get_types_from_idl, get_types_from_msg, get_typestore)
from rosbags.typesys.store import Typestore

from interop_bridge.ament import package_msg_dir
from interop_bridge.errors import TypeDefinitionError

# Separator between the sections of a rosbag2 'ros2msg' definition (main type, then each
# nested type as 'MSG: pkg/Name').
MSG_SEPARATOR = '=' * 80 + '\n'
INTEROP_PACKAGE = 'interop_msgs'

# rosbags' parse trees: type name -> (constants, fields) (rosbags' Typesdict, re-exported
# above); TypeDefinitions is the read-only view the layout builders and simulators take.
TypeDefinitions: TypeAlias = Mapping[str, tuple[Constdefs, Fielddefs]]


def types_from_stored(msgtype: str, definition: MessageDefinition) -> Typesdict:
    """Parse one definition stored in a bag (ros2msg or ros2idl) into rosbags parse trees.

    Args:
        msgtype: The type the definition belongs to ('pkg/msg/Name').
        definition: The stored definition (format and text).

    Returns:
        Parse trees of the type and of every nested type the text contains.

    Raises:
        TypeDefinitionError: The text cannot be parsed.
    """
    try:
        if definition.format == MessageDefinitionFormat.MSG:
            return dict(get_types_from_msg(definition.data, msgtype))
        sections = definition.data.split(MSG_SEPARATOR)
        if definition.data.startswith(MSG_SEPARATOR + 'IDL: '):
            sections = [section.split('\n', 1)[1] for section in sections[1:]]
        types: Typesdict = {}
        for section in sections:
            types.update(get_types_from_idl(section))
        return types
    except (TypesysError, IndexError) as error:
        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        message = f'stored definition of {msgtype!r} cannot be parsed: {first_line}'
        raise TypeDefinitionError(message) from error


def msg_files_types(msg_files: Iterable[Path], package: str) -> Typesdict:
    """Parse .msg files of one package ('<package>/msg/<file stem>') into parse trees.

    Raises:
        TypeDefinitionError: A file cannot be parsed.
    """
    types: Typesdict = {}
    for path in msg_files:
        try:
            types.update(get_types_from_msg(path.read_text(), f'{package}/msg/{path.stem}'))
        except TypesysError as error:
            message = f'{path}: cannot be parsed as a ROS 2 .msg file: {error}'
            raise TypeDefinitionError(message) from error
    return types


@functools.lru_cache(maxsize=1)
def interop_types() -> TypeDefinitions:
    """Parse trees of every interop_msgs message (from interop_msgs/msg/*.msg)."""
    directory = package_msg_dir(INTEROP_PACKAGE)
    return msg_files_types(sorted(directory.glob('*.msg')), INTEROP_PACKAGE)


def interop_typestore() -> Typestore:
    """A fresh typestore with every ROS 2 Jazzy type plus every interop_msgs type.

    Used to write bags (tests, tools) and as the fallback for bags without stored definitions.
    """
    store = get_typestore(Stores.ROS2_JAZZY)
    register(store, dict(interop_types()), 'interop_msgs/msg/*.msg')
    return store


def register(store: Typestore, types: Typesdict, origin: str) -> None:
    """Register parse trees in `store`, naming `origin` when a type conflicts.

    Raises:
        TypeDefinitionError: A type is already registered with different fields.
    """
    try:
        store.register(types)
    except TypesysError as error:
        msg = f'{origin}: {error}'
        raise TypeDefinitionError(msg) from error


def nested_types(store: Typestore, msgtype: str) -> list[str]:
    """Every type `msgtype` depends on (recursively), depth first, without duplicates."""
    found: list[str] = []

    def visit(name: str) -> None:
        for _, field in store.fielddefs[name][1]:
            for nested in field_type_names(field):
                if nested not in found:
                    found.append(nested)
                    visit(nested)

    visit(msgtype)
    return found


def field_type_names(field: FieldDesc) -> list[str]:
    """Names of the message types one field of a parse tree refers to (none or one)."""
    if field[0] == Nodetype.NAME:
        return [field[1]]
    if field[0] == Nodetype.ARRAY or field[0] == Nodetype.SEQUENCE:  # (element field, size)
        return field_type_names(field[1][0])
    return []
