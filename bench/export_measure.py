"""One exporter measurement in its own process (run by bench/export_throughput.py).

    python bench/export_measure.py plain BAG                  rosbags read + deserialize_cdr
    python bench/export_measure.py loop BAG                   the plain loop over every topic
    python bench/export_measure.py builder BAG [--task T]     plan + EpisodeBuilder, no writer
    python bench/export_measure.py video BAG OUT --vcodec C   export_recordings with a camera
    python bench/export_measure.py cli -- export BAG ...      `interop export` itself
    python bench/export_measure.py baseline                   only the exporter's imports
    python bench/export_measure.py profile BAG [--task T]     cProfile of the builder path

Each prints its progress, then one line `RESULT {json}` holding its figures and the process's
peak resident memory (VmHWM of /proc/self/status: this process alone, since the exec).
`loop` is the plain loop of the start-up measure (bench/export_throughput.py times the whole
process): it imports rosbags alone, as a plain script would; export_bags (numpy, rosbags and
parts of interop_bridge) is imported by the measures that need its constants.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import io
import json
import pstats
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the source tree first

RESULT = 'RESULT '


def peak_rss_mb() -> float:
    """Peak resident set size of this process (VmHWM) in MB."""
    for line in Path('/proc/self/status').read_text().splitlines():
        if line.startswith('VmHWM:'):
            return int(line.split()[1]) / 1024
    msg = 'VmHWM missing from /proc/self/status'
    raise RuntimeError(msg)


def report(figures: dict[str, Any]) -> None:
    """Print the result line the runner parses."""
    print(RESULT + json.dumps({**figures, 'peak_rss_mb': round(peak_rss_mb(), 1)}), flush=True)


def deserialize_all(reader: Any, connections: Any) -> int:
    """The plain loop itself: read and deserialize every message of `connections`."""
    decoded = 0
    for connection, _, raw in reader.messages(connections=connections):
        reader.deserialize(raw, connection.msgtype)
        decoded += 1
    return decoded


def plain(bag: Path) -> dict[str, Any]:
    """The plain loop: rosbags AnyReader, every LowState read, then read + deserialize_cdr."""
    from rosbags.highlevel import AnyReader

    from export_bags import STATE_TOPIC

    figures: dict[str, Any] = {}
    with AnyReader([bag]) as reader:
        connections = [c for c in reader.connections if c.topic == STATE_TOPIC]
        started = time.perf_counter()
        count = sum(1 for _ in reader.messages(connections=connections))
        figures['read_only_s'] = time.perf_counter() - started
        started = time.perf_counter()
        decoded = deserialize_all(reader, connections)
        figures['read_deserialize_s'] = time.perf_counter() - started
    figures['messages'] = decoded
    assert count == decoded, (count, decoded)
    return figures


def loop(bag: Path) -> dict[str, Any]:
    """The plain loop over every topic of the bag (the start-up measure's reference)."""
    from rosbags.highlevel import AnyReader

    with AnyReader([bag]) as reader:
        return {'messages': deserialize_all(reader, reader.connections)}


class CountingRecording:
    """A Recording that counts the records it hands out, per topic (for msgs/s)."""

    def __init__(self, recording: Any) -> None:
        self._recording = recording
        self.typestore = recording.typestore
        self.counts: collections.Counter[str] = collections.Counter()

    def messages(self, topics: Any = None, start_ns: int | None = None,
                 stop_ns: int | None = None) -> Iterator[Any]:
        """Records of the wrapped recording, counted."""
        counts = self.counts
        for record in self._recording.messages(topics, start_ns, stop_ns):
            counts[record.topic] += 1
            yield record


def builder(bag: Path, task: str | None) -> dict[str, Any]:
    """The exporter's state path without the writer: plan the bag, build every episode."""
    from interop_bridge.canonical import load_canonical
    from interop_bridge.export.bag_reader import open_bags
    from interop_bridge.export.episode_assembly import EpisodeBuilder
    from interop_bridge.export.exporter import ExportRequest, plan_bag
    from interop_bridge.dataset.features import canonical_features

    from export_bags import PROFILE, STATE_TOPIC

    spec = load_canonical()
    request = ExportRequest(bags=(bag,), out=bag.parent / 'unused', task=task, profile=PROFILE)
    started = time.perf_counter()
    plan = plan_bag(bag, request, spec)
    plan_s = time.perf_counter() - started
    features = canonical_features(spec, plan.camera_sizes)
    frames = 0
    started = time.perf_counter()
    with open_bags(bag) as opened:
        recording = CountingRecording(opened)
        episode_builder = EpisodeBuilder(recording, plan.robot, features, request.policy)
        for number, span in enumerate(plan.spans, 1):
            frames += episode_builder.build(span, {}).length
            if number % 10 == 0 or number == len(plan.spans):
                print(f'built {number}/{len(plan.spans)} episodes', flush=True)
    build_s = time.perf_counter() - started
    return {'plan_s': plan_s, 'build_s': build_s, 'episodes': len(plan.spans),
            'frames': frames, 'messages': recording.counts[STATE_TOPIC]}


def video(bag: Path, out: Path, vcodec: str, task: str) -> dict[str, Any]:
    """A full export with one camera; the writer's encoder frames/s."""
    from interop_bridge.export.exporter import ExportRequest, export_recordings

    from export_bags import PROFILE

    request = ExportRequest(bags=(bag,), out=out, task=task, profile=PROFILE, vcodec=vcodec)
    started = time.perf_counter()
    summary = export_recordings(request, lambda line: print(line, flush=True))
    wall_s = time.perf_counter() - started
    return {'wall_s': wall_s, 'frames': summary.total_frames,
            'encoded_frames': summary.encoded_frames, 'encode_s': summary.encode_seconds,
            'encode_fps': summary.encode_fps}


def cli(argv: list[str]) -> dict[str, Any]:
    """`interop export ...` through the CLI's own main()."""
    from interop_bridge.cli import main

    started = time.perf_counter()
    code = main(argv)
    return {'exit_code': code, 'wall_s': time.perf_counter() - started}


def baseline() -> dict[str, Any]:
    """Memory of the exporter's imports alone (what every export pays before reading a bag)."""
    import interop_bridge.cli  # noqa: F401
    import interop_bridge.commands.export  # noqa: F401
    import interop_bridge.export.exporter  # noqa: F401
    import interop_bridge.dataset.writer  # noqa: F401
    return {}


def profile(bag: Path, task: str | None, top: int) -> dict[str, Any]:
    """cProfile of `builder`, printed by total and by own time."""
    profiler = cProfile.Profile()
    profiler.enable()
    figures = builder(bag, task)
    profiler.disable()
    for order in ('cumulative', 'tottime'):
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).strip_dirs().sort_stats(order).print_stats(top)
        print(f'--- cProfile by {order} ---')
        print(text.getvalue())
    return figures


def main() -> int:
    """Run the measurement named on the command line."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('kind', choices=('plain', 'loop', 'builder', 'video', 'cli', 'baseline',
                                         'profile'))
    parser.add_argument('rest', nargs='*')
    parser.add_argument('--task')
    parser.add_argument('--vcodec', default='libsvtav1')
    parser.add_argument('--top', type=int, default=30)
    args, extra = parser.parse_known_args()
    if args.kind == 'cli':
        figures = cli([*args.rest, *extra])
    elif args.kind == 'baseline':
        figures = baseline()
    elif args.kind == 'plain':
        figures = plain(Path(args.rest[0]))
    elif args.kind == 'loop':
        figures = loop(Path(args.rest[0]))
    elif args.kind == 'builder':
        figures = builder(Path(args.rest[0]), args.task)
    elif args.kind == 'profile':
        figures = profile(Path(args.rest[0]), args.task, args.top)
    else:
        figures = video(Path(args.rest[0]), Path(args.rest[1]), args.vcodec,
                        args.task or 'look at the moving square')
    report(figures)
    return 0


if __name__ == '__main__':
    sys.exit(main())
