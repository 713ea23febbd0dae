"""A real export of a physically consistent G1 recording (test/physical_bags.py: commands, one
camera, a still start then a swing inside the limits) for the certify tests (each copies it)."""

from __future__ import annotations

import shutil
from pathlib import Path

import physical_bags
import pytest

from interop_bridge.export.exporter import ExportRequest, export_recordings

G1 = 'unitree_g1_29dof'


@pytest.fixture(scope='session')
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp('certify')
    bag = physical_bags.write_physical_bag(base / 'bag')
    out = base / 'ds'
    export_recordings(ExportRequest(bags=(bag,), out=out, profile=G1, vcodec='libx264'),
                      [].append)
    return out


@pytest.fixture
def dataset(exported: Path, tmp_path: Path) -> Path:
    """A fresh copy of the exported dataset."""
    return Path(shutil.copytree(exported, tmp_path / 'ds'))
