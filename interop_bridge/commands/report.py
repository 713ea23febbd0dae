"""`interop report`: a quality report of a dataset, with plots.

Examples:
  interop report out/demo/dataset --out out/demo/report
"""

from __future__ import annotations

import argparse
from typing import Any


def run(args: argparse.Namespace) -> int:
    """Write the report and say where it is."""
    from interop_bridge.dataset.report import write_report  # matplotlib: only for a report

    path = write_report(args.dataset, args.out)
    print(path.read_text().split('\n![')[0].rstrip())
    print(f'\nreport: {path} (plots beside it)')
    return 0


def register(commands: Any) -> None:
    """Add `report` to the CLI."""
    parser = commands.add_parser('report', help='write a quality report with plots',
                                 description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('dataset', help='a dataset directory')
    parser.add_argument('--out', required=True, help='directory for report.md and the plots')
    parser.set_defaults(run=run)
