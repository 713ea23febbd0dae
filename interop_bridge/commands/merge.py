"""`interop merge --out OUT DS1 DS2 ...`: merge datasets of the canonical schema into one."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

EPILOG = """The datasets must share one schema (features, joint names, fps, cameras, video
codec and size); they may come from different robots. robot_type becomes the robots joined
with '+', meta/interop.json keeps each episode's robot. OUT is written atomically.

examples:
  interop merge --out out/all out/g1_pick out/t1_pick
"""


def run(args: argparse.Namespace) -> int:
    """Merge the datasets, printing progress every 100 episodes and a summary."""
    from interop_bridge.dataset.merge import merge_datasets  # pyarrow, PyAV: only for a merge

    def progress(episode_index: int) -> None:
        if (episode_index + 1) % 100 == 0:
            print(f'  {episode_index + 1} episodes merged', flush=True)

    print(f'merging {len(args.datasets)} datasets into {args.out}', flush=True)
    summary = merge_datasets(args.out, args.datasets, progress)
    print(f'wrote {summary.root}: {summary.total_episodes} episodes, '
          f'{summary.total_frames} frames')
    return 0


def register(commands: Any) -> None:
    """Add `merge` to the CLI."""
    parser = commands.add_parser(
        'merge', help='merge datasets of the canonical schema into a new dataset',
        description=__doc__, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--out', required=True, type=Path, help='the new dataset directory')
    parser.add_argument('datasets', nargs='+', type=Path, help='the datasets to merge, in order')
    parser.set_defaults(run=run)
