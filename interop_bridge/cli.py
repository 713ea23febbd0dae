"""The `interop` command line: one sub-command per task, errors as one line.

Examples:
  interop canonical                       print the canonical interface summary
  interop canonical --markdown            the joint, hand and topic tables as Markdown
  interop <command> --help                usage of one command, with examples
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Callable, Sequence

from interop_bridge import commands as command_package
from interop_bridge.errors import InteropError

# What a sub-command module's register() sets as its parser's `run` default.
Command = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command found in interop_bridge.commands."""
    parser = argparse.ArgumentParser(
        prog='interop', description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest='command', required=True, metavar='COMMAND')
    for module_info in sorted(pkgutil.iter_modules(command_package.__path__),
                              key=lambda info: info.name):
        module = importlib.import_module(f'{command_package.__name__}.{module_info.name}')
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one sub-command; project errors become 'error: ...' and exit status 1."""
    args = build_parser().parse_args(argv)
    try:
        # argparse attributes are Any; every sub-command sets run=<its Command> (set_defaults).
        run: Command = args.run
        return run(args)
    except InteropError as err:
        print(f'error: {err}', file=sys.stderr)
        return 1


if __name__ == '__main__':
    sys.exit(main())
