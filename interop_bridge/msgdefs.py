"""Message definitions for the numpy codecs: ROS 2 Jazzy types plus installed packages.

A vendor's packages (unitree_hg, booster_interface ...) are found like ROS finds them:
share/<package>/msg/*.msg under every prefix of AMENT_PREFIX_PATH. The exporter does not need
this: it takes definitions from the bag itself.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from rosbags.typesys import Stores, get_typestore

from interop_bridge.ament import package_msg_dir
from interop_bridge.export.typestore import (
    TypeDefinitions, interop_types, msg_files_types, register)


@functools.lru_cache(maxsize=8)
def _fielddefs(packages: tuple[str, ...]) -> TypeDefinitions:
    store = get_typestore(Stores.ROS2_JAZZY)
    register(store, dict(interop_types()), 'interop_msgs/msg/*.msg')
    for package in packages:
        directory = package_msg_dir(package)
        register(store, msg_files_types(sorted(directory.glob('*.msg')), package),
                 str(directory))
    return store.fielddefs


def fielddefs_for(typenames: Iterable[str]) -> TypeDefinitions:
    """Definitions of the given types and everything they use ('pkg/msg/Name' each)."""
    builtin = {'builtin_interfaces', 'std_msgs', 'geometry_msgs', 'sensor_msgs', 'interop_msgs',
               'diagnostic_msgs', 'std_srvs', 'nav_msgs', 'trajectory_msgs'}
    packages = sorted({name.split('/')[0] for name in typenames} - builtin)
    return _fielddefs(tuple(packages))
