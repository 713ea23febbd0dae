"""One recorded episode -> one `Episode` on the dataset grid.

Messages are read once, in chunks per topic, decoded in bulk (export/topic_decoders.py) and fed
to one streaming resampler per value (export/resample.py), so memory is the episode's grid plus
one chunk, whatever the message rate. Per-value policy (documented in docs/export.md):

| values | method | why |
|---|---|---|
| joint values; IMU rates; wrenches; hand closures | linear | smooth, sampled faster than frames |
| IMU orientation | slerp | quaternions |
| validity flags | hold | a flag holds until the next sample |
| actions (commands) | hold | a command stays in force until the next one |
| camera frames | nearest | one recorded image per row, never blended |

An invalid entry (its stream's flag off, stale, impossible or not finite) holds that entry's
last valid value (before its first valid frame: that first value), never a made-up 0.0; an
entry valid nowhere in the episode is 0.0 (dataset/features.py says why that is safe). With
`--action next-state`, `action` is the next frame's `observation.state` (and `action.hand` the
next `observation.hand`), with their validity; the last frame's action is invalid.

Camera frames are not kept: the rows' chosen image indices are, and the FrameSource reads the
episode's images again when the writer encodes that camera.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any, cast

import numpy as np

from interop_bridge.canonical import CanonicalSpec, load_canonical
from interop_bridge.errors import ExportError
from interop_bridge.dataset.episode import Episode
from interop_bridge.dataset.records import EpisodeMeta
from interop_bridge.export.episode_split import EpisodeSpan
from interop_bridge.export.frame_validity import (apply_validity, is_next_state_feature,
                                                  with_next_state_actions)
from interop_bridge.dataset.features import ACTION_SOURCES, Feature
from interop_bridge.dataset.joint_layout import JOINT_FEATURES, joint_indices, narrow
from interop_bridge.export.images import ImageDecoder
from interop_bridge.export.plausibility import Plausibility
from interop_bridge.profile import Profile
from interop_bridge.export.resample import Grid, StreamPolicy, StreamResampler
from interop_bridge.export.resample_report import ResampleReport
from interop_bridge.export.resample_report import stamp_label
from interop_bridge.export.robot_discovery import RobotStreams
from interop_bridge.export.topic_decoders import ChecksumTally
from interop_bridge.export.decoded_values import (FEATURE_OF, HOLD_KEYS, combine_sources,
                                                  decoded_key, present_columns)

NS = 1_000_000_000


@dataclass(frozen=True)
class CameraChoice:
    """One camera on the grid: the image index and its distance (s) for every frame."""

    rows: np.ndarray
    distance_s: np.ndarray
    images_in: int

    def report(self, policy: ExportPolicy, length: int) -> dict[str, Any]:
        """The camera's resampling report over the episode's first `length` frames."""
        distance_s = self.distance_s[:length]
        return {'method': 'nearest', 'stamp_source': policy.stamp_source,
                'images_in': self.images_in, 'rows': int(length),
                'max_distance_s': float(distance_s.max()),
                'rows_beyond_tolerance': int((distance_s > policy.max_staleness_s).sum())}


@dataclass(frozen=True)
class ExportPolicy:
    """How streams go onto the grid (the export command's options)."""

    fps: int = 30
    stamp_source: str = 'header'  # header | receive
    max_staleness_s: float = 0.1
    action_staleness_s: float = 0.5
    on_stale: str = 'flag'  # flag | cut
    chunk: int = 1024
    action: str = 'commands'  # commands | next-state | none (dataset/features.py)

    def __post_init__(self) -> None:
        if self.action not in ACTION_SOURCES:
            msg = f'action source {self.action!r}, expected one of {list(ACTION_SOURCES)}'
            raise ExportError(msg)

    def for_key(self, key: str, has_header: bool = True) -> StreamPolicy:
        """The resampling policy of one decoded value (receive times when it has no header)."""
        if key in HOLD_KEYS or key.endswith('_valid'):
            method = 'hold'
        elif key == 'orientation':
            method = 'slerp'
        else:
            method = 'linear'
        stale = self.action_staleness_s if key.startswith('action') else self.max_staleness_s
        on_stale = 'flag' if key.startswith('action') else self.on_stale
        return StreamPolicy(method=method, max_staleness_s=stale, on_stale=on_stale,
                            stamp_source=self.stamp_source if has_header else 'receive')


def _lead_ns(policy: ExportPolicy) -> int:
    """How far before an episode to start reading, so hold/interpolation has a sample."""
    return int(max(policy.max_staleness_s, policy.action_staleness_s) * NS)


class EpisodeBuilder:
    """Reads one episode of one robot from a recording and resamples it onto the grid."""

    def __init__(self, recording: Any, robot: RobotStreams, features: tuple[Feature, ...],
                 policy: ExportPolicy, spec: CanonicalSpec | None = None,
                 checksums: ChecksumTally | None = None) -> None:
        self.recording, self.robot, self.features, self.policy = recording, robot, features, policy
        self.checksums = checksums  # counts the states left out for a failed checksum
        self.spec = spec or load_canonical()
        self.plausibility = Plausibility(robot.profile, self.spec, FEATURE_OF)
        self.task_space = _task_space(robot.profile, self.spec)
        self.camera_keys = {f'observation.images.{name}': camera
                            for name, camera in robot.cameras.items()}
        self.stored_joints = {feature.key: joint_indices(feature.names, self.spec, feature.key)
                              for feature in features if feature.key in JOINT_FEATURES}

    def build(self, span: EpisodeSpan, meta: EpisodeMeta) -> Episode:
        """The episode on the grid, of this robot, with its resampling report in `meta`."""
        grid = Grid.spanning(span.start_ns, span.end_ns, self.policy.fps)
        self.plausibility = Plausibility(self.robot.profile, self.spec, FEATURE_OF)
        resamplers = self._read_streams(grid, span)
        if not any(name.endswith(':position') for name in resamplers):
            msg = (f'episode {span.episode_id!r}: no state message in '
                   f'{self.robot.state_topic} between its start and end')
            raise ExportError(msg)
        results = {key: resampler.finish() for key, resampler in resamplers.items()}
        length = min(result.length for result in results.values())
        choices = self.camera_choices(grid, span)
        if length == 0:
            msg = f'episode {span.episode_id!r}: no frame on the grid'
            raise ExportError(msg)
        columns = self.held_columns({name: result.values for name, result in results.items()},
                                    length)
        videos = {key: self.frame_source(key, choice.rows[:length], span)
                  for key, choice in choices.items()}
        return Episode(task=span.task, length=length, columns=columns, videos=videos,
                       meta=self.final_meta(meta, grid, length, choices,
                                            {name: result.report
                                             for name, result in results.items()}),
                       robot_type=self.robot.profile.name)

    def final_meta(self, meta: EpisodeMeta, grid: Grid, length: int,
                   choices: dict[str, CameraChoice],
                   reports: dict[str, ResampleReport]) -> EpisodeMeta:
        """The episode's meta with its resampling report, once every stream is finished."""
        camera_reports = {key: choice.report(self.policy, length)
                          for key, choice in choices.items()}
        resampling = {key: _report_dict(report) for key, report in reports.items()}
        resampling.update(camera_reports)
        sources = _stamp_sources(reports, camera_reports, self.camera_keys)
        return cast(EpisodeMeta, {**meta, 'resampling': resampling, 'frames': length,
                                  'stamp_source': stamp_label(sources.values()),
                                  'stamp_sources': sources, 'cut': length < grid.length,
                                  'implausible': dict(self.plausibility.counts)})

    def _read_streams(self, grid: Grid, span: EpisodeSpan) -> dict[str, StreamResampler]:
        resamplers: dict[str, StreamResampler] = {}
        for _ in self.feed_streams(grid, span, resamplers):
            pass
        return resamplers

    def feed_streams(self, grid: Grid, span: EpisodeSpan,
                     resamplers: dict[str, StreamResampler]) -> Iterator[bool]:
        """Feed the episode's messages into `resamplers`, chunk by chunk; yields after each
        chunk fed whether every topic read so far was fed at least once (then the frames the
        resamplers resolved are final: the caller may take them)."""
        topics = list(self.robot.decoders)
        buffers: dict[str, list[Any]] = {topic: [] for topic in topics}
        unfed = set()  # topics with records read, never fed yet
        fed: set[str] = set()
        start = span.start_ns - _lead_ns(self.policy)
        stop = span.end_ns + _lead_ns(self.policy)
        for record in self.recording.messages(topics, start, stop):
            buffer = buffers[record.topic]
            buffer.append(record)
            if record.topic not in fed:
                unfed.add(record.topic)
            if len(buffer) >= self.policy.chunk:
                self._feed(record.topic, buffer, grid, resamplers)
                buffer.clear()
                fed.add(record.topic)
                unfed.discard(record.topic)
                yield not unfed
        for topic, buffer in buffers.items():
            if buffer:
                self._feed(topic, buffer, grid, resamplers)

    def _feed(self, topic: str, records: list[Any], grid: Grid,
              resamplers: dict[str, StreamResampler]) -> None:
        chunk = self.robot.decoders[topic].decode([record.data for record in records])
        log_ns = np.fromiter((record.log_ns for record in records), np.int64, len(records))
        if chunk.kept is not None:  # states that failed their own checksum were left out
            if self.checksums is not None:
                self.checksums.count(log_ns, chunk.kept)
            log_ns = log_ns[chunk.kept]
            if not len(log_ns):
                return
        header = chunk.header_ns  # None: a type without header, resampled by receive time
        for key, values in self.plausibility.clean(chunk.values).items():
            name = f'{topic}:{key}'
            if name not in resamplers:
                resamplers[name] = StreamResampler(
                    name, grid, self.policy.for_key(key, header is not None), values.shape[1],
                    present_columns(self.robot.profile, self.spec, key, values.shape[1],
                                    self.robot.hands))
            resamplers[name].feed(values, log_ns, header)

    def held_columns(self, streams: dict[str, np.ndarray], length: int) -> dict[str, np.ndarray]:
        """The episode's columns from every stream's values on the grid (the whole episode)."""
        kept, columns = self.raw_columns(streams, length)
        observed = apply_validity(kept, columns)
        return with_next_state_actions(observed) if self.policy.action == 'next-state' \
            else observed

    def raw_columns(self, streams: dict[str, np.ndarray],
                    length: int) -> tuple[tuple[Feature, ...], dict[str, np.ndarray]]:
        """The features held from streams, and their values before validity (NaN, flags):
        `streams` maps 'topic:key' to (frames, width) values of the same frames."""
        by_key: dict[str, list[np.ndarray]] = {}
        for name, stream in streams.items():
            by_key.setdefault(name.split(':', 1)[1], []).append(stream)
        values = {key: combine_sources(key, parts, length) for key, parts in by_key.items()}
        values.update(self._task_space_values(values, length))
        next_state = self.policy.action == 'next-state'
        columns = {}
        for feature in self.features:
            if feature.is_video or (next_state and is_next_state_feature(feature.key)):
                continue
            key = decoded_key(feature.key)
            data = None if key is None else values.get(key)
            if data is None:  # the robot or recording has none: all invalid, no allocation
                data = np.broadcast_to(np.float64(np.nan), (length, feature.shape[0]))
            elif feature.key in self.stored_joints:  # the joints the dataset stores
                data = narrow(data, self.stored_joints[feature.key])
            columns[feature.key] = data
        kept = tuple(feature for feature in self.features if feature.key in columns)
        return kept, columns

    def _task_space_values(self, values: dict[str, np.ndarray],
                           length: int) -> dict[str, np.ndarray]:
        """Hand, foot and head poses on the grid, by forward kinematics of the resampled
        joint positions (nothing when the profile attaches no model)."""
        if self.task_space is None or 'position' not in values:
            return {}
        valid = np.nan_to_num(np.asarray(values['valid'], dtype=float), nan=0.0) > 0.5
        pose, ok = self.task_space.batch(np.asarray(values['position'], dtype=float), valid)
        return {'eef.position': pose[:, :, :3].reshape(length, -1),
                'eef.orientation': pose[:, :, 3:].reshape(length, -1),
                'eef_valid': ok.astype(np.float64)}

    def camera_choices(self, grid: Grid, span: EpisodeSpan) -> dict[str, CameraChoice]:
        """Per camera, the image nearest to every frame of the grid (raises without images)."""
        choices = {}
        times = grid.times_ns()
        for key, (topic, typename) in self.camera_keys.items():
            decoder = ImageDecoder(self.recording.typestore.fielddefs, typename, topic)
            stamps = np.asarray([
                decoder.stamp_ns(record.data) if self.policy.stamp_source == 'header'
                else record.log_ns for record in self.recording.messages(
                    [topic], span.start_ns - _lead_ns(self.policy),
                    span.end_ns + _lead_ns(self.policy))], dtype=np.int64)
            if not len(stamps):
                msg = f'episode {span.episode_id!r}: camera {topic} has no image'
                raise ExportError(msg)
            chosen = _nearest(stamps, times)
            choices[key] = CameraChoice(chosen, np.abs(stamps[chosen] - times) / NS,
                                        len(stamps))
        return choices

    def frame_source(self, key: str, rows: np.ndarray, span: EpisodeSpan) -> Any:
        topic, typename = self.camera_keys[key]
        recording, lead = self.recording, _lead_ns(self.policy)

        def frames() -> Iterator[np.ndarray]:
            decoder = ImageDecoder(recording.typestore.fielddefs, typename, topic)
            last_row = {int(index): row for row, index in enumerate(rows)}
            decoded: dict[int, np.ndarray] = {}
            row = 0
            messages = recording.messages([topic], span.start_ns - lead, span.end_ns + lead)
            for index, record in enumerate(messages):
                if index in last_row:
                    decoded[index] = decoder.frame(record.data)
                while row < len(rows) and int(rows[row]) in decoded:
                    wanted = int(rows[row])
                    yield decoded[wanted]
                    if last_row[wanted] == row:
                        del decoded[wanted]  # frames no later row uses are let go
                    row += 1
                if row == len(rows):
                    return
            msg = f'camera {topic}: images changed while the episode was encoded'
            raise ExportError(msg)
        return frames


def _task_space(profile: Profile, spec: CanonicalSpec) -> Any:
    """The profile's TaskSpace (Pinocchio imported only when it attaches a model)."""
    if not profile.kinematics.model:
        return None
    from interop_bridge.kinematics.task_space import task_space_for

    return task_space_for(profile, spec)


def _stamp_sources(reports: dict[str, ResampleReport], camera_reports: dict[str, Any],
                   camera_keys: dict[str, tuple[str, str]]) -> dict[str, str]:
    """Topic -> the stamps its streams were resampled by ('header' or 'receive')."""
    sources = {name.split(':', 1)[0]: report.stamp_source for name, report in reports.items()}
    for key, report in camera_reports.items():
        sources[camera_keys[key][0]] = str(report['stamp_source'])
    return sources


def _nearest(stamps: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Index of the stamp nearest to each time (stamps in arrival order, any order)."""
    order = np.argsort(stamps, kind='stable')
    sorted_stamps = stamps[order]
    right = np.clip(np.searchsorted(sorted_stamps, times), 1, len(sorted_stamps) - 1) \
        if len(sorted_stamps) > 1 else np.zeros(len(times), dtype=np.intp)
    if len(sorted_stamps) == 1:
        return np.zeros(len(times), dtype=np.intp)
    left = right - 1
    pick = np.where(np.abs(sorted_stamps[left] - times) <= np.abs(sorted_stamps[right] - times),
                    left, right)
    return order[pick]


def _report_dict(report: Any) -> dict[str, Any]:
    return asdict(report) if hasattr(report, '__dataclass_fields__') else dict(report)
