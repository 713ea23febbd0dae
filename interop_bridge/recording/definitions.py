"""Message definitions to store in a bag, as rosbag2 stores them (ros2msg text + RIHS01 hash).

For a type 'pkg/msg/Name' the text is the package's own share/pkg/msg/Name.msg (found on
AMENT_PREFIX_PATH, comments included), else rosbags' built-in ROS 2 Jazzy definition; every
nested type follows after a line of 80 '=' and 'MSG: pkg/Name', as rosbag2 writes it. So a
bag of vendor types can be decoded later without the vendor's packages.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rosbags.typesys import Stores, TypesysError, get_types_from_msg, get_typestore
from rosbags.typesys.store import Typestore

from interop_bridge import ament
from interop_bridge.errors import DefinitionError
from interop_bridge.export.typestore import MSG_SEPARATOR, field_type_names, nested_types, register


@dataclass(frozen=True)
class StoredDefinition:
    """What a bag stores for one type."""

    msgtype: str
    text: str  # rosbag2 'ros2msg' format: the type, then each nested type
    rihs01: str


class DefinitionLibrary:
    """Finds and caches definitions: share/<pkg>/msg/*.msg on the prefixes, then Jazzy."""

    def __init__(self, prefixes: list[Path] | None = None) -> None:
        if prefixes is None:
            prefixes = ament.prefixes()
        self.prefixes = prefixes
        self._builtin = get_typestore(Stores.ROS2_JAZZY)
        # Only the types loaded here, so hashes are those of the stored texts.
        self._store: Typestore = get_typestore(Stores.EMPTY)
        self._texts: dict[str, str] = {}
        self._cache: dict[str, StoredDefinition] = {}

    def definition(self, msgtype: str) -> StoredDefinition:
        """The definition of `msgtype` ('pkg/msg/Name') with every nested type.

        Raises:
            DefinitionError: The type (or a nested one) is in no package and not in Jazzy.
        """
        if msgtype not in self._cache:
            self._load(msgtype, [])
            sections = [self._texts[msgtype]]
            for nested in nested_types(self._store, msgtype):
                sections.append(f'MSG: {_short(nested)}\n{self._texts[nested]}')
            text = MSG_SEPARATOR.join(_ends_with_newline(section) for section in sections)
            self._cache[msgtype] = StoredDefinition(msgtype, text,
                                                    self._store.hash_rihs01(msgtype))
        return self._cache[msgtype]

    def _load(self, msgtype: str, chain: list[str]) -> None:
        if msgtype in self._texts:
            return
        text, source = self._find_text(msgtype, chain)
        try:
            types = get_types_from_msg(text, msgtype)
        except TypesysError as error:
            msg = f'{source}: cannot be parsed: {error}'
            raise DefinitionError(msg) from error
        self._texts[msgtype] = text
        for _, field in types[msgtype][1]:
            for nested in field_type_names(field):
                self._load(nested, [*chain, msgtype])
        register(self._store, {msgtype: types[msgtype]}, source)

    def _find_text(self, msgtype: str, chain: list[str]) -> tuple[str, str]:
        package, kind, name = _parts(msgtype)
        for prefix in self.prefixes:
            path = prefix / 'share' / package / kind / f'{name}.msg'
            if path.is_file():
                return path.read_text(), str(path)
        if msgtype in self._builtin.fielddefs:
            return _builtin_text(self._builtin, msgtype), 'built-in'
        needed = f' (needed by {" -> ".join(chain)})' if chain else ''
        msg = (f'no definition for {msgtype!r}{needed}: share/{package}/{kind}/{name}.msg is on '
               f'no prefix of AMENT_PREFIX_PATH ({len(self.prefixes)} searched) and it is not a '
               'ROS 2 Jazzy type')
        raise DefinitionError(msg)


def _parts(msgtype: str) -> tuple[str, str, str]:
    parts = msgtype.split('/')
    if len(parts) != 3 or not all(parts):
        msg = f'type name {msgtype!r}: expected "pkg/msg/Name"'
        raise DefinitionError(msg)
    return parts[0], parts[1], parts[2]


def _builtin_text(store: Typestore, msgtype: str) -> str:
    text, _ = store.gendefhash(msgtype, {}, ros_version=2)
    return text


def _short(msgtype: str) -> str:
    package, _, name = msgtype.split('/')
    return f'{package}/{name}'


def _ends_with_newline(text: str) -> str:
    return text if text.endswith('\n') else text + '\n'
