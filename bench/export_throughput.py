"""Exporter benchmark: state throughput against a plain rosbags loop, video encode, peak memory.

    python bench/export_throughput.py                 # 10- and 60-minute 500 Hz G1 bags
    python bench/export_throughput.py --quick         # 1- and 3-minute bags, 10 s of video
    python bench/export_throughput.py --minutes 10 --storage sqlite3 --keep
    python bench/export_throughput.py --startup-only  # the start-up measure alone (~20 s)

First the start-up measure: a 6 s Unitree G1 bag with a camera and commands
(test/bag_factory.py write_vendor_bag) is exported by a fresh `python -m interop_bridge.cli
export` process and read by a fresh plain-loop process (rosbags AnyReader, every message of
every topic deserialized: export_measure.py loop), alternately, after one untimed run of each,
--startup-repeats (7) wall times each; target: the median export within 1.5x of the median
plain loop (start-up cost: imports, planning). Both processes run with Python's bytecode
cache (under out/bench/pycache, PYTHONDONTWRITEBYTECODE unset), as an installed interop_bridge
and rosbags have it; --no-pycache keeps the environment's setting instead (with
PYTHONDONTWRITEBYTECODE=1 every interop_bridge module is compiled again in every export,
while the plain loop's rosbags keeps the bytecode pip wrote).

For every length in --minutes a Unitree G1 vendor bag is generated (bench/export_bags.py:
unitree_hg/LowState at 500 Hz, an episode every 60 s) and measured, each in its own process:

  plain     rosbags AnyReader reading every LowState and deserialize_cdr on each (msgs/s),
            plus the same read without deserializing (the I/O floor)
  exporter  the exporter's state path on the same bag: plan + EpisodeBuilder (bulk numpy
            decode through the bridge's codec, mapping, resampling) without the writer (msgs/s)
  export    a full `interop export BAG --profile unitree_g1_29dof` (state only): wall time and
            peak RSS (VmHWM) of the process

Then: the shortest bag again without events, exported as ONE episode (--task), to show how
memory follows episode length; a short camera bag (640x480 rgb8, 30 fps) exported with
libsvtav1 and libx264 for the encoder's frames/s (WriteSummary.encode_fps); the peak RSS of
the exporter's imports alone. Bags go under out/bench/export_bags/ and are deleted after their
measurements unless --keep. Results: out/bench/export_throughput.{json,md}; with --profile (or
when the exporter misses the 3x target) a cProfile of the state path goes to
out/bench/export_profile.txt.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # measure the source tree, not an installed copy

from export_bags import PROFILE, BagSpec, write_bag  # noqa: E402
from export_report import (RATIO_TARGET, machine_description, markdown, state_row,  # noqa: E402
                           text_table, verdicts, write_outputs)

from interop_bridge.errors import InteropError  # noqa: E402

MEASURE = Path(__file__).resolve().parent / 'export_measure.py'
STARTUP_TARGET = 1.5  # `interop export` of a short bag within 1.5x of the plain rosbags loop
STARTUP_BAG_S = 6.0
STARTUP_REPEATS = 7
STATE_BYTES = 2200  # per LowState in a bag, record and index included (mcap ~2.13 KB)
IMAGE_BYTES = 640 * 480 * 3 + 200
DISK_MARGIN_BYTES = 2 * 1024**3


class ExportBenchError(InteropError):
    """The exporter benchmark could not run (no disk space, a measurement failed)."""


def child_env() -> dict[str, str]:
    """The environment of a measurement process: unbuffered, the source tree first."""
    return {**os.environ, 'PYTHONUNBUFFERED': '1', 'PYTHONPATH': os.pathsep.join(
        filter(None, [str(REPO), os.environ.get('PYTHONPATH')]))}


def run_child(title: str, argv: list[str], log: list[str] | None = None) -> dict[str, Any]:
    """Run one measurement process, echo its output indented, return its RESULT figures."""
    print(f'-> {title}', flush=True)
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, str(MEASURE), *argv], cwd=REPO, env=child_env(),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    result = None
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith('RESULT '):
            result = json.loads(line[len('RESULT '):])
        elif log is not None:
            log.append(line.rstrip('\n'))
        else:
            print(f'   {line.rstrip()}', flush=True)
    code = process.wait()
    if code != 0 or result is None or result.get('exit_code', 0) != 0:
        msg = (f'{title}: measurement failed (exit status {code}); see the '
               'output above')
        raise ExportBenchError(msg)
    print(f'   done in {time.monotonic() - started:.1f} s', flush=True)
    return result


def startup_env(out: Path, pycache: bool) -> dict[str, str]:
    """The start-up measure's environment: child_env, with a bytecode cache unless not asked."""
    env = child_env()
    if pycache:
        env.pop('PYTHONDONTWRITEBYTECODE', None)
        env['PYTHONPYCACHEPREFIX'] = str(out / 'pycache')  # the source tree stays clean
    return env


def process_seconds(argv: list[str], env: dict[str, str] | None = None) -> float:
    """Wall time of one process from its start to its exit (start-up included)."""
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=REPO, env=env or child_env(), stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ['no output'])[-1]
        msg = f'{shlex.join(argv)}: exit status {done.returncode}: {last}'
        raise ExportBenchError(msg)
    return seconds


def write_startup_bag(path: Path) -> Path:
    """The start-up measure's bag: 6 s of G1 LowState, camera and commands (the tests' own)."""
    sys.path.insert(0, str(REPO / 'test'))
    from bag_factory import write_vendor_bag

    if path.exists():
        shutil.rmtree(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_vendor_bag(path, PROFILE, duration_s=STARTUP_BAG_S, commands=True)


def startup_line(row: dict[str, Any]) -> str:
    """PASS/FAIL of the start-up target, with the figures that decide it (the medians)."""
    mark = 'PASS' if row['ratio'] <= STARTUP_TARGET else 'FAIL'
    cache = 'bytecode cached' if row['pycache'] else "the environment's bytecode setting"
    return (f'{mark} start-up: `interop export` of a {row["bag_s"]:g} s G1 bag with a camera '
            f'{row["export_s"]:.2f} s, {row["ratio"]:.2f}x the plain rosbags loop over the '
            f'same bag ({row["plain_s"]:.2f} s; whole processes, medians of '
            f'{row["repeats"]} each, {cache}; best {row["best_export_s"]:.2f} s / '
            f'{row["best_plain_s"]:.2f} s = {row["best_ratio"]:.2f}x; '
            f'target <= {STARTUP_TARGET:g}x)')


def startup_row(plain_runs: list[float], export_runs: list[float],
                pycache: bool) -> dict[str, Any]:
    """The start-up figures of the runs: medians decide, best of each shown too."""
    plain_s, export_s = statistics.median(plain_runs), statistics.median(export_runs)
    return {'bag_s': STARTUP_BAG_S, 'repeats': len(plain_runs), 'pycache': pycache,
            'plain_s': plain_s, 'export_s': export_s, 'ratio': export_s / plain_s,
            'best_plain_s': min(plain_runs), 'best_export_s': min(export_runs),
            'best_ratio': min(export_runs) / min(plain_runs),
            'plain_runs_s': plain_runs, 'export_runs_s': export_runs}


def check_disk(out: Path, specs: list[BagSpec], storage: str) -> None:
    """Refuse to start when the largest bag would not fit (bags are written one at a time)."""
    out.mkdir(parents=True, exist_ok=True)
    need = max(spec.state_messages * STATE_BYTES * (1.2 if storage == 'sqlite3' else 1.0)
               + spec.camera_frames * IMAGE_BYTES for spec in specs)
    free = shutil.disk_usage(out).free
    print(f'disk: {free / 1e9:.1f} GB free under {out}, largest bag ~{need / 1e9:.1f} GB')
    if free < need + DISK_MARGIN_BYTES:
        msg = (f'{out}: {free / 1e9:.1f} GB free, the largest bag needs '
               f'~{need / 1e9:.1f} GB plus {DISK_MARGIN_BYTES / 1e9:.0f} GB of '
               'margin; use smaller --minutes')
        raise ExportBenchError(msg)


def export_argv(bag: Path, dataset: Path, task: str | None = None) -> list[str]:
    """argv of the measurement child running `interop export` on a state-only bag."""
    argv = ['cli', '--', 'export', str(bag), '--out', str(dataset), '--profile', PROFILE]
    return argv + (['--task', task] if task else [])


class Bench:
    """One benchmark run: generates each bag, measures it, deletes it."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.out = Path(args.out)
        self.bags = self.out / 'export_bags'
        self.datasets = self.out / 'export_datasets'
        self.profiled = False

    def bag(self, spec: BagSpec) -> Path:
        """Generate one bag (timed, with % done)."""
        print(f'-> generating {spec.name}: {spec.state_messages} LowState'
              + (f', {spec.camera_frames} images' if spec.camera_hz else '')
              + (f', {spec.episodes} episodes' if spec.events else ', no events'), flush=True)
        return write_bag(self.bags / spec.name, spec, self.args.storage)

    def done_with(self, path: Path) -> None:
        """Delete a bag (or dataset) unless --keep."""
        if not self.args.keep and path.exists():
            shutil.rmtree(path)

    def dataset(self, name: str) -> Path:
        """A fresh dataset directory for one export."""
        path = self.datasets / name
        if path.exists():
            shutil.rmtree(path)
        return path

    def state(self, minutes: float) -> dict[str, Any]:
        """Plain loop, exporter state path and full export of one events bag."""
        spec = BagSpec(f'g1_{minutes:g}min', minutes)
        bag = self.bag(spec)
        plain = run_child(f'plain rosbags loop, {minutes:g} min', ['plain', str(bag)])
        built = run_child(f'exporter state path, {minutes:g} min', ['builder', str(bag)])
        dataset = self.dataset(spec.name)
        export = run_child(f'interop export, {minutes:g} min (state only)',
                           export_argv(bag, dataset))
        row = state_row(minutes, plain, built, export, spec.state_messages)
        print(f'   {minutes:g} min: plain {row["plain_msgs_s"]:.0f} msgs/s, exporter '
              f'{row["builder_msgs_s"]:.0f} msgs/s ({row["builder_ratio"]:.1f}x), export '
              f'{row["export_wall_s"]:.1f} s, peak RSS {row["export_peak_rss_mb"]:.0f} MB')
        if not self.profiled and (self.args.profile or row['builder_ratio'] < RATIO_TARGET):
            self.profile(bag)
        self.done_with(dataset)
        self.done_with(bag)
        return row

    def profile(self, bag: Path, task: str | None = None) -> None:
        """cProfile of the state path into export_profile.txt."""
        lines: list[str] = []
        argv = ['profile', str(bag)] + (['--task', task] if task else [])
        run_child(f'cProfile of the exporter state path on {bag.name}', argv, lines)
        path = self.out / 'export_profile.txt'
        path.write_text('\n'.join(lines) + '\n')
        print(f'   profile written to {path}')
        self.profiled = True

    def startup(self) -> dict[str, Any]:
        """`interop export` of the 6 s bag vs the plain loop, whole processes, medians."""
        repeats, pycache = self.args.startup_repeats, not self.args.no_pycache
        print(f'-> start-up: {STARTUP_BAG_S:g} s G1 bag with a camera, plain loop and '
              f'`interop export` alternately, one untimed run then {repeats} times each',
              flush=True)
        bag = write_startup_bag(self.bags / 'g1_startup')
        dataset = self.datasets / 'g1_startup'
        env = startup_env(self.out, pycache)
        plain = [sys.executable, str(MEASURE), 'loop', str(bag)]
        export = [sys.executable, '-m', 'interop_bridge.cli', 'export', str(bag),
                  '--profile', PROFILE, '--task', 'start-up', '--out', str(dataset)]
        plain_runs, export_runs = [], []
        for run in range(repeats + 1):  # run 0 fills the bytecode and page caches
            plain_s = process_seconds(plain, env)
            self.dataset(dataset.name)  # a new dataset each time, not an append
            export_s = process_seconds(export, env)
            if run:
                plain_runs.append(plain_s)
                export_runs.append(export_s)
        row = startup_row(plain_runs, export_runs, pycache)
        print(f'   median plain loop {row["plain_s"]:.2f} s, interop export '
              f'{row["export_s"]:.2f} s ({row["ratio"]:.2f}x; runs: plain '
              + ' '.join(f'{run:.2f}' for run in plain_runs) + ', export '
              + ' '.join(f'{run:.2f}' for run in export_runs) + ')', flush=True)
        self.done_with(dataset)
        self.done_with(bag)
        return row

    def one_episode(self, minutes: float) -> dict[str, Any]:
        """The bag without events exported as one episode: peak memory vs episode length."""
        spec = BagSpec(f'g1_{minutes:g}min_one_episode', minutes, events=False)
        bag = self.bag(spec)
        dataset = self.dataset(spec.name)
        result = run_child(f'interop export, {minutes:g} min as ONE episode',
                           export_argv(bag, dataset, 'walk around the lab'))
        self.done_with(dataset)
        self.done_with(bag)
        return {'minutes': minutes, **result}

    def video(self, seconds: float) -> list[dict[str, Any]]:
        """Encode frames/s per camera with libsvtav1 and libx264."""
        spec = BagSpec(f'g1_camera_{seconds:g}s', seconds / 60, events=False, camera_hz=30)
        bag = self.bag(spec)
        rows = []
        for vcodec in ('libsvtav1', 'libx264'):
            dataset = self.dataset(f'{spec.name}_{vcodec}')
            result = run_child(f'video export, {vcodec}, {spec.camera_frames} frames',
                               ['video', str(bag), str(dataset), '--vcodec', vcodec])
            print(f'   {vcodec}: {result["encode_fps"]:.0f} frames/s encoding')
            rows.append({'vcodec': vcodec, **result})
            self.done_with(dataset)
        self.done_with(bag)
        return rows


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--minutes', type=float, nargs='+', default=[10.0, 60.0],
                        help='lengths of the state bags (default: 10 60)')
    parser.add_argument('--quick', action='store_true',
                        help='1- and 3-minute bags and 10 s of video (smoke run)')
    parser.add_argument('--video-seconds', type=float, default=30.0,
                        help='length of the camera bag (0: no video figure)')
    parser.add_argument('--storage', choices=('mcap', 'sqlite3'), default='mcap')
    parser.add_argument('--startup-only', action='store_true',
                        help='only the start-up measure (6 s bag, plain loop vs export)')
    parser.add_argument('--startup-repeats', type=int, default=STARTUP_REPEATS,
                        help=f'timed runs of each start-up process (default: {STARTUP_REPEATS})')
    parser.add_argument('--no-pycache', action='store_true',
                        help="start-up measure with the environment's bytecode setting")
    parser.add_argument('--keep', action='store_true', help='keep the generated bags')
    parser.add_argument('--profile', action='store_true',
                        help='also write a cProfile of the state path (export_profile.txt)')
    parser.add_argument('--out', default=str(REPO / 'out' / 'bench'))
    args = parser.parse_args(argv)
    if args.quick:
        args.minutes, args.video_seconds = [1.0, 3.0], min(args.video_seconds, 10.0)
    args.minutes = sorted(args.minutes)
    if any(minutes <= 0 for minutes in args.minutes) or args.video_seconds < 0:
        parser.error('--minutes must be positive and --video-seconds not negative')
    if args.startup_repeats < 1:
        parser.error('--startup-repeats must be at least 1')
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the table and write the outputs."""
    args = parse_args(argv)
    started, load_at_start = time.monotonic(), os.getloadavg()
    bench = Bench(args)
    specs = [BagSpec('state', minutes) for minutes in args.minutes]
    if args.video_seconds:
        specs.append(BagSpec('camera', args.video_seconds / 60, camera_hz=30))
    try:
        startup = bench.startup()
        if args.startup_only:
            print(startup_line(startup))
            return 0
        check_disk(bench.out, specs, args.storage)
        state = [bench.state(minutes) for minutes in args.minutes]
        one_episode = bench.one_episode(args.minutes[0])
        videos = bench.video(args.video_seconds) if args.video_seconds else []
        baseline_mb = run_child('exporter imports alone', ['baseline'])['peak_rss_mb']
    except InteropError as error:
        print(f'error: {error}', file=sys.stderr)
        return 1
    finally:  # also after an error or Ctrl-C: generated bags are large
        for path in (bench.datasets, bench.bags):
            bench.done_with(path)
    lines = [startup_line(startup), *verdicts(state, one_episode, baseline_mb)]
    print('\n' + text_table(state, one_episode, videos, baseline_mb) + '\n')
    print('\n'.join(lines))
    print(f'load average (1/5/15 min) at start {load_at_start} / end {os.getloadavg()}: other '
          'work on the machine skews these figures')
    context = {'command': shlex.join(['python', 'bench/export_throughput.py',
                                      *(sys.argv[1:] if argv is None else argv)]),
               'machine': machine_description(), 'storage': args.storage,
               'date': datetime.datetime.now().isoformat(timespec='seconds'),
               'baseline_mb': baseline_mb, 'total_s': time.monotonic() - started,
               'load_average': [load_at_start, os.getloadavg()]}
    document = {**context, 'startup': startup, 'state': state, 'one_episode': one_episode,
                'video': videos, 'verdicts': lines}
    text = markdown(context, state, one_episode, videos, lines)
    for path in write_outputs(bench.out, document, text):
        print(f'wrote {path}')
    print(f'total {context["total_s"]:.0f} s')
    return 0


if __name__ == '__main__':
    sys.exit(main())
