"""rosbag2 recordings of any supported robot -> one LeRobotDataset v3.0 with the canonical schema.

`export_recordings` plans every bag first (robot, episodes, cameras: cheap, reads only the small
topics), refuses inputs whose schemas would differ, then writes every episode inside one staged
dataset (dataset/atomic.py): the dataset appears, or grows, only when everything succeeded.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from interop_bridge import __name__ as package_name
from interop_bridge.canonical import CanonicalSpec, load_canonical
from interop_bridge.errors import ExportError
from interop_bridge.dataset.atomic import is_dataset, staged_dataset
from interop_bridge.export.bag_reader import open_bags
from interop_bridge.export.bag_sources import discover_bags
from interop_bridge.export.episode_assembly import EpisodeBuilder, ExportPolicy
from interop_bridge.export.episode_split import EpisodeSpan, mark_from_message, plan_episodes
from interop_bridge.dataset.features import Feature, canonical_features
from interop_bridge.export.images import ImageDecoder
from interop_bridge.dataset.metadata import gr00t_modality
from interop_bridge.export.robot_discovery import RobotStreams, discover_robot
from interop_bridge.dataset.writer import DatasetWriter, WriteSummary

LOG = logging.getLogger(__name__)
EXPORTER_VERSION = '0.1.0'


@dataclass(frozen=True)
class ExportRequest:
    """Everything the export command was asked to do."""

    bags: tuple[Path, ...]
    out: Path
    task: str | None = None
    profile: str | None = None
    namespace: str | None = None
    cameras: Mapping[str, str] = field(default_factory=dict)
    include_failed: bool = False
    vcodec: str = 'libsvtav1'
    modality: bool = False
    policy: ExportPolicy = ExportPolicy()


@dataclass
class BagPlan:
    """One bag: its robot, the episodes to export and what was left out."""

    path: Path
    robot: RobotStreams
    spans: tuple[EpisodeSpan, ...]
    excluded: tuple[EpisodeSpan, ...]
    warnings: tuple[str, ...]
    camera_sizes: dict[str, tuple[int, int]]
    sources: list[dict[str, Any]]


Progress = Callable[[str], None]


def plan_bag(path: Path, request: ExportRequest, spec: CanonicalSpec) -> BagPlan:
    """Open one bag and decide its robot, episodes and cameras (no bulk reading)."""
    with open_bags(path) as recording:
        robot = discover_robot(recording, spec, profile=request.profile,
                               namespace=request.namespace, cameras=request.cameras,
                               source=str(path))
        marks = []
        if robot.episode_topic:
            marks = [mark_from_message(recording.deserialize(record), record.log_ns)
                     for record in recording.messages([robot.episode_topic])]
        plan = plan_episodes(marks, recording.start_ns, recording.end_ns, request.task,
                             request.include_failed)
        sizes = {name: _camera_size(recording, topic, typename)
                 for name, (topic, typename) in robot.cameras.items()}
        sources = [_source_dict(source) for source in recording.sources]
        warnings = (*recording.warnings, *plan.warnings)
    return BagPlan(path, robot, plan.kept, plan.excluded, tuple(warnings), sizes, sources)


def _camera_size(recording: Any, topic: str, typename: str) -> tuple[int, int]:
    decoder = ImageDecoder(recording.typestore.fielddefs, typename, topic)
    for record in recording.messages([topic]):
        height, width, _ = decoder.frame(record.data).shape
        return (height, width)
    raise ExportError(f'camera topic {topic} holds no image')


def _source_dict(source: Any) -> dict[str, Any]:
    return {'path': str(source.path), 'storage': source.storage, 'complete': source.complete,
            'messages': source.message_count,
            'files': [{'path': str(f.path), 'sha256': f.sha256, 'bytes': f.size}
                      for f in source.files]}


def check_same_schema(plans: list[BagPlan]) -> dict[str, tuple[int, int]]:
    """The cameras every bag shares; refuses bags whose cameras or sizes differ."""
    first = plans[0]
    for plan in plans[1:]:
        if plan.camera_sizes != first.camera_sizes:
            raise ExportError(
                f'{plan.path}: cameras {plan.camera_sizes} differ from {first.path}: '
                f'{first.camera_sizes}; one dataset has one camera set (choose with --camera)')
    return first.camera_sizes


def export_recordings(request: ExportRequest, progress: Progress = LOG.info) -> WriteSummary:
    """Export every episode of every bag into one dataset (created or appended), atomically."""
    spec = load_canonical()
    paths = discover_bags(request.bags)
    progress(f'planning {len(paths)} bag(s)')
    plans = [plan_bag(path, request, spec) for path in paths]
    for plan in plans:
        for warning in plan.warnings:
            progress(f'warning: {plan.path.name}: {warning}')
    if not any(plan.spans for plan in plans):
        raise ExportError('no episode to export (all excluded or empty; see the warnings)')
    features = canonical_features(spec, check_same_schema(plans))
    total = sum(len(plan.spans) for plan in plans)
    started = time.monotonic()
    with staged_dataset(request.out) as staging:
        written, summary, new_frames, encoded, encode_s = 0, None, 0, 0, 0.0
        for plan in plans:
            if not plan.spans:
                continue
            writer = _open_writer(staging, features, plan, request)
            try:
                written = _write_bag(writer, plan, features, request, progress, written, total)
                summary = writer.finalize(_dataset_meta(request, spec, [plan]),
                                          _modality(request, spec, features))
                new_frames += summary.new_frames
                encoded += summary.encoded_frames
                encode_s += summary.encode_seconds
            except BaseException:
                writer.abort()
                raise
    progress(f'exported {written} episode(s) in {time.monotonic() - started:.1f} s '
             f'to {request.out}')
    return WriteSummary(Path(request.out), summary.total_episodes, summary.total_frames,
                        written, new_frames, encoded, encode_s)


def _open_writer(staging: Path, features: tuple[Feature, ...], plan: BagPlan,
                 request: ExportRequest) -> DatasetWriter:
    robot_type = plan.robot.profile.name
    fps = request.policy.fps
    if is_dataset(staging):
        return DatasetWriter.append_to(staging, features, fps, robot_type, request.vcodec,
                                       label=str(request.out))
    return DatasetWriter(staging, features, fps, robot_type, request.vcodec)


def _write_bag(writer: DatasetWriter, plan: BagPlan, features: tuple[Feature, ...],
               request: ExportRequest, progress: Progress, written: int, total: int) -> int:
    with open_bags(plan.path) as recording:
        builder = EpisodeBuilder(recording, plan.robot, features, request.policy)
        for span in plan.spans:
            episode = builder.build(span, _episode_meta(plan, span))
            index = writer.write_episode(episode)
            written += 1
            progress(f'{progress_bar(written, total)} episode {index}: {plan.path.name} '
                     f'{span.episode_id!r} {episode.length} frames ({span.duration_s:.1f} s) '
                     f'task {span.task!r}')
    return written


def progress_bar(done: int, total: int, width: int = 20) -> str:
    """'[#######-------------]  7/20' for progress lines."""
    filled = width * done // max(total, 1)
    return f'[{"#" * filled}{"-" * (width - filled)}] {done:>{len(str(total))}}/{total}'


def _episode_meta(plan: BagPlan, span: EpisodeSpan) -> dict[str, Any]:
    robot = plan.robot
    return {'source_bag': str(plan.path), 'episode_id': span.episode_id,
            'outcome': span.outcome, 'notes': list(span.notes), 'warnings': list(span.warnings),
            'start_ns': span.start_ns, 'end_ns': span.end_ns,
            'profile': robot.profile.name, 'profile_sha256': robot.profile.sha256,
            'recorded_profile_sha256': robot.embodiment_sha256,
            'profile_from': robot.profile_from, 'namespace': robot.namespace,
            'state_topic': robot.state_topic, 'canonical_input': robot.canonical,
            'cameras': {name: topic for name, (topic, _) in robot.cameras.items()}}


def _dataset_meta(request: ExportRequest, spec: CanonicalSpec,
                  plans: list[BagPlan]) -> dict[str, Any]:
    return {'exporter': f'{package_name} {EXPORTER_VERSION}',
            'interface_version': spec.interface_version,
            'canonical_sha256': hashlib.sha256(Path(spec.source).read_bytes()).hexdigest(),
            'policy': asdict(request.policy), 'vcodec': request.vcodec,
            'bags': [{'path': str(plan.path), 'robot': plan.robot.profile.name,
                      'profile_sha256': plan.robot.profile.sha256, 'sources': plan.sources,
                      'episodes': [span.episode_id for span in plan.spans],
                      'excluded': [{'episode_id': span.episode_id, 'outcome': span.outcome}
                                   for span in plan.excluded],
                      'warnings': list(plan.warnings)} for plan in plans]}


def _modality(request: ExportRequest, spec: CanonicalSpec,
              features: tuple[Feature, ...]) -> dict[str, Any] | None:
    if not request.modality:
        return None
    return gr00t_modality(spec, [feature.key for feature in features if feature.is_video])
