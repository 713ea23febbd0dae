"""rosbag2 recordings of any supported robot -> one LeRobotDataset v3.0 with the canonical schema.

`export_recordings` plans every bag first (planning.py: robot, episodes, cameras; cheap, reads
only the small topics), refuses inputs whose schemas would differ, then hands every episode of
every bag, one at a time, to one `write_dataset` (dataset/atomic.py): one staged dataset, one
writer whatever the robots (each episode carries its robot_type), finalized once. Each episode
is assembled in segments as the writer writes it (export/episode_stream.py), so memory stays
flat in episode length; `iter_episodes(..., streamed=False)` builds each one whole. The dataset
appears, or grows, only when everything succeeded. Vendor states that fail their own checksum
are left out by the state decoder and counted by a `ChecksumTally`: one warning per bag, the
count in each episode's meta (`checksum_failures`).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from interop_bridge.canonical import CanonicalSpec, load_canonical
from interop_bridge.dataset.atomic import is_dataset, write_dataset
from interop_bridge.dataset.episode import Episode
from interop_bridge.dataset.episode_stream import EpisodeSegment, StreamedEpisode
from interop_bridge.dataset.features import Feature, canonical_features
from interop_bridge.dataset.joint_layout import layout_joints, stored_joints
from interop_bridge.dataset.layout import MAX_EPISODE_S
from interop_bridge.dataset.metadata import gr00t_modality, read_info
from interop_bridge.dataset.records import EpisodeMeta, ModalityFile
from interop_bridge.dataset.summary import WriteSummary
from interop_bridge.errors import ExportError
from interop_bridge.export.action_source import ActionChoice, resolve_action
from interop_bridge.export.bag_reader import open_bags
from interop_bridge.export.budget import check_memory
from interop_bridge.export.episode_assembly import EpisodeBuilder, ExportPolicy
from interop_bridge.export.episode_split import EpisodeSpan
from interop_bridge.export.episode_stream import stream_episode
from interop_bridge.export.planning import (BagPlan, ExportRequest, Progress, check_same_schema,
                                            export_tactile, plan_bag, plan_export)
from interop_bridge.export.provenance import EXPORTER_VERSION, episode_meta, export_meta
from interop_bridge.export.robot_discovery import RobotStreams
from interop_bridge.export.topic_decoders import ChecksumTally, VendorStateDecoder

LOG = logging.getLogger(__name__)
__all__ = ['EXPORTER_VERSION', 'BagPlan', 'ExportRequest', 'PreparedExport', 'export_recordings',
           'iter_episodes', 'plan_bag', 'prepare_export', 'progress_bar']


@dataclass(frozen=True)
class PreparedExport:
    """What an export decided before writing anything: every bag's plan, the action source,
    the joints stored and the features (the same for one process and for a parallel export)."""

    plans: list[BagPlan]
    action: ActionChoice
    joints: tuple[int, ...]
    features: tuple[Feature, ...]


def prepare_export(request: ExportRequest, progress: Progress = LOG.info, *,
                   streamed: bool = True) -> PreparedExport:
    """Plan every bag and check what the export as a whole needs (one schema, one action
    source, the joints, memory for the largest episode); nothing is written.

    Raises:
        ExportError: a bag cannot be exported, or the bags cannot go into one dataset.
    """
    spec = load_canonical()
    plans = plan_export(request, spec, progress)
    action = resolve_action(request.policy.action, plans, request.out)
    if action.source == 'none' and request.policy.action == 'commands':
        progress(f'warning: {action.reason}')
    joints = export_joints(request, plans, spec)
    features = canonical_features(spec, check_same_schema(plans), action.source, joints,
                                  export_tactile(plans))
    check_memory([(str(plan.path), span) for plan in plans for span in plan.spans], features,
                 request.policy.fps, segmented=streamed)
    return PreparedExport(plans, action, joints, features)


def export_recordings(request: ExportRequest, progress: Progress = LOG.info, *,
                      streamed: bool = True, max_episode_s: float = MAX_EPISODE_S,
                      prepared: PreparedExport | None = None) -> WriteSummary:
    """Export every episode of every bag into one dataset (created or appended), atomically.

    `streamed=False` builds each episode whole before writing it (same output, memory growing
    with episode length); `max_episode_s`: longer episodes are written as parts this long;
    `prepared`: the request's prepare_export, already done (not repeated).
    """
    spec = load_canonical()
    if prepared is None:
        prepared = prepare_export(request, progress, streamed=streamed)
    plans, action, features = prepared.plans, prepared.action, prepared.features
    started = time.monotonic()
    lines = _ProgressLines(progress, sum(len(plan.spans) for plan in plans))
    policy = replace(request.policy, action=action.source)
    with contextlib.closing(iter_episodes(plans, features, policy, spec, progress,
                                          streamed)) as episodes:
        summary = write_dataset(request.out, features, request.policy.fps, episodes,
                                export_meta(request, spec, plans, action.record()),
                                vcodec=request.vcodec,
                                modality=_modality(request, spec, features, prepared.joints),
                                on_episode=lines.episode_written,
                                max_episode_s=max_episode_s)
    progress(f'exported {summary.new_episodes} episode(s) in '
             f'{time.monotonic() - started:.1f} s to {request.out}')
    lines.report_implausible()
    return summary


def export_joints(request: ExportRequest, plans: Sequence[BagPlan],
                  spec: CanonicalSpec) -> tuple[int, ...]:
    """The canonical joints the dataset stores (dataset/joint_layout.py).

    A new dataset: the export's robots' joints (union), or all with --joints canonical. An
    existing one keeps the joints it stores; the robots' joints must be among them.
    """
    wanted = layout_joints(request.joints, [[joint.index for joint in plan.robot.profile.joints]
                                            for plan in plans if plan.spans], spec)
    if not is_dataset(request.out):
        return wanted
    stored = stored_joints(read_info(request.out)['features'], spec)
    missing = [spec.joint_names[index] for index in wanted if index not in stored]
    if missing:
        asked = 'this export asks for' if request.joints == 'canonical' else \
            "this export's robots have"
        msg = (f'{request.out} stores {len(stored)} joint(s), not {missing!r} that {asked}: '
               'export into a new dataset and `interop merge` the two (merge stores the '
               'union), or export both with --joints canonical')
        raise ExportError(msg)
    return stored


def iter_episodes(plans: Sequence[BagPlan], features: tuple[Feature, ...],
                  policy: ExportPolicy, spec: CanonicalSpec | None = None,
                  progress: Progress = LOG.info,
                  streamed: bool = True) -> Generator[Episode | StreamedEpisode, None, None]:
    """Every kept episode of every bag, in order, one at a time (one bag open).

    Streamed (default): each episode is assembled in segments while the writer writes it;
    else built whole (the same values). After a bag's last episode, one warning if states of
    it failed their checksum (dropped).
    """
    for plan in plans:
        if not plan.spans:
            continue
        with open_bags(plan.path) as opened:
            tally = _checksum_tally(plan.robot)
            builder = EpisodeBuilder(opened, plan.robot, features, policy, spec, tally)
            for span in plan.spans:
                meta = episode_meta(plan, span)
                if streamed:
                    yield _counted_stream(stream_episode(builder, span, meta), tally)
                else:
                    yield builder.build(span, meta) if tally is None else \
                        _build_counted(builder, tally, span, meta)
        if tally is not None and (warning := tally.warning()):
            progress(f'warning: {plan.path.name}: {warning}')


def _checksum_tally(robot: RobotStreams) -> ChecksumTally | None:
    """A tally of the vendor states failing their checksum (None: a canonical state topic)."""
    decoder = robot.decoders.get(robot.state_topic)
    return ChecksumTally(robot.state_topic) if isinstance(decoder, VendorStateDecoder) else None


def _build_counted(builder: EpisodeBuilder, tally: ChecksumTally, span: EpisodeSpan,
                   meta: EpisodeMeta) -> Episode:
    """One episode, with the states it left out for a failed checksum in its meta."""
    tally.start_episode()
    try:
        episode = builder.build(span, meta)
    except ExportError as error:
        if not tally.episode_dropped:
            raise
        msg = f'{error} ({tally.episode_dropped} {tally.topic} message(s) dropped: bad CRC)'
        raise ExportError(msg) from error
    if not tally.has_checksum:
        return episode
    recorded = episode.meta.copy()
    recorded['checksum_failures'] = tally.episode_dropped
    return replace(episode, meta=recorded)


def _counted_stream(episode: StreamedEpisode, tally: ChecksumTally | None) -> StreamedEpisode:
    """A streamed episode whose meta counts the states left out for a failed checksum."""
    if tally is None:
        return episode
    segments = episode.segments

    def counted(max_frames: int) -> Iterator[EpisodeSegment]:
        tally.start_episode()
        try:
            yield from segments(max_frames)
        except ExportError as error:
            if not tally.episode_dropped:
                raise
            msg = f'{error} ({tally.episode_dropped} {tally.topic} message(s) dropped: bad CRC)'
            raise ExportError(msg) from error
        if tally.has_checksum:
            episode.meta = {**episode.meta, 'checksum_failures': tally.episode_dropped}
    episode.segments = counted
    return episode


class _ProgressLines:
    """One progress line per written episode: bar, index, bag, id, frames, duration, task."""

    def __init__(self, progress: Progress, total: int) -> None:
        self._progress = progress
        self._total = total
        self._written = 0
        self._implausible: dict[str, int] = {}

    def episode_written(self, index: int, episode: Episode | StreamedEpisode) -> None:
        """Report episode `index` (called by write_dataset once it is written)."""
        self._written += 1
        meta = episode.meta
        duration_s = (meta.get('end_ns', 0) - meta.get('start_ns', 0)) / 1e9
        self._progress(f'{progress_bar(self._written, self._total)} episode {index}: '
                       f'{Path(meta.get("source_bag", "?")).name} '
                       f'{meta.get("episode_id", "?")!r} {episode.length} frames '
                       f'({duration_s:.1f} s) task {episode.task!r}')
        flagged = meta.get('implausible', {})
        if flagged:
            self._progress(f'warning: episode {index}: {sum(flagged.values())} impossible '
                           f'value(s) flagged invalid, not exported: {_counts(flagged)}')
        for feature, count in flagged.items():
            self._implausible[feature] = self._implausible.get(feature, 0) + count

    def report_implausible(self) -> None:
        """One warning line with every impossible value flagged in this export, if any."""
        if self._implausible:
            self._progress(f'warning: {sum(self._implausible.values())} impossible value(s) '
                           f'flagged invalid in total: {_counts(self._implausible)} (per '
                           'episode: meta/interop.json episodes.*.implausible)')


def _counts(counts: dict[str, int]) -> str:
    return ', '.join(f'{feature} {count}' for feature, count in sorted(counts.items()))


def progress_bar(done: int, total: int, width: int = 20) -> str:
    """'[#######-------------]  7/20' for progress lines."""
    filled = width * done // max(total, 1)
    return f'[{"#" * filled}{"-" * (width - filled)}] {done:>{len(str(total))}}/{total}'


def _modality(request: ExportRequest, spec: CanonicalSpec, features: tuple[Feature, ...],
              joints: Sequence[int]) -> ModalityFile | None:
    if not request.modality:
        return None
    keys = {feature.key for feature in features}
    return gr00t_modality(spec, [feature.key for feature in features if feature.is_video],
                          with_action='action' in keys, joints=joints)
