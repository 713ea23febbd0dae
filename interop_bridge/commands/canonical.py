"""`interop canonical`: print the canonical interface."""

from __future__ import annotations

import argparse
from typing import Any

from interop_bridge.canonical import load_canonical
from interop_bridge.describe import hand_table, joint_table, summarize_canonical, topic_table


def run(args: argparse.Namespace) -> int:
    """Print the canonical interface (summary or Markdown tables)."""
    spec = load_canonical(args.spec)
    if args.markdown:
        print('\n\n'.join([joint_table(spec), hand_table(spec), topic_table(spec)]))
    else:
        print(summarize_canonical(spec))
    return 0


def register(commands: Any) -> None:
    """Add `canonical` to the CLI."""
    parser = commands.add_parser('canonical', help='print the canonical interface')
    parser.add_argument('--spec', help='path to a canonical.yaml (default: the shipped one)')
    parser.add_argument('--markdown', action='store_true', help='print Markdown tables')
    parser.set_defaults(run=run)
