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

# Module names in full (pyarrow.compute, not pyarrow).
REPORT_MODULES = """
import json
print(json.dumps(sorted(set(sys.modules) & set(sys.argv[1:]))))
"""

STATE_ONLY_EXPORT_MODULES = STATE_ONLY_EXPORT.replace(REPORT, REPORT_MODULES)

APPENDING_EXPORT = """import sys
from pathlib import Path
sys.path.insert(0, 'test')
from bag_factory import write_vendor_bag
from interop_bridge.cli import main
bag = write_vendor_bag(Path(sys.argv[-2]), 'unitree_g1_29dof', duration_s=1.0, camera=False)
for task in ('t', 'u'):
    assert main(['export', str(bag), '--profile', 'unitree_g1_29dof', '--task', task,
                 '--out', sys.argv[-1]]) == 0
sys.argv = sys.argv[:-2]
""" + REPORT_MODULES


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


def test_an_export_without_cameras_never_imports_pyav_pandas_or_matplotlib(tmp_path: Path):
    """pandas comes with any pyarrow call that asks whether a value is a pandas object
    (`pa.array`, `Table.from_pylist`, `pq.read_table`, `to_numpy`): dataset/arrow_values.py
    builds and reads the arrays from buffers instead."""
    names = ('av', 'pandas', 'matplotlib', 'scipy', 'rclpy', 'torch')
    assert imported(STATE_ONLY_EXPORT, names, str(tmp_path / 'bag'), str(tmp_path / 'ds')) == []


def test_an_export_without_cameras_never_imports_pyarrow_compute_or_dataset(tmp_path: Path):
    """`Table.cast` and `flatten` import pyarrow.compute, `pq.read_table` pyarrow.dataset."""
    names = ('pyarrow.compute', 'pyarrow.dataset', 'pyarrow.pandas_compat')
    assert imported(STATE_ONLY_EXPORT_MODULES, names, str(tmp_path / 'bag'),
                    str(tmp_path / 'ds')) == []


def test_appending_to_a_dataset_imports_no_pandas(tmp_path: Path):
    """A second export into the same dataset reads its tasks, episodes and data back."""
    names = ('av', 'pandas', 'pyarrow.compute', 'pyarrow.dataset')
    assert imported(APPENDING_EXPORT, names, str(tmp_path / 'bag'), str(tmp_path / 'ds')) == []
