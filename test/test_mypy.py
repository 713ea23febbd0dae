"""The package type-checks under mypy --strict (the [mypy] settings in setup.cfg)."""

from __future__ import annotations

import sys

import pytest

import process_groups
from ros_process import REPO


@pytest.mark.timeout(300)
def test_mypy_finds_no_type_error_in_the_package():
    result = process_groups.run([sys.executable, '-m', 'mypy'], timeout=240, cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
