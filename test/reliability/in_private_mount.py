"""Run one export onto a small or read-only file system of its own, and say what happened.

Started under `unshare --mount` by test_file_system_failures.py: the tmpfs mounted here exists
only in this process's mount namespace, so nothing is left mounted when it ends, whatever
happens. Prints one JSON object: the export's exit status and stderr, and a digest and listing
of the mount before and after.

usage: in_private_mount.py MODE SIZE MOUNTPOINT BAG PROFILE [DATASET]
  MODE   read-only | full   (the file system is remounted read-only, or is SIZE bytes)
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # test/, for reliability.*
from reliability.judging import tree_digest  # noqa: E402 - after the path it needs


def mount(point: Path, options: str) -> None:
    subprocess.run(['mount', '-t', 'tmpfs', '-o', options, 'tmpfs', str(point)], check=True)


def main(mode: str, size: str, point: str, bag: str, profile: str, dataset: str = '') -> None:
    root = Path(point)
    mount(root, f'size={size}')
    out = root / 'dataset'
    if dataset:
        shutil.copytree(dataset, out)
    if mode == 'read-only':
        mount(root, 'remount,ro')
    before = (tree_digest(out), sorted(p.name for p in root.iterdir()))
    export = subprocess.run(
        [sys.executable, '-m', 'interop_bridge.cli', 'export', bag, '--profile', profile,
         '--task', 'wave', '--out', str(out)], capture_output=True, text=True, timeout=120)
    after = (tree_digest(out), sorted(p.name for p in root.iterdir()))
    print(json.dumps({'returncode': export.returncode, 'stderr': export.stderr,
                      'before': before, 'after': after}))


if __name__ == '__main__':
    main(*sys.argv[1:])
