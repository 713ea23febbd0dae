"""The `interop` command line: one sub-command per task, errors as one line.

Examples:
  interop canonical                 print the canonical interface summary
  interop canonical --markdown      print the joint, hand and topic tables as Markdown
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from interop_bridge.canonical import load_canonical
from interop_bridge.describe import hand_table, joint_table, summarize_canonical, topic_table
from interop_bridge.errors import InteropError

Command = Callable[[argparse.Namespace], int]


def run_canonical(args: argparse.Namespace) -> int:
    """Print the canonical interface (summary or Markdown tables)."""
    spec = load_canonical(args.spec)
    if args.markdown:
        print('\n\n'.join([joint_table(spec), hand_table(spec), topic_table(spec)]))
    else:
        print(summarize_canonical(spec))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = argparse.ArgumentParser(
        prog='interop', description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest='command', required=True, metavar='COMMAND')
    canonical = commands.add_parser('canonical', help='print the canonical interface')
    canonical.add_argument('--spec', help='path to a canonical.yaml (default: the shipped one)')
    canonical.add_argument('--markdown', action='store_true', help='print Markdown tables')
    canonical.set_defaults(run=run_canonical)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one sub-command; project errors become 'error: ...' and exit status 1."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except InteropError as err:
        print(f'error: {err}', file=sys.stderr)
        return 1


if __name__ == '__main__':
    sys.exit(main())
