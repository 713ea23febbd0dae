"""`interop validate <dataset>`: check a LeRobotDataset v3.0 and print one line per check."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from interop_bridge.errors import ExportError
from interop_bridge.dataset.validate import CHECKS, validate_dataset

EPILOG = f"""checks: {', '.join(name for name, _, _ in CHECKS)}

examples:
  interop validate out/g1_pick            validate one dataset (exit status 1 if invalid)
"""


def run(args: argparse.Namespace) -> int:
    """Validate the dataset and print the report; 0 if valid, 1 otherwise."""
    if not args.dataset.is_dir():
        msg = f'{args.dataset}: no such dataset directory'
        raise ExportError(msg)
    print(f'dataset {args.dataset} (the video checks decode every MP4 once)', flush=True)
    report = validate_dataset(args.dataset, lambda result: print(result.line(), flush=True))
    print(report.verdict)
    return 0 if report.ok else 1


def register(commands: Any) -> None:
    """Add `validate` to the CLI."""
    parser = commands.add_parser(
        'validate', help='check a LeRobotDataset v3.0 (grid, videos, indices, tasks, stats)',
        description=__doc__, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('dataset', type=Path, help='the dataset directory')
    parser.set_defaults(run=run)
