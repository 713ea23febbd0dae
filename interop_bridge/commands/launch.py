"""`interop launch`: start the processes of a YAML launch file (where `ros2 launch` is missing).

Examples:
  interop launch launch/bridge.launch.yaml robot:=unitree_g1_29dof
  interop launch launch/two_robot_demo.launch.yaml --duration 30
  interop launch launch/two_robot_demo.launch.yaml --until canonical_controller
  interop launch launch/two_robot_demo.launch.yaml --print
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from interop_bridge.launch_file import NodeSpec, command_line, read_launch

STOP_GRACE_S = 10.0


def _parse_arguments(items: list[str]) -> dict[str, str]:
    pairs = {}
    for item in items:
        name, separator, value = item.partition(':=')
        if not separator:
            msg = f'launch arguments look like name:=value, got {item!r}'
            raise argparse.ArgumentTypeError(msg)
        pairs[name] = value
    return pairs


def _forward_output(process: subprocess.Popen[str], label: str) -> None:
    for line in process.stdout:  # type: ignore[union-attr]
        sys.stdout.write(f'[{label}] {line}')
        sys.stdout.flush()


def start_nodes(nodes: list[NodeSpec]) -> list[tuple[NodeSpec, subprocess.Popen[str]]]:
    """Start every node as its own process group, its output prefixed with its name.

    Own groups: a terminal's Ctrl-C reaches the launcher only, which stops every node in
    order, and a node's own children are stopped with it.
    """
    started = []
    for node in nodes:
        process = subprocess.Popen(command_line(node), stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True, bufsize=1,
                                   start_new_session=True)
        label = f'{node.namespace.strip("/")}/{node.name}'.strip('/')
        threading.Thread(target=_forward_output, args=(process, label), daemon=True).start()
        started.append((node, process))
    return started


def stop_nodes(started: list[tuple[NodeSpec, subprocess.Popen[str]]]) -> int:
    """SIGINT every process group, wait, kill stragglers; the worst exit status."""
    for _, process in started:
        _signal_group(process, signal.SIGINT)
    deadline = time.monotonic() + STOP_GRACE_S
    worst = 0
    for node, process in started:
        try:
            status = process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            status = process.wait()
            print(f'launch: {node.name} ignored SIGINT and was killed', file=sys.stderr)
        _signal_group(process, signal.SIGKILL)  # whatever the node left in its group
        worst = max(worst, abs(status))
    return worst


def _signal_group(process: subprocess.Popen[str], sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass  # the group is gone: nothing left to signal


def run(args: argparse.Namespace) -> int:
    """Start the launch file's processes; stop them on Ctrl-C, SIGTERM or after --duration."""
    nodes = read_launch(Path(args.file), _parse_arguments(args.arguments))
    if args.until and args.until not in {node.name for node in nodes}:
        print(f'launch: no node named {args.until!r} in {args.file}', file=sys.stderr)
        return 1
    if args.print:
        for node in nodes:
            print(' '.join(command_line(node)))
        return 0
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):  # a second Ctrl-C must not interrupt stopping
        signal.signal(sig, lambda *_: stop.set())
    started = start_nodes(nodes)
    try:
        deadline = time.monotonic() + args.duration if args.duration else None
        while not stop.is_set() and (deadline is None or time.monotonic() < deadline):
            if any(process.poll() not in (None, 0) for _, process in started):
                break
            if all(process.poll() is not None for _, process in started):
                break
            if args.until and any(node.name == args.until and process.poll() == 0
                                  for node, process in started):
                break
            stop.wait(0.2)
    finally:
        status = stop_nodes(started)
    failed = [node.name for node, process in started if process.returncode not in (None, 0)
              and -process.returncode not in (signal.SIGINT, signal.SIGKILL)]
    if failed:
        print(f'launch: {", ".join(failed)} exited with an error', file=sys.stderr)
        return 1
    return 1 if status else 0


def register(commands: Any) -> None:
    """Add `launch` to the CLI."""
    parser = commands.add_parser('launch', help='start the processes of a YAML launch file',
                                 description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('file', help='a .launch.yaml file')
    parser.add_argument('arguments', nargs='*', help='launch arguments name:=value')
    parser.add_argument('--duration', type=float, default=0.0,
                        help='stop everything after this many seconds (default: run until '
                        'Ctrl-C)')
    parser.add_argument('--until', metavar='NODE',
                        help='stop everything once this node has exited successfully')
    parser.add_argument('--print', action='store_true',
                        help='print the command lines instead of starting them')
    parser.set_defaults(run=run)
