"""Rewrite the wheel builder's include paths in the ROS wheels' exported CMake targets.

The ros-jazzy-* message wheels were built under /opt/python/cp311-cp311 and their
share/<pkg>/cmake/*Export.cmake files still name that interpreter's include directory and
numpy's. CMake refuses a target whose include directory does not exist, so the first
rosidl_generate_interfaces() fails. This script points them at this venv's own directories.
Running it twice changes nothing the second time.
"""

from __future__ import annotations

import re
import sys
import sysconfig
from pathlib import Path

import numpy

# Any foreign CPython include dir and any numpy include dir below a foreign site-packages.
FOREIGN_NUMPY = re.compile(r'/opt/python/[^;"\s]*/site-packages/numpy/(?:_)?core/include')
FOREIGN_PYTHON = re.compile(r'/opt/python/[^;"\s]*/include/python3\.\d+')


def fix_file(path: Path, python_include: str, numpy_include: str) -> bool:
    """Rewrite one export file in place; return whether it changed."""
    text = path.read_text()
    fixed = FOREIGN_NUMPY.sub(numpy_include, text)
    fixed = FOREIGN_PYTHON.sub(python_include, fixed)
    if fixed == text:
        return False
    path.write_text(fixed)
    return True


def main(prefix: str) -> int:
    """Fix every *Export.cmake below <prefix>/share and report how many changed."""
    python_include = sysconfig.get_paths()['include']
    numpy_include = numpy.get_include()
    files = sorted(Path(prefix, 'share').glob('*/cmake/*Export.cmake'))
    changed = sum(fix_file(path, python_include, numpy_include) for path in files)
    print(f'fix_wheel_cmake: {changed} of {len(files)} export files rewritten')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else sys.prefix))
