"""Plan an export before writing anything: each bag's robot, episodes and cameras.

Planning reads only the small topics (embodiment, episode events) and one image per camera,
so every input is checked (robot, episodes, one camera set) before the first frame is
resampled.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from interop_bridge.canonical import CanonicalSpec
from interop_bridge.errors import ExportError
from interop_bridge.dataset.card import DEFAULT_LICENSE, check_license
from interop_bridge.dataset.features import TactilePad
from interop_bridge.dataset.joint_layout import check_layout
from interop_bridge.dataset.records import SourceRecord
from interop_bridge.export.bag_reader import BagSource, Recording, open_bags
from interop_bridge.export.bag_sources import discover_bags
from interop_bridge.export.budget import check_rate
from interop_bridge.export.episode_assembly import ExportPolicy
from interop_bridge.export.episode_split import EpisodeSpan, mark_from_message, plan_episodes
from interop_bridge.export.images import ImageDecoder
from interop_bridge.export.profile_fit import check_fit, sample_state
from interop_bridge.export.robot_discovery import RobotStreams, discover_robot
from interop_bridge.export.topic_decoders import CanonicalCommandDecoder, VendorCommandDecoder

COMMAND_DECODERS = (CanonicalCommandDecoder, VendorCommandDecoder)

Progress = Callable[[str], None]


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
    allow_upsample: bool = False  # --fps above the state stream's rate
    license: str = DEFAULT_LICENSE  # SPDX identifier for the dataset card ('other': not given)
    joints: str = 'robot'  # joint layout: the robots' own joints, or 'canonical' (all)

    def __post_init__(self) -> None:
        check_license(self.license)
        check_layout(self.joints)


@dataclass
class BagPlan:
    """One bag: its robot, the episodes to export and what was left out."""

    path: Path
    robot: RobotStreams
    spans: tuple[EpisodeSpan, ...]
    excluded: tuple[EpisodeSpan, ...]
    warnings: tuple[str, ...]
    camera_sizes: dict[str, tuple[int, int]]
    sources: tuple[BagSource, ...]  # provenance; files hashed when the record is built
    state_rate_hz: float = 0.0  # measured from the first state messages (0: unknown)
    command_topics: tuple[str, ...] = ()  # the robot's command topics holding messages


def plan_bag(path: Path, request: ExportRequest, spec: CanonicalSpec) -> BagPlan:
    """Open one bag and decide its robot, episodes and cameras (no bulk reading)."""
    with open_bags(path) as recording:
        robot = discover_robot(recording, spec, profile=request.profile,
                               namespace=request.namespace, cameras=request.cameras,
                               source=str(path))
        sample = sample_state(recording, robot.state_topic)
        check_fit(robot, sample, str(path))
        check_rate(request.policy.fps, sample.rate_hz, robot.state_topic, str(path),
                   request.allow_upsample)
        marks = []
        if robot.episode_topic:
            marks = [mark_from_message(recording.deserialize(record), record.log_ns)
                     for record in recording.messages([robot.episode_topic])]
        plan = plan_episodes(marks, recording.start_ns, recording.end_ns, request.task,
                             request.include_failed)
        sizes = {name: _camera_size(recording, topic, typename)
                 for name, (topic, typename) in robot.cameras.items()}
        sources = recording.sources
        warnings = (*recording.warnings, *plan.warnings)
    return BagPlan(path, robot, plan.kept, plan.excluded, tuple(warnings), sizes, sources,
                   sample.rate_hz, recorded_commands(recording, robot))


def recorded_commands(recording: Recording, robot: RobotStreams) -> tuple[str, ...]:
    """The robot's joint command topics (canonical or vendor) with at least one message."""
    return tuple(sorted(topic for topic, decoder in robot.decoders.items()
                        if isinstance(decoder, COMMAND_DECODERS)
                        and recording.topics[topic].count > 0))


def source_record(source: BagSource) -> SourceRecord:
    """One bag of a recording: storage, completeness, message count, files with SHA-256."""
    return {'path': str(source.path), 'storage': source.storage, 'complete': source.complete,
            'messages': source.message_count,
            'files': [{'path': str(f.path), 'sha256': f.sha256, 'bytes': f.size}
                      for f in source.files]}


def _camera_size(recording: Recording, topic: str, typename: str) -> tuple[int, int]:
    decoder = ImageDecoder(recording.typestore.fielddefs, typename, topic)
    for record in recording.messages([topic]):
        height, width, _ = decoder.frame(record.data).shape
        return (height, width)
    message = f'camera topic {topic} holds no image'
    raise ExportError(message)


def check_same_schema(plans: Sequence[BagPlan]) -> dict[str, tuple[int, int]]:
    """The cameras every bag shares; refuses bags whose cameras or sizes differ."""
    first = plans[0]
    for plan in plans[1:]:
        if plan.camera_sizes != first.camera_sizes:
            message = (f'{plan.path}: cameras {plan.camera_sizes} differ from {first.path}: '
                       f'{first.camera_sizes}; one dataset has one camera set (choose with '
                       '--camera)')
            raise ExportError(message)
    return first.camera_sizes


def export_tactile(plans: Sequence[BagPlan]) -> tuple[TactilePad, ...]:
    """The tactile pads of every bag's hands (a bag without them has them invalid); refuses
    two bags whose pad of one name differs in shape or unit."""
    pads: dict[str, tuple[TactilePad, Path]] = {}
    for plan in plans:
        hands = plan.robot.hands
        if hands is None:
            continue
        for side in hands.sides:
            for patch in hands.tactile:
                pad = TactilePad(side.side, patch.patch, patch.rows, patch.cols, patch.unit)
                known = pads.setdefault(pad.key, (pad, plan.path))
                if known[0] != pad:
                    message = (f'{plan.path}: tactile pad {pad.key} is {pad.rows} x {pad.cols} '
                               f'{pad.unit}, in {known[1]} {known[0].rows} x {known[0].cols} '
                               f'{known[0].unit}: one dataset has one layout per pad')
                    raise ExportError(message)
    return tuple(pad for _, (pad, _) in sorted(pads.items()))


def _about(path: Path, warning: str) -> str:
    """The warning, led by the bag it is about (once: some warnings name their file already)."""
    return warning if warning.startswith(str(path)) else f'{path.name}: {warning}'


def plan_export(request: ExportRequest, spec: CanonicalSpec,
                progress: Progress) -> list[BagPlan]:
    """Plan every bag of the request, reporting each bag's warnings.

    Raises:
        ExportError: a bag cannot be exported, or no bag has an episode to export.
    """
    paths = discover_bags(request.bags)
    progress(f'planning {len(paths)} bag(s)')
    plans = [plan_bag(path, request, spec) for path in paths]
    for plan in plans:
        for warning in plan.warnings:
            progress(f'warning: {_about(plan.path, warning)}')
    if not any(plan.spans for plan in plans):
        excluded = sum(len(plan.excluded) for plan in plans)
        message = (f'no episode to export in {len(plans)} bag(s): {excluded} excluded, none '
                   'kept (see the warnings)')
        raise ExportError(message)
    return plans
