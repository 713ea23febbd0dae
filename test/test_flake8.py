"""The code follows ROS's Python style (ament_flake8 settings in setup.cfg)."""

from __future__ import annotations

import subprocess
import sys

from ros_process import REPO


def test_flake8_finds_nothing_in_the_package_tests_scripts_and_benchmarks():
    result = subprocess.run([sys.executable, '-m', 'flake8', 'interop_bridge', 'test',
                             'scripts', 'bench', 'setup.py'],
                            cwd=REPO, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
