"""`interop validate <dataset>`: check a LeRobotDataset v3.0 and print one line per check."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from interop_bridge.errors import ExportError

EPILOG = """checks: {checks}

examples:
  interop validate out/g1_pick            validate one dataset (exit status 1 if invalid)
"""


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Names the checks in the epilog when the help is shown (importing them is slow)."""

    def add_text(self, text: str | None) -> None:
        """The epilog with the check names filled in; any other text as it is."""
        if text == EPILOG:
            from interop_bridge.dataset.validate import CHECKS
            text = EPILOG.format(checks=', '.join(name for name, _, _ in CHECKS))
        super().add_text(text)


def run(args: argparse.Namespace) -> int:
    """Validate the dataset and print the report; 0 if valid, 1 otherwise."""
    if not args.dataset.is_dir():
        msg = f'{args.dataset}: no such dataset directory'
        raise ExportError(msg)
    from interop_bridge.dataset.validate import validate_dataset  # pyarrow, pandas, PyAV

    print(f'dataset {args.dataset} (the video checks decode every MP4 once)', flush=True)
    report = validate_dataset(args.dataset, lambda result: print(result.line(), flush=True))
    print(report.verdict)
    return 0 if report.ok else 1


def register(commands: Any) -> None:
    """Add `validate` to the CLI."""
    parser = commands.add_parser(
        'validate', help='check a LeRobotDataset v3.0 (grid, videos, indices, tasks, stats)',
        description=__doc__, epilog=EPILOG, formatter_class=_HelpFormatter)
    parser.add_argument('dataset', type=Path, help='the dataset directory')
    parser.set_defaults(run=run)
