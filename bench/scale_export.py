"""Export on every core, sharded and on Ray: wall time, speed-up, data hours per core-minute.

    python bench/scale_export.py              # 20 camera bags of 12 s (640x480, 30 fps)
    python bench/scale_export.py --bags 8 --seconds 6 --no-ray

Measured, each export a fresh `interop export` process (python -m interop_bridge.cli) run as a
user runs it, wall time by time.monotonic(), CPU time from the children's rusage:
  one core      `interop export BAGS` confined to one core (sched_setaffinity: --jobs defaults
                to 1 there, the encoder shares that core): the one-worker baseline
  one process   `interop export BAGS --jobs 1` on every core (the export before workers: one
                process, the AV1 encoder's own threads)
  every core    `interop export BAGS` (the default: one worker per core, each with its share
                of the cores for its encoder), speed-up = one core / every core (target 1.7x
                on 2 cores) and one process / every core
  state only    the same bags without their camera topic, every core
  sharded       `--manifest` with every core (a content-keyed, resumable run)
  Ray           the sharded export on a local Ray (ray.init, every core), in this process, and
                the round trip of an empty Ray task (median of 200, after 20 untimed)
  merge         interop merge of --merge-shards shard datasets holding --merge-episodes
                10-frame episodes in all (no video), reported per 1,000 episodes
Data hours per core-minute = recorded hours exported / (wall minutes x cores used). The bags
are bench/export_bags.py's Unitree G1 bags (500 Hz LowState, one episode per bag, camera-like
640x480 frames; the default AV1 encoder). Results: out/bench/scale_export.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / 'bench'), str(REPO / 'test')]

import export_bags as eb  # noqa: E402
import numpy as np  # noqa: E402

from interop_bridge.canonical import load_canonical  # noqa: E402
from interop_bridge.dataset.atomic import write_dataset  # noqa: E402
from interop_bridge.dataset.episode import Episode  # noqa: E402
from interop_bridge.dataset.features import canonical_features  # noqa: E402
from interop_bridge.dataset.merge import merge_datasets  # noqa: E402
from interop_bridge.export.exporter import ExportRequest  # noqa: E402
from interop_bridge.scale.driver import Engine, ShardedExport, run_sharded  # noqa: E402
from interop_bridge.scale.local_engine import default_jobs, local_engine  # noqa: E402

OUT = REPO / 'out' / 'bench'


def corpus(work: Path, bags: int, seconds: float, camera: bool) -> Path:
    """`bags` G1 bags of `seconds` each, with or without the 640x480 camera."""
    root = work / ('bags-camera' if camera else 'bags-state')
    for number in range(bags):
        spec = eb.BagSpec(f'bag{number:02d}', seconds / 60.0, events=False,
                          camera_hz=30 if camera else 0)
        eb.write_bag(root / spec.name, spec, progress=lambda line: None)
    return root


def request(bags: Path, out: Path) -> ExportRequest:
    return ExportRequest(bags=(bags,), out=out, profile=eb.PROFILE, task='bench')


def timed_sharded(bags: Path, work: Path, name: str, engine: Engine) -> tuple[float, float]:
    """Wall seconds of a sharded export from scratch, and the recorded seconds it holds."""
    shutil.rmtree(work / name, ignore_errors=True)
    job = ShardedExport(request(bags, work / name / 'ds'), work / name / 'run.jsonl')
    started = time.monotonic()
    summary = run_sharded(job, engine, lambda line: None)
    wall = time.monotonic() - started
    if summary.failed:
        msg = f'{name}: {summary.failed[0].bag}: {summary.failed[0].error}'
        raise SystemExit(msg)
    return wall, sum(record.data_seconds for record in summary.records)


def per_core_minute(data_s: float, wall_s: float, cores: int) -> float:
    return (data_s / 3600.0) / (wall_s / 60.0 * cores)


def ray_figures(bags: Path, work: Path, cores: int) -> dict[str, float]:
    os.environ.setdefault('RAY_USAGE_STATS_ENABLED', '0')
    os.environ.setdefault('RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER', '0')
    os.environ.setdefault('RAY_AUTH_MODE', 'disabled')  # a local Ray only: no ~/.ray token
    import ray

    from interop_bridge.scale.ray_engine import ray_engine

    started = time.monotonic()
    ray.init(num_cpus=cores, include_dashboard=False, log_to_driver=False,
             runtime_env={'env_vars': {'PYTHONPATH': str(REPO)}})
    start_s = time.monotonic() - started
    empty = ray.remote(lambda: None)
    for _ in range(20):
        ray.get(empty.remote())
    trips = []
    for _ in range(200):
        begun = time.perf_counter()
        ray.get(empty.remote())
        trips.append(time.perf_counter() - begun)
    wall, data_s = timed_sharded(bags, work, 'ray', ray_engine(memory_mb=512))
    ray.shutdown()
    return {'ray_start_s': start_s, 'ray_task_ms': statistics.median(trips) * 1e3,
            'ray_wall_s': wall, 'ray_data_s': data_s}


def merge_figures(work: Path, shards: int, episodes: int) -> dict[str, float]:
    """Merge `shards` synthetic shard datasets of `episodes` 10-frame episodes in all."""
    spec = load_canonical()
    features = canonical_features(spec, {}, 'none', tuple(range(29)))
    roots = []
    for shard in range(shards):
        count = episodes // shards
        columns = {feature.key: (np.ones if feature.key.startswith('valid.') else np.zeros)(
            (10, *feature.shape), np.float32) for feature in features}
        episodes_of = [Episode('bench', 10, columns, robot_type=eb.PROFILE)
                       for _ in range(count)]
        root = work / 'merge' / f'shard{shard:02d}'
        shutil.rmtree(root, ignore_errors=True)
        write_dataset(root, features, 30, episodes_of, {'exporter': 'bench'})
        roots.append(root)
    shutil.rmtree(work / 'merge' / 'all', ignore_errors=True)
    started = time.monotonic()
    merged = merge_datasets(work / 'merge' / 'all', roots)
    wall = time.monotonic() - started
    return {'merge_episodes': merged.total_episodes, 'merge_s': wall,
            'merge_s_per_1000': wall * 1000 / merged.total_episodes}


def timed_cli(bags: Path, out: Path, cores: set[int], *options: str) -> tuple[float, float]:
    """Wall and CPU seconds of one `interop export` process (and its workers) on `cores`."""
    shutil.rmtree(out, ignore_errors=True)
    argv = [sys.executable, '-m', 'interop_bridge.cli', 'export', str(bags), '--out', str(out),
            '--profile', eb.PROFILE, '--task', 'bench', *options]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    result = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, check=False,
                            preexec_fn=lambda: os.sched_setaffinity(0, cores))
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        message = f'{" ".join(argv)}: {result.stderr[-2000:]}'
        raise SystemExit(message)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def cli_figures(camera: Path, state: Path, work: Path, data_s: float,
                state_data_s: float) -> dict[str, float]:
    every = os.sched_getaffinity(0)
    cores = len(every)
    runs = {'one_core': (camera, {min(every)}), 'one_process': (camera, every, '--jobs', '1'),
            'every_core': (camera, every), 'state_every_core': (state, every)}
    figures: dict[str, float] = {}
    for name, (bags, allowed, *options) in runs.items():
        wall, cpu = timed_cli(bags, work / name, allowed, *options)
        figures[f'{name}_s'], figures[f'{name}_cpu_s'] = wall, cpu
        print(f'{name}: {wall:.1f} s wall, {cpu:.1f} s CPU', flush=True)
    figures['speedup_vs_one_core'] = figures['one_core_s'] / figures['every_core_s']
    figures['speedup_vs_one_process'] = figures['one_process_s'] / figures['every_core_s']
    figures['camera_hours_per_core_minute'] = per_core_minute(
        data_s, figures['every_core_s'], cores)
    figures['camera_hours_per_core_minute_one_core'] = per_core_minute(
        data_s, figures['one_core_s'], 1)
    figures['state_hours_per_core_minute'] = per_core_minute(
        state_data_s, figures['state_every_core_s'], cores)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--bags', type=int, default=20)
    parser.add_argument('--seconds', type=float, default=12.0)
    parser.add_argument('--merge-shards', type=int, default=10)
    parser.add_argument('--merge-episodes', type=int, default=1000)
    parser.add_argument('--no-ray', action='store_true')
    parser.add_argument('--work', type=Path, default=OUT / 'scale_export')
    args = parser.parse_args()
    cores, work = default_jobs(), args.work
    print(f'writing {args.bags} bags of {args.seconds:g} s (camera and state-only) ...')
    camera, state = (corpus(work, args.bags, args.seconds, flag) for flag in (True, False))
    figures: dict[str, float] = {'bags': args.bags, 'seconds': args.seconds, 'cores': cores,
                                 'loadavg_1m': os.getloadavg()[0]}
    data_s = state_data_s = args.bags * args.seconds
    figures.update(cli_figures(camera, state, work, data_s, state_data_s))
    figures['sharded_s'], _ = timed_sharded(camera, work, 'sharded', local_engine(0))
    print(f'sharded, {cores} workers: {figures["sharded_s"]:.1f} s', flush=True)
    if not args.no_ray:
        figures.update(ray_figures(camera, work, cores))
    figures.update(merge_figures(work, args.merge_shards, args.merge_episodes))
    figures['loadavg_1m_after'] = os.getloadavg()[0]
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / 'scale_export.json').write_text(json.dumps(figures, indent=1) + '\n')
    lines = [f'| {key} | {value:.4g} |' if isinstance(value, float) else f'| {key} | {value} |'
             for key, value in figures.items()]
    (OUT / 'scale_export.md').write_text('| figure | value |\n|---|---|\n' + '\n'.join(lines)
                                         + '\n')
    print('\n'.join(lines))
    print(f'results: {OUT / "scale_export.md"}')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
