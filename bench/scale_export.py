"""Sharded export benchmark: workers on one machine, data hours per core-minute, Ray's cost.

    python bench/scale_export.py              # 20 camera bags of 12 s (640x480, 30 fps)
    python bench/scale_export.py --bags 8 --seconds 6 --no-ray

Measured, each export in this process tree, wall time by time.monotonic():
  one process   `export_recordings` of the whole corpus (the plain export)
  1 worker      the sharded export (interop_bridge/scale) with one worker process
  N workers     the same with every core (--jobs 0); speed-up = 1 worker / N workers
  state only    the same bags without their camera topic, N workers
  Ray           the sharded export on a local Ray (ray.init, every core), and the round trip
                of an empty Ray task (median of 200, after 20 untimed): per-task overhead
  merge         interop merge of --merge-shards shard datasets holding --merge-episodes
                10-frame episodes in all (no video), reported per 1,000 episodes
Data hours per core-minute = recorded hours exported / (wall minutes x cores used). The bags
are bench/export_bags.py's Unitree G1 bags (500 Hz LowState, one episode per bag, camera-like
640x480 frames; H.264 off, the default AV1 encoder). Results: out/bench/scale_export.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
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
from interop_bridge.export.exporter import ExportRequest, export_recordings  # noqa: E402
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
    shutil.rmtree(work / 'single', ignore_errors=True)
    started = time.monotonic()
    export_recordings(request(camera, work / 'single'), lambda line: None)
    figures['one_process_s'] = time.monotonic() - started
    print(f'one process: {figures["one_process_s"]:.1f} s')
    figures['one_worker_s'], data_s = timed_sharded(camera, work, 'one', local_engine(1))
    print(f'1 worker: {figures["one_worker_s"]:.1f} s')
    figures['all_workers_s'], _ = timed_sharded(camera, work, 'all', local_engine(0))
    print(f'{cores} workers: {figures["all_workers_s"]:.1f} s')
    figures['state_s'], state_data_s = timed_sharded(state, work, 'state', local_engine(0))
    figures['speedup'] = figures['one_worker_s'] / figures['all_workers_s']
    figures['camera_hours_per_core_minute'] = per_core_minute(
        data_s, figures['all_workers_s'], cores)
    figures['state_hours_per_core_minute'] = per_core_minute(
        state_data_s, figures['state_s'], cores)
    if not args.no_ray:
        figures.update(ray_figures(camera, work, cores))
    figures.update(merge_figures(work, args.merge_shards, args.merge_episodes))
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
