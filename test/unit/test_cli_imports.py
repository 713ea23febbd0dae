"""`interop` starts fast: the parser imports no heavy library, an export only what it needs.

Checked on module names in a fresh interpreter (what a new `interop` process imports), never on
times: the sub-command modules register their parsers with argparse alone and import their
work when run; PyAV is imported by the first camera frame, matplotlib by `interop report`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import process_groups
from ros_process import REPO

HEAVY = ('pyarrow', 'pandas', 'av', 'matplotlib', 'scipy', 'rclpy', 'torch')

# Prints the top-level packages among argv[1:] that are imported after the snippet before it.
REPORT = """
import json
print(json.dumps(sorted({name.split('.')[0] for name in sys.modules} & set(sys.argv[1:]))))
"""

PARSER = """import sys
import interop_bridge.cli as cli
cli.build_parser()
""" + REPORT

EXPORTER = """import sys
import interop_bridge.export.exporter
""" + REPORT

STATE_ONLY_EXPORT = """import sys
from pathlib import Path
sys.path.insert(0, 'test')
from bag_factory import write_vendor_bag
from interop_bridge.cli import main
bag = write_vendor_bag(Path(sys.argv[-2]), 'unitree_g1_29dof', duration_s=1.0, camera=False)
assert main(['export', str(bag), '--profile', 'unitree_g1_29dof', '--task', 't',
             '--out', sys.argv[-1]]) == 0
sys.argv = sys.argv[:-2]
""" + REPORT


def imported(snippet: str, names: tuple[str, ...], *extra: str) -> list[str]:
    """The packages among `names` that `snippet` leaves imported in a new interpreter."""
    result = process_groups.run([sys.executable, '-c', snippet, *names, *extra], timeout=60,
                                cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    printed: list[str] = json.loads(result.stdout.strip().splitlines()[-1])
    return printed


def test_building_the_parser_imports_none_of_the_heavy_libraries():
    assert imported(PARSER, HEAVY) == []


def test_importing_the_exporter_imports_neither_pyav_pandas_matplotlib_nor_ros():
    assert imported(EXPORTER, ('pandas', 'av', 'matplotlib', 'rclpy', 'torch')) == []


def test_an_export_without_cameras_never_imports_pyav_or_matplotlib(tmp_path: Path):
    names = ('av', 'matplotlib', 'rclpy', 'torch')
    assert imported(STATE_ONLY_EXPORT, names, str(tmp_path / 'bag'), str(tmp_path / 'ds')) == []
