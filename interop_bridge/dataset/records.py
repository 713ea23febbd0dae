"""Types of the JSON files of a dataset and of the metadata handed to the writer.

- `DatasetInfo`: meta/info.json, LeRobot's `DatasetInfo` (every key, in LeRobot's order);
  `FeatureEntry` one of its `features`, `VideoInfo` a camera's `info`.
- `InteropFile`: our meta/interop.json; `ExportRecord` one export (what `ExportMeta` the
  exporter hands to the writer, plus the episode span), `EpisodeRecord` one episode's entry
  (`EpisodeMeta`, what the exporter attaches to an `Episode`, plus its robot).
- `ModalityFile`: Isaac GR00T's meta/modality.json.
- `StatsFile`: meta/stats.json, feature -> statistic -> nested lists of numbers.

`JsonValue` types the values that have no fixed layout (an export policy, a resampling report).
The metadata TypedDicts are `total=False`: the library writes what it is given and adds its
own keys; the exporter fills every key (export/provenance.py).
"""

from __future__ import annotations

from typing import NotRequired, Required, TypeAlias, TypedDict

JsonValue: TypeAlias = (
    'str | int | float | bool | None | list[JsonValue] | dict[str, JsonValue]')

VideoInfo = TypedDict('VideoInfo', {
    'video.height': int, 'video.width': int, 'video.codec': str, 'video.pix_fmt': str,
    'video.is_depth_map': bool, 'video.fps': int, 'video.channels': int, 'has_audio': bool,
    'video.g': int, 'video.crf': int, 'video.preset': 'int | str'})


class FeatureEntry(TypedDict):
    """One `features[key]` of info.json."""

    dtype: str
    shape: list[int]
    names: list[str] | None
    info: NotRequired[VideoInfo]


class DatasetInfo(TypedDict):
    """meta/info.json."""

    codebase_version: str
    robot_type: str | None
    total_episodes: int
    total_frames: int
    total_tasks: int
    chunks_size: int
    data_files_size_in_mb: float
    video_files_size_in_mb: float
    fps: int
    splits: dict[str, str]
    data_path: str
    video_path: str | None
    features: dict[str, FeatureEntry]
    tools: NotRequired[list[dict[str, JsonValue]]]


class SourceFileRecord(TypedDict):
    """One storage file of a bag."""

    path: str
    sha256: str
    bytes: int


class SourceRecord(TypedDict):
    """One bag that went into a recording."""

    path: str
    storage: str
    complete: bool
    messages: int
    files: list[SourceFileRecord]


class ExcludedRecord(TypedDict):
    """An episode left out of an export, with its outcome."""

    episode_id: str
    outcome: str


class BagRecord(TypedDict):
    """One recording of an export: its robot, what was exported and what was not."""

    path: str
    robot: str
    profile_sha256: str
    sources: list[SourceRecord]
    episodes: list[str]
    excluded: list[ExcludedRecord]
    warnings: list[str]
    hands: NotRequired[HandsRecord]


class PadRecord(TypedDict):
    """One tactile pad of a recording's hands, as its feature stores it."""

    feature: str            # observation.tactile.<side>.<pad>
    native_name: str
    rows: int
    cols: int
    unit: str
    no_reading: list[float]  # the vendor's sentinels: never a valid value
    valid_range: list[float]


class HandsRecord(TypedDict):
    """The hand profile a recording's vendor hand topics were read with."""

    profile: str
    profile_sha256: str
    firmware: str
    pads: list[PadRecord]


class ExportMeta(TypedDict, total=False):
    """Dataset-level provenance of one export (handed to the writer)."""

    exporter: str
    interface_version: str
    canonical_sha256: str
    policy: dict[str, JsonValue]
    vcodec: str
    action: dict[str, str]  # source ('commands', 'next-state', 'none') and reason
    license: str  # SPDX identifier given at export ('other': none given; dataset/card.py)
    joints: str  # the joint layout asked for: 'robot' or 'canonical' (dataset/joint_layout.py)
    bags: list[BagRecord]


class ExportRecord(ExportMeta, total=False):
    """One entry of interop.json `exports`: the export's provenance and its episodes."""

    episodes: Required[str]  # 'first:end' episode indices
    source: str  # the dataset it came from (merged datasets)


ResamplingReport: TypeAlias = dict[str, JsonValue]


class EpisodeMeta(TypedDict, total=False):
    """Per-episode provenance attached to an `Episode` (goes to interop.json only)."""

    source_bag: str
    episode_id: str
    outcome: str
    notes: list[str]
    warnings: list[str]
    start_ns: int
    end_ns: int
    profile: str
    profile_sha256: str
    recorded_profile_sha256: str
    profile_from: str
    namespace: str
    state_topic: str
    canonical_input: bool
    cameras: dict[str, str]
    # added by the episode builder (export/episode_assembly.py)
    resampling: dict[str, ResamplingReport]
    stamp_source: str  # stamps actually used: 'header', 'receive' or 'mixed' (see stamp_sources)
    stamp_sources: dict[str, str]  # topic -> 'header' | 'receive', as resampled
    frames: int
    cut: bool
    implausible: dict[str, int]  # feature -> decoded entries flagged invalid (impossible)
    # added by the exporter for a state with its own checksum (Unitree LowState CRC)
    checksum_failures: int  # state messages read for the episode and dropped: bad checksum


class MergedFrom(TypedDict):
    """Where a merged episode came from."""

    dataset: str
    episode_index: int


class SplitRecord(TypedDict):
    """One part of an episode longer than the maximum length (dataset/episode_parts.py)."""

    episode_id: str | None  # the original episode's id (its EpisodeMeta), None without one
    part: int  # 0 .. parts - 1; the parts are consecutive episodes (part 0: index - part)
    parts: int
    frame_offset: int  # this part's frame 0 is frame `frame_offset` of the original
    frames: int  # the original episode's length


class EpisodeRecord(EpisodeMeta, total=False):
    """One entry of interop.json `episodes`."""

    robot_type: Required[str | None]
    merged_from: MergedFrom
    split: SplitRecord  # only for the parts of a split episode


class InteropFile(TypedDict):
    """meta/interop.json."""

    format: str
    valid_keys: dict[str, str | None]
    robots: list[str]
    exports: list[ExportRecord]
    episodes: dict[str, EpisodeRecord]
    merged_from: NotRequired[list[str]]


class ModalitySlice(TypedDict):
    """A body part's slice of a state or action vector."""

    start: int
    end: int
    original_key: str
    absolute: NotRequired[bool]


class ModalityKey(TypedDict):
    """A modality stored whole under one feature."""

    original_key: str


class ModalityFile(TypedDict):
    """meta/modality.json."""

    state: dict[str, ModalitySlice]
    action: dict[str, ModalitySlice]
    video: dict[str, ModalityKey]
    annotation: dict[str, ModalityKey]


StatsFile: TypeAlias = dict[str, dict[str, JsonValue]]
