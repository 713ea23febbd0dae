"""Judging a case from outside: what a command printed and returned, what it left on disk.

`run_cli` runs the real `interop` command line in this process (its `main`, as the console
script does), so an exception that would be a traceback for a user escapes here and is caught
and kept. `dataset_problems` reads a dataset with pyarrow, not with the project's reader, and
holds its values against physical bounds that no humanoid reaches.
"""

from __future__ import annotations

import hashlib
import io
import math
import traceback
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from reliability.outcomes import CLEAR_ERROR, HANDLED, TRACEBACK

from interop_bridge import cli

# Bounds no humanoid reading reaches (outside truth, not the profiles): joint angles within one
# turn either way; 100 rad/s (the fastest humanoid joints stay below 40); 2000 N·m (the largest
# humanoid joint torques are a few hundred, H1's knee 360 N·m); an IMU's full scale (2000 deg/s
# = 34.9 rad/s, 16 g = 157 m/s^2); 10 kN on a foot (over 10 times a heavy humanoid's weight).
PHYSICAL_BOUNDS = {
    'observation.state': 2 * math.pi, 'action': 2 * math.pi,
    'observation.velocity': 100.0, 'observation.effort': 2000.0,
    'observation.imu.angular_velocity': 34.9, 'observation.imu.linear_acceleration': 157.0,
    'observation.wrench': 10_000.0}


@dataclass(frozen=True)
class CliRun:
    """One run of the command line: its status, what it printed, what escaped it."""

    returncode: int
    stdout: str
    stderr: str
    escaped: str  # the traceback of an exception that left main(), '' when none did

    def result(self) -> str:
        """CLEAR_ERROR, HANDLED or TRACEBACK (a failure without exactly one error line too)."""
        if self.escaped or 'Traceback (most recent call last)' in self.stderr:
            return TRACEBACK
        if self.returncode == 0:
            return HANDLED
        return CLEAR_ERROR if self.error_lines() == 1 else TRACEBACK

    def error_lines(self) -> int:
        return sum(line.startswith('error: ') for line in self.stderr.splitlines())

    def said(self) -> str:
        """The error line (or the escaped exception's last line) for the table's details."""
        lines = [line for line in (self.escaped or self.stderr).splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith('error: ')]
        return (errors or lines or [f'exit {self.returncode}'])[-1][:200]


def run_cli(*argv: object) -> CliRun:
    """`interop ARGV...` in this process, its output captured."""
    stdout, stderr = io.StringIO(), io.StringIO()
    escaped = ''
    with redirect_stdout(stdout), redirect_stderr(stderr):
        try:
            returncode = cli.main([str(arg) for arg in argv])
        except SystemExit as exit_:  # argparse's usage errors
            returncode = exit_.code if isinstance(exit_.code, int) else 1
        except Exception:  # noqa: BLE001 - what a user would see as a traceback is the finding
            escaped, returncode = traceback.format_exc(), 1
    return CliRun(returncode, stdout.getvalue(), stderr.getvalue(), escaped)


def worst(*results: str) -> str:
    """The worst of several results: a traceback beats a clear error beats handled."""
    order = (HANDLED, CLEAR_ERROR, TRACEBACK)
    return max(results, key=order.index)


def tree_digest(path: Path) -> str:
    """A digest of every file under `path` (names and bytes); '' when `path` does not exist."""
    if not path.exists():
        return ''
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob('*') if p.is_file()):
        digest.update(str(file.relative_to(path)).encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


def staging_leftovers(parent: Path) -> list[str]:
    """Hidden staging folders of unfinished writes next to the datasets in `parent`."""
    return sorted(entry.name for entry in parent.iterdir()
                  if entry.name.startswith('.') and 'staging' in entry.name)


def dataset_problems(dataset: Path) -> list[str]:
    """What is wrong with a finished dataset: `interop validate` fails, or impossible values."""
    validated = run_cli('validate', dataset)
    found = [] if validated.returncode == 0 else [f'validate: {validated.said()}']
    files = sorted((dataset / 'data').rglob('*.parquet'))
    if not files:
        found.append('no data files')
    for file in files:
        found.extend(f'{file.name}: {problem}' for problem in _value_problems(file))
    return found


def _value_problems(file: Path) -> list[str]:
    table = pq.read_table(file)
    found = []
    for name in table.column_names:
        column = table.column(name)
        try:
            values = np.asarray(column.to_pylist(), dtype=np.float64)
        except (TypeError, ValueError):
            continue  # not numbers (strings)
        if not np.isfinite(values).all():
            found.append(f'{name} holds non-finite values')
        bound = PHYSICAL_BOUNDS.get(name)
        if bound is not None and np.nanmax(np.abs(values), initial=0.0) > bound:
            found.append(f'{name} reaches {np.nanmax(np.abs(values)):.3g} (bound {bound})')
    return found
