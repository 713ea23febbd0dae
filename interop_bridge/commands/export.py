"""`interop export`: rosbag2 recordings -> one LeRobotDataset v3.0 in the canonical schema.

Examples:
  interop export out/demo/bags/g1 out/demo/bags/t1 --out datasets/wave
  interop export recordings/ --out datasets/pick --task "pick up the red cup"
  interop export vendor_bag/ --profile unitree_g1_29dof --task "wave" --out datasets/g1
  interop export bag/ --out ds --camera head=/g1/head_camera/image_raw --vcodec libx264
  interop export teleop_without_commands/ --out ds --action next-state
  interop export bag/ --out ds --license CC-BY-4.0

Exporting into an existing dataset appends episodes; the dataset changes only when the whole
export succeeded (Ctrl-C or an error leaves it as it was). A new dataset of several bags is
exported on every core (--jobs N worker processes, one bag each, then one merge: the same
dataset as one process writes; --jobs 1 for one process); appending uses one process.

With --manifest FILE.jsonl the export is sharded (interop_bridge/scale): every bag becomes a
shard dataset of its own (--jobs at a time), recorded in the manifest by content hash,
settings and exporter version, and the done shards are merged into --out. A rerun exports
only the bags not yet done; a bag that fails is recorded with its error and the rest merge.
`--engine ray [--address ADDR]` runs one Ray task per bag instead (docs/export.md).
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from typing import Any

from interop_bridge.startup import importing_work


def _camera(value: str) -> tuple[str, str]:
    name, separator, topic = value.partition('=')
    if not separator or not name or not topic:
        msg = f'expected NAME=TOPIC, got {value!r}'
        raise argparse.ArgumentTypeError(msg)
    return name, topic


def job_count(value: str) -> int:
    jobs = int(value)
    if jobs < 0:
        msg = f'expected 0 (every core) or a positive count, got {value}'
        raise argparse.ArgumentTypeError(msg)
    return jobs


def _interrupt(*_: Any) -> None:
    msg = 'SIGTERM'  # unwind like Ctrl-C so nothing half-written remains
    raise KeyboardInterrupt(msg)


def run(args: argparse.Namespace) -> int:
    """Run one export and print progress to stderr."""
    # Imported here: `interop --help` and the other commands need none of the exporter.
    with importing_work():  # no garbage collections over the imported modules (startup.py)
        from interop_bridge.export.episode_assembly import ExportPolicy
        from interop_bridge.export.exporter import ExportRequest
        from interop_bridge.scale.parallel_export import export_on_every_core

    policy = ExportPolicy(fps=args.fps, stamp_source=args.stamps,
                          max_staleness_s=args.max_staleness, on_stale=args.on_stale,
                          action_staleness_s=args.action_staleness, action=args.action)
    request = ExportRequest(
        bags=tuple(Path(bag) for bag in args.bags), out=Path(args.out), task=args.task,
        profile=args.profile, namespace=args.namespace, cameras=dict(args.camera or []),
        include_failed=args.include_failed, vcodec=args.vcodec, modality=args.modality,
        policy=policy, allow_upsample=args.allow_upsample, license=args.license,
        joints=args.joints)
    if args.manifest is not None:
        return _run_sharded(args, request)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        summary = export_on_every_core(request, lambda line: print(line, file=sys.stderr),
                                       args.jobs)
    except KeyboardInterrupt:
        print('error: export interrupted: nothing was written', file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
    print(f'dataset: {summary.root} ({summary.total_episodes} episodes, '
          f'{summary.total_frames} frames; {summary.new_episodes} new)')
    return 0


def _run_sharded(args: argparse.Namespace, request: Any) -> int:
    """--manifest: one shard per bag (--jobs at a time), then one merge; exit 1 when a bag
    failed (the others are merged)."""
    with importing_work():
        from interop_bridge.scale.driver import ShardedExport, run_sharded
        from interop_bridge.scale.local_engine import local_engine

        from interop_bridge.scale.ray_engine import ray_engine

    job = ShardedExport(request, Path(args.manifest),
                        Path(args.staging) if args.staging else None)
    engine = ray_engine(args.address, memory_mb=args.task_memory_mb) \
        if args.engine == 'ray' else local_engine(args.jobs)
    summary = run_sharded(job, engine, lambda line: print(line, file=sys.stderr))
    for record in summary.failed:
        print(f'error: {record.bag}: {record.error}', file=sys.stderr)
    done = len(summary.records) - len(summary.failed)
    print(f'dataset: {request.out} ({done} bag(s) merged, {len(summary.failed)} failed; '
          f'{summary.submitted} exported in this run; manifest {args.manifest})')
    return 1 if summary.failed else 0


def register(commands: Any) -> None:
    """Add `export` to the CLI."""
    parser = commands.add_parser('export', help='export rosbag2 recordings to a LeRobot dataset',
                                 description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('bags', nargs='+', help='bag directories, .mcap/.db3 files, or '
                        'directories of bags')
    parser.add_argument('--out', required=True, help='dataset directory (created or appended)')
    parser.add_argument('--task', help='task text of bags without episode events')
    parser.add_argument('--profile', help='robot profile of vendor bags (default: the '
                        'recorded embodiment)')
    parser.add_argument('--namespace', help='robot namespace when a bag holds several robots')
    parser.add_argument('--camera', action='append', type=_camera, metavar='NAME=TOPIC',
                        help='camera to export (repeatable; default: every image topic)')
    parser.add_argument('--fps', type=int, default=30, help='dataset frame rate (integer)')
    parser.add_argument('--allow-upsample', action='store_true',
                        help='allow --fps above the rate of the recorded state stream')
    parser.add_argument('--stamps', choices=('header', 'receive'), default='header',
                        help='resample by header stamps or by receive (bag) times')
    parser.add_argument('--max-staleness', type=float, default=0.1,
                        help='seconds after which a state value is flagged invalid')
    parser.add_argument('--action-staleness', type=float, default=0.5,
                        help='seconds a command stays valid without a new one')
    parser.add_argument('--action', choices=('commands', 'next-state', 'none'),
                        default='commands',
                        help="the dataset's action: the recorded joint commands (none "
                        'recorded: no action feature), the next frame\'s state, or none')
    parser.add_argument('--on-stale', choices=('flag', 'cut'), default='flag',
                        help='flag stale frames invalid, or cut the episode at the first gap')
    parser.add_argument('--include-failed', action='store_true',
                        help='also export episodes marked failed or aborted')
    parser.add_argument('--vcodec', choices=('libsvtav1', 'libx264'), default='libsvtav1',
                        help='video codec (AV1 as LeRobot, or H.264)')
    parser.add_argument('--license', default='other', metavar='SPDX',
                        help="the data's licence for the dataset card, an SPDX identifier "
                        "such as CC-BY-4.0 (default: 'other', none stated)")
    parser.add_argument('--joints', choices=('robot', 'canonical'), default='robot',
                        help="joints the joint vectors hold: the robot's own (default; "
                        'names in info.json say which) or all canonical joints, absent ones '
                        'flagged invalid (one fixed width for every robot)')
    parser.add_argument('--manifest', metavar='FILE.jsonl',
                        help='sharded export: each bag to its own shard, recorded in this '
                        'manifest (a rerun skips the bags done), then one merge into --out '
                        '(a new dataset)')
    parser.add_argument('--jobs', type=job_count, default=0, metavar='N',
                        help='bags exported at a time, each in a worker process (default: '
                        'every core; 1: this process only)')
    parser.add_argument('--engine', choices=('local', 'ray'), default='local',
                        help='with --manifest: worker processes on this machine, or one Ray '
                        'task per bag (requirements-ray.txt)')
    parser.add_argument('--address', metavar='ADDR',
                        help="with --engine ray: the cluster's address (default: the "
                        'RAY_ADDRESS one, else a local Ray)')
    parser.add_argument('--task-memory-mb', type=int, default=1500, metavar='MB',
                        help='with --engine ray: memory declared per bag task')
    parser.add_argument('--staging', metavar='DIR',
                        help='with --manifest: where the shards go (default: beside the '
                        'manifest, <name>.shards)')
    parser.add_argument('--modality', action='store_true',
                        help='also write a GR00T meta/modality.json')
    parser.set_defaults(run=run)
