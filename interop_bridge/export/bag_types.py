"""One typestore for a recording: the bags' stored definitions first, built-in types second."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rosbags.interfaces import Connection, MessageDefinitionFormat
from rosbags.interfaces.typing import Constdefs, Fielddefs
from rosbags.typesys import Stores, TypesysError, get_typestore
from rosbags.typesys.store import Typestore

from interop_bridge.errors import BagError, TypeDefinitionError
from interop_bridge.export.typestore import (
    Typesdict, field_type_names, interop_typestore, nested_types, register, types_from_stored)

STORED, BUILTIN = 'stored', 'builtin'


@dataclass(frozen=True)
class TypeResolution:
    """The typestore of a recording and where each topic type's definition came from."""

    typestore: Typestore
    # msgtype -> 'stored' or 'builtin'; a type missing here cannot be decoded.
    origin: dict[str, str]
    warnings: tuple[str, ...]


def resolve_types(connections: Sequence[Connection]) -> TypeResolution:
    """Register the definitions stored with `connections`; fall back to built-in types.

    A topic type whose definition the bags do not store is taken from rosbags' ROS 2 Jazzy
    types or this repository's interop_msgs (warned); a type found in neither stays unknown
    (warned; its raw bytes can still be read). Stored hashes (RIHS01) that do not match the
    stored definition are warned about; decoding uses the stored definition.

    Raises:
        BagError: Two bags define one type differently.
    """
    warnings: list[str] = []
    stored = _stored_types(connections, warnings)
    store = get_typestore(Stores.EMPTY)
    try:
        register(store, stored, 'definitions stored in the bags')
    except TypeDefinitionError as error:
        raise BagError(str(error)) from error
    origin: dict[str, str] = {}
    fallback: Typestore | None = None
    for msgtype in sorted({connection.msgtype for connection in connections}):
        if msgtype in stored and not _missing_nested(store, msgtype):
            origin[msgtype] = STORED
            continue
        fallback = fallback or interop_typestore()
        topics = sorted({c.topic for c in connections if c.msgtype == msgtype})
        if _register_builtin(store, fallback, msgtype):
            origin[msgtype] = BUILTIN
            warnings.append(f'topics {topics}: type {msgtype!r} has no (complete) stored '
                            'definition; decoded with the built-in ROS 2 Jazzy / interop_msgs '
                            'definition')
        else:
            warnings.append(f'topics {topics}: type {msgtype!r} has no stored definition and is '
                            'not a ROS 2 Jazzy or interop_msgs type; it cannot be decoded')
    warnings.extend(_hash_mismatches(store, connections, origin))
    return TypeResolution(store, origin, tuple(warnings))


def _stored_types(connections: Sequence[Connection], warnings: list[str]) -> Typesdict:
    stored: Typesdict = {}
    definer: dict[str, str] = {}
    for connection in connections:
        if connection.msgdef.format == MessageDefinitionFormat.NONE:
            continue
        where = str(getattr(connection.owner, 'path', '?'))
        try:
            types = types_from_stored(connection.msgtype, connection.msgdef)
        except TypeDefinitionError as error:
            warnings.append(f'{where}: {error}')
            continue
        for name, tree in types.items():
            if name in stored and _field_names(stored[name]) != _field_names(tree):
                msg = (f'type {name!r} is defined differently in {definer[name]} and '
                       f'{where}; export these bags separately')
                raise BagError(msg)
            stored.setdefault(name, tree)
            definer.setdefault(name, where)
    return stored


def _field_names(tree: tuple[Constdefs, Fielddefs]) -> list[tuple[str, object]]:
    return [(name.lower(), str(kind)) for name, kind in tree[1]]


def _missing_nested(store: Typestore, msgtype: str) -> list[str]:
    missing: list[str] = []
    pending = [msgtype]
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        if name not in store.fielddefs:
            missing.append(name)
            continue
        for _, field in store.fielddefs[name][1]:
            pending.extend(field_type_names(field))
    return missing


def _register_builtin(store: Typestore, fallback: Typestore, msgtype: str) -> bool:
    if msgtype not in fallback.fielddefs:
        return False
    names = [msgtype, *nested_types(fallback, msgtype)]
    try:
        register(store, {name: fallback.fielddefs[name] for name in names
                         if name not in store.fielddefs}, 'built-in types')
    except TypeDefinitionError:
        return False
    return not _missing_nested(store, msgtype)


def _hash_mismatches(store: Typestore, connections: Sequence[Connection],
                     origin: dict[str, str]) -> list[str]:
    warnings = []
    checked: set[str] = set()
    for connection in connections:
        digest, msgtype = connection.digest, connection.msgtype
        if not digest.startswith('RIHS01_') or origin.get(msgtype) != STORED:
            continue
        if msgtype in checked:
            continue
        checked.add(msgtype)
        try:
            computed = store.hash_rihs01(msgtype)
        except (TypesysError, KeyError) as error:
            warnings.append(f'type {msgtype!r}: cannot compute its RIHS01 hash: {error}')
            continue
        if computed != digest:
            warnings.append(f'type {msgtype!r}: stored hash {digest} differs from the hash of '
                            f'the stored definition {computed}; decoding with the stored one')
    return warnings
