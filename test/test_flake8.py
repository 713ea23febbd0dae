"""The code follows ROS's Python style (ament_flake8 settings in setup.cfg)."""

from __future__ import annotations

import sys

import process_groups
from ros_process import REPO


def test_flake8_finds_nothing_in_the_package_tests_scripts_and_benchmarks():
    result = process_groups.run([sys.executable, '-m', 'flake8', 'interop_bridge', 'test',
                                 'scripts', 'bench', 'setup.py'], timeout=50, cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
