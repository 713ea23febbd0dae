"""Peak memory of `interop certify` on a bag, against the length of the recording.

    python bench/certify_memory.py                        30, 120 and 240 s recordings
    python bench/certify_memory.py --durations 30 60 --episode-s 20
    python bench/certify_memory.py --durations 20 120 --episode-s 10 --keep out/bench/memory

For each duration, a physically consistent Unitree G1 recording (test/physical_bags.py: 500 Hz
LowState, 50 Hz LowCmd, a 30 Hz 128x96 camera, episode events) is written as a vendor
`ros2 bag record` would (streamed to the bag, in time order), then three processes are run
and their peak resident memory and wall time measured: peak RSS is ru_maxrss from wait4, the
largest of the process and its children (certify forks helpers that decode the video and run
validate's checks beside the episode pass: certify/forked.py); peak PSS is all the processes
together (/proc smaps_rollup, sampled every 5 ms; pages a child shares with its parent
counted once); the PSS bound is the sum of each process's own peak PSS, what the total reaches
when every process peaks at once (a longer run overlaps the peaks more, so the total can grow
with the recording while no process does); largest is the largest one process's peak PSS:

- `certify bag`: `interop certify BAG --profile unitree_g1_29dof` (export to a scratch dataset,
  grade, certificate beside the bag: what a user runs);
- `export`: `interop export BAG --vcodec libx264` alone (the exporter's share);
- `certify dataset`: `interop certify DATASET` on that export (the runner's share).

By default the whole recording is one episode (`--episode-s 0`); `--episode-s S` marks an
episode every S seconds instead, which shows what grows with the recording and what with one
episode. `--keep DIR` writes the recordings into DIR and reuses them on the next run (same
duration and episodes): writing a recording takes most of the time. Prints one table and
writes the figures to out/bench/certify_memory.json. A benchmark prints figures, it passes or
fails nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import heapq
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / 'test')]  # the source tree, the test bag helpers

import physical_bags as pb  # noqa: E402
import vendor_messages as vm  # noqa: E402
from bag_factory import START_NS, _event  # noqa: E402
from rosbags.rosbag2 import StoragePlugin, Writer  # noqa: E402

PROFILE = 'unitree_g1_29dof'
PSS_EVERY_S = 0.005
NS = 1_000_000_000


@dataclass(frozen=True)
class Run:
    """One measured process."""

    duration_s: float
    what: str
    peak_rss_mb: float   # the largest process (certify forks helpers: see certify/forked.py)
    peak_pss_mb: float   # all its processes together, sampled every PSS_EVERY_S
    pss_bound_mb: float  # the sum of each process's own peak PSS: what the total can reach
    largest_pss_mb: float  # the largest one process's peak PSS
    wall_s: float
    status: int


def _stream(hz: int, duration_s: float, make: object, connection: object
            ) -> Iterator[tuple[int, object, bytes]]:
    for tick in range(int(duration_s * hz) + 1):
        yield START_NS + tick * NS // hz, connection, make(tick)  # type: ignore[operator]


def _events(spans: list[tuple[float, float]], connection: object
            ) -> Iterator[tuple[int, object, bytes]]:
    for number, (start_s, end_s) in enumerate(spans):
        for kind, at in ((0, start_s), (1, end_s), (2, end_s)):
            stamp = START_NS + int(round(at * NS))
            yield stamp, connection, _event(kind, f'episode-{number}', 'wave both arms', stamp)


def episode_spans(duration_s: float, episode_s: float) -> list[tuple[float, float]]:
    """[start, end) seconds of each episode: one for the whole recording, or every episode_s."""
    if episode_s <= 0:
        return [(0.2, duration_s - 0.2)]
    starts = [0.2 + k * episode_s for k in range(int((duration_s - 0.4) // episode_s))]
    return [(start, start + episode_s - 0.1) for start in starts]


def write_bag(path: Path, duration_s: float, episode_s: float) -> Path:
    """The physical G1 recording, written message by message in log-time order."""
    store = vm.typestore()
    profile = pb.load_profile(PROFILE)
    with Writer(path, version=9, storage_plugin=StoragePlugin.MCAP) as writer:
        state = writer.add_connection(f'/{profile.topics.state.lstrip("/")}',
                                      'unitree_hg/msg/LowState', typestore=store)
        command = writer.add_connection(f'/{profile.topics.command.lstrip("/")}',
                                        'unitree_hg/msg/LowCmd', typestore=store)
        camera = writer.add_connection('/camera/image_raw', 'sensor_msgs/msg/Image',
                                       typestore=store)
        events = writer.add_connection('/interop/episode', 'interop_msgs/msg/EpisodeEvent',
                                       typestore=store)
        streams = [
            _stream(pb.STATE_HZ, duration_s, lambda t: pb.lowstate(t / pb.STATE_HZ), state),
            _stream(pb.COMMAND_HZ, duration_s, lambda t: pb.lowcmd(t / pb.COMMAND_HZ), command),
            _stream(pb.CAMERA_HZ, duration_s, pb.scene, camera),
            iter(sorted(_events(episode_spans(duration_s, episode_s), events),
                        key=lambda item: item[0]))]
        for stamp, connection, data in heapq.merge(*streams, key=lambda item: item[0]):
            writer.write(connection, stamp, data)  # type: ignore[arg-type]
    return path


def _descendants(pid: int) -> list[int]:
    """The process and every process below it (Linux /proc)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for task in Path(f'/proc/{current}/task').glob('*/children'):
            with contextlib.suppress(OSError):
                queue.extend(int(child) for child in task.read_text().split())
    return found


def tree_pss_mb(pid: int) -> dict[int, float]:
    """Proportional set size of every process of the tree [MB]: pages shared by a parent and
    its forked children counted once, split between them (left out where /proc cannot say)."""
    found: dict[int, float] = {}
    for member in _descendants(pid):
        with contextlib.suppress(OSError):
            for line in Path(f'/proc/{member}/smaps_rollup').read_text().splitlines():
                if line.startswith('Pss:'):
                    found[member] = int(line.split()[1]) / 1024
    return found


@dataclass
class PssPeaks:
    """The peak of the tree's total PSS, and each process's own peak."""

    total: float = 0.0
    each: dict[int, float] = field(default_factory=dict)

    def add(self, sample: dict[int, float]) -> None:
        self.total = max(self.total, sum(sample.values()))
        for pid, mb in sample.items():
            self.each[pid] = max(self.each.get(pid, 0.0), mb)


def _sample_pss(pid: int, peaks: PssPeaks, stop: threading.Event) -> None:
    while not stop.wait(PSS_EVERY_S):
        peaks.add(tree_pss_mb(pid))


def measure(duration_s: float, what: str, argv: list[str]) -> Run:
    """Run `python -m interop_bridge.cli ARGV` and measure its peak RSS (the largest of its
    processes, wait4), the peak PSS of all its processes together (sampled) and wall time."""
    started = time.monotonic()
    child = subprocess.Popen([sys.executable, '-m', 'interop_bridge.cli', *argv], cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peaks, stop = PssPeaks(), threading.Event()
    sampler = threading.Thread(target=_sample_pss, args=(child.pid, peaks, stop), daemon=True)
    sampler.start()
    assert child.stderr is not None
    errors = child.stderr.read()
    stop.set()
    sampler.join()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        print(errors.decode(errors='replace')[-2000:], file=sys.stderr)
    return Run(duration_s, what, round(usage.ru_maxrss / 1024, 1), round(peaks.total, 1),
               round(sum(peaks.each.values()), 1), round(max(peaks.each.values(), default=0), 1),
               round(time.monotonic() - started, 1), child.returncode)


def recording(duration_s: float, episode_s: float, home: Path) -> Path:
    """The recording of that length and episodes under `home`, written unless it is there."""
    bag = home / f'g1_{duration_s:g}s_episodes_{episode_s:g}s'
    if not (bag / 'metadata.yaml').is_file():
        shutil.rmtree(bag, ignore_errors=True)
        write_bag(bag, duration_s, episode_s)
    return bag


def bench_one(duration_s: float, episode_s: float, scratch: Path) -> list[Run]:
    """Write one recording (or reuse it) and measure the three processes on it."""
    bag = recording(duration_s, episode_s, scratch)
    size_mb = sum(f.stat().st_size for f in bag.iterdir()) / 1e6
    print(f'{duration_s:g} s recording: {size_mb:.0f} MB', flush=True)
    dataset = scratch / f'ds_{duration_s:g}s'
    shutil.rmtree(dataset, ignore_errors=True)
    return [measure(duration_s, 'certify bag', ['certify', str(bag), '--profile', PROFILE]),
            measure(duration_s, 'export', ['export', str(bag), '--profile', PROFILE,
                                           '--vcodec', 'libx264', '--out', str(dataset)]),
            measure(duration_s, 'certify dataset', ['certify', str(dataset)])]


def main() -> int:
    """Measure every duration, print the table, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--durations', type=float, nargs='+', default=[30.0, 120.0, 240.0])
    parser.add_argument('--episode-s', type=float, default=0.0,
                        help='an episode every S seconds (0: one episode, the whole bag)')
    parser.add_argument('--out', type=Path, default=ROOT / 'out' / 'bench')
    parser.add_argument('--keep', type=Path, default=None,
                        help='write the recordings here and reuse them (default: a temporary '
                             'directory, deleted)')
    args = parser.parse_args()
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix='certify-memory-') as scratch:
        home = Path(scratch) if args.keep is None else args.keep
        home.mkdir(parents=True, exist_ok=True)
        for duration_s in args.durations:
            runs.extend(bench_one(duration_s, args.episode_s, home))
    print(f'\nepisodes: {"one per recording" if args.episode_s <= 0 else f"{args.episode_s:g} s"}')
    print(f'{"recording s":>11}  {"process":<16} {"peak RSS MB":>11} {"peak PSS MB":>11} '
          f'{"PSS bound":>9} {"largest":>7} {"wall s":>7} {"exit":>4}')
    for run in runs:
        print(f'{run.duration_s:>11g}  {run.what:<16} {run.peak_rss_mb:>11.1f} '
              f'{run.peak_pss_mb:>11.1f} {run.pss_bound_mb:>9.1f} {run.largest_pss_mb:>7.1f} '
              f'{run.wall_s:>7.1f} {run.status:>4}')
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / 'certify_memory.json').write_text(json.dumps(
        {'episode_s': args.episode_s, 'runs': [asdict(run) for run in runs]}, indent=1) + '\n')
    return 0 if all(run.status == 0 for run in runs) else 1


if __name__ == '__main__':
    sys.exit(main())
