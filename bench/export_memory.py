"""Peak memory of `interop export` against episode length: one long episode per bag.

    python bench/export_memory.py                          # 10, 30, 60 min state-only + camera
    python bench/export_memory.py --minutes 10 60 --camera-minutes
    python bench/export_memory.py --baseline /tmp/old      # also a tree of another revision

Each bag (bench/export_bags.py: Unitree G1 LowState at 500 Hz, no episode events) is exported
as ONE episode (--task) by a fresh `interop export` process (bench/export_measure.py cli), and
its peak RSS (VmHWM) printed; episodes over 512 s are written in parts, and the exporter
assembles them segment by segment (export/episode_stream.py), so memory should stay flat past
one part. `--camera-minutes` adds bags with one 640x480 rgb8 camera recorded at
`--camera-hz` (default 2 Hz: a 30 fps camera for an hour would be 100 GB of bag; every
dataset row still gets an image, so the encoder sees 30 frames/s of video). `--baseline TREE`
runs TREE's own bench/export_measure.py on the same bag right before ours (interleaved), e.g.
a `git archive` of an earlier commit. Results: out/bench/export_memory.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from export_bags import PROFILE, BagSpec, write_bag  # noqa: E402

RESULT = 'RESULT '


def measure(tree: Path, bag: Path, out: Path, vcodec: str) -> dict[str, Any]:
    """One `interop export` of `bag` by `tree`'s code, in its own process."""
    if out.exists():
        shutil.rmtree(out)
    argv = [sys.executable, str(tree / 'bench' / 'export_measure.py'), 'cli', '--', 'export',
            str(bag), '--out', str(out), '--profile', PROFILE, '--task', 'walk around',
            '--vcodec', vcodec]
    done = subprocess.run(argv, cwd=tree, capture_output=True, text=True, check=False)
    shutil.rmtree(out, ignore_errors=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT)]
    if done.returncode or not lines:
        message = f'{" ".join(argv)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}'
        raise SystemExit(message)
    result: dict[str, Any] = json.loads(lines[-1][len(RESULT):])
    return result


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Every bag: generated, exported (baseline first when asked), deleted unless --keep."""
    out = Path(args.out)
    specs = [BagSpec(f'g1_{minutes:g}min_one_episode', minutes, events=False)
             for minutes in args.minutes]
    specs += [BagSpec(f'g1_{minutes:g}min_one_episode_camera', minutes, events=False,
                      camera_hz=args.camera_hz) for minutes in args.camera_minutes]
    rows = []
    for spec in specs:
        bag = out / 'export_bags' / spec.name
        if not bag.exists():
            write_bag(bag, spec, 'mcap')
        row: dict[str, Any] = {'bag': spec.name, 'minutes': spec.minutes,
                               'camera': bool(spec.camera_hz), 'vcodec': args.vcodec}
        trees = ([('baseline', Path(args.baseline))] if args.baseline else []) + \
            [('this tree', REPO)]
        for label, tree in trees:
            result = measure(tree, bag, out / 'export_datasets' / spec.name, args.vcodec)
            row[label] = result
            print(f'{spec.name:<36} {label:<9} peak RSS {result["peak_rss_mb"]:7.1f} MB, '
                  f'{result["wall_s"]:6.1f} s', flush=True)
        rows.append(row)
        if not args.keep:
            shutil.rmtree(bag, ignore_errors=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    """Measure and print; the figures also go to out/bench/export_memory.json."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--minutes', type=float, nargs='*', default=[10.0, 30.0, 60.0])
    parser.add_argument('--camera-minutes', type=float, nargs='*', default=[10.0, 30.0])
    parser.add_argument('--camera-hz', type=int, default=2)
    parser.add_argument('--vcodec', default='libsvtav1')
    parser.add_argument('--baseline', metavar='TREE', help='also measure this source tree')
    parser.add_argument('--keep', action='store_true', help='keep the generated bags')
    parser.add_argument('--out', default=str(REPO / 'out' / 'bench'))
    args = parser.parse_args(argv)
    rows = run(args)
    path = Path(args.out) / 'export_memory.json'
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({'command': ' '.join(sys.argv), 'rows': rows}, indent=2) + '\n')
    print(f'written to {path}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
