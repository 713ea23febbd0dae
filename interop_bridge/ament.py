"""Finding installed ROS packages the way ROS does, and their generated message classes.

Every search of the ament prefix path goes through here: `share/<package>/...` under each
prefix of AMENT_PREFIX_PATH in order (then the interpreter's own prefix, where wheels install
ROS packages), and, for this repository's two packages, their source trees first. The
message-class loader (`message_class`) serves every node; it imports the Python module rosidl
generated for a type.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

from interop_bridge.errors import UnknownNameError

SOURCE_TREE = Path(__file__).resolve().parent.parent
SOURCE_PACKAGES = {'interop_bridge': SOURCE_TREE, 'interop_msgs': SOURCE_TREE / 'interop_msgs'}


def prefixes() -> list[Path]:
    """The install prefixes to search, in order: AMENT_PREFIX_PATH, then sys.prefix."""
    entries = [*os.environ.get('AMENT_PREFIX_PATH', '').split(os.pathsep), sys.prefix]
    return list(dict.fromkeys(Path(entry) for entry in entries if entry))


def installed_paths(package: str, relative: str = '') -> list[Path]:
    """Every existing share/<package>/<relative> under the prefixes, in prefix order."""
    found = [prefix / 'share' / package / relative for prefix in prefixes()]
    return [path for path in found if path.exists()]


def share_paths(package: str, relative: str = '') -> list[Path]:
    """Every existing share/<package>/<relative> (this repository's: source tree first)."""
    source = SOURCE_PACKAGES.get(package)
    in_source = [source / relative] if source is not None and (source / relative).exists() \
        else []
    return [*in_source, *installed_paths(package, relative)]


def share_path(package: str, relative: str = '', *, installed_first: bool = False) -> Path:
    """The first share/<package>/<relative>; UnknownNameError says where it looked.

    `installed_first`: what `ros2 run` and `$(find-pkg-share)` see (an installed package
    before this repository's source tree).
    """
    found = share_paths(package, relative)
    if installed_first:
        found = [*installed_paths(package, relative), *found]
    if not found:
        where = ', '.join(str(prefix) for prefix in prefixes()) or 'no prefix'
        msg = (f'{package!r}: no share/{package}/{relative} under AMENT_PREFIX_PATH ({where}); '
               'is its workspace sourced?')
        raise UnknownNameError(msg)
    return found[0]


def package_msg_dir(package: str) -> Path:
    """share/<package>/msg of an installed message package."""
    return share_path(package, 'msg')


def message_class(typename: str) -> type:
    """The generated Python class of a ROS type 'pkg/msg/Name' (or 'pkg/srv/Name')."""
    package, kind, name = typename.split('/')
    try:
        module = importlib.import_module(f'{package}.{kind}')
        return getattr(module, name)  # type: ignore[no-any-return]
    except (ImportError, AttributeError) as err:
        msg = (f'message type {typename!r} has no Python class ({err}); is the package built '
               'and its workspace sourced?')
        raise UnknownNameError(msg) from err
