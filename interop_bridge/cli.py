"""The `interop` command line: one sub-command per task, errors as one line.

Examples:
  interop canonical                       print the canonical interface summary
  interop canonical --markdown            the joint, hand and topic tables as Markdown
  interop <command> --help                usage of one command, with examples

Every failure ends with one `error: ...` line on stderr and a non-zero exit status, no
traceback: a project error or a file-system error (read-only, disk full, missing file) exits 1,
Ctrl-C (SIGINT) at any moment exits 130 (`error: interrupted`), also while the sub-commands are
still being imported (then the exit is by SIGINT, which a shell also shows as 130: a Ctrl-C that
lands inside an extension module's own start-up code makes Python end that way even after the
interrupt was handled). A reader that stops early (`interop canonical --markdown | head`) is
not an error of ours: the rest of the output is dropped without a message and the exit status
is 141, what a shell shows for a writer ended by SIGPIPE (Python's recommended handling: point
stdout at /dev/null so the final flush cannot fail again).
"""

from __future__ import annotations

from interop_bridge.interrupts import interrupted_meanwhile, quiet_interrupts, was_interrupted

quiet_interrupts('error: interrupted')  # before anything slow is imported

import argparse  # noqa: E402
import importlib  # noqa: E402
import os  # noqa: E402
import pkgutil  # noqa: E402
import select  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402

from interop_bridge import commands as command_package  # noqa: E402
from interop_bridge.errors import InteropError  # noqa: E402

# What a sub-command module's register() sets as its parser's `run` default.
Command = Callable[[argparse.Namespace], int]
EXIT_ERROR = 1
EXIT_INTERRUPTED = 130  # 128 + SIGINT
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE


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


def os_error_text(error: OSError) -> str:
    """'<file>: <reason>' of an OSError ('<reason>' when it names no file)."""
    reason = error.strerror or str(error) or type(error).__name__
    names = [str(name) for name in (error.filename, error.filename2) if name is not None]
    return ': '.join([' -> '.join(names), reason] if names else [reason])


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    if interrupted_meanwhile():  # a Ctrl-C that Python had to ignore while importing
        msg = 'SIGINT while importing'
        raise KeyboardInterrupt(msg)
    args = parser.parse_args(argv)
    # argparse attributes are Any; every sub-command sets run=<its Command> (set_defaults).
    run: Command = args.run
    status = run(args)
    sys.stdout.flush()  # a reader that went away shows here, not in the interpreter's exit
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """Run one sub-command; every failure becomes one 'error: ...' line and exit status != 0."""
    try:
        return _run(argv)
    except KeyboardInterrupt:
        _say('error: interrupted')
        return EXIT_INTERRUPTED
    except BrokenPipeError as error:
        if not stdout_closed():
            _say(f'error: {os_error_text(error)}')
            return EXIT_ERROR
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except InteropError as error:
        _say(f'error: {error}')
        return EXIT_ERROR
    except OSError as error:
        _say(f'error: {os_error_text(error)}')
        return EXIT_ERROR
    except Exception:
        if not was_interrupted():
            raise  # a bug: its traceback is what to report
        # A Ctrl-C that an extension module's start-up turned into another error.
        _say('error: interrupted')
        return EXIT_INTERRUPTED


def stdout_closed() -> bool:
    """Whether stdout is a pipe or socket whose reader has gone (poll reports an error)."""
    try:
        descriptor = sys.stdout.fileno()
    except (AttributeError, ValueError, OSError):
        return False  # replaced by an object without a descriptor (tests' capture)
    poller = select.poll()
    poller.register(descriptor, 0)
    return any(events & (select.POLLERR | select.POLLHUP) for _, events in poller.poll(0))


def _silence_stdout() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _say(line: str) -> None:
    try:
        print(line, file=sys.stderr, flush=True)
    except BrokenPipeError:
        # stderr's reader has gone too: nobody is left to tell; the exit status still says it.
        _silence_stdout()


if __name__ == '__main__':
    sys.exit(main())
