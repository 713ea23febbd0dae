"""The JSON metadata of a dataset: info.json, stats.json, our interop.json, GR00T modality.json.

info.json holds only LeRobot's keys. Our own metadata lives in meta/interop.json:

    {"format": "interop-dataset/1",
     "valid_keys": {feature: its validity feature},   # needed to aggregate statistics
     "robots": [robot types in order of first appearance],
     "exports": [{"episodes": "first:end", ...one export's provenance (ExportMeta)}],
     "episodes": {"<episode_index>": {"robot_type": ..., ...its provenance (EpisodeMeta)}}}

The types of every JSON file are in records.py.

A dataset holding several robots has `robot_type` = their names joined with '+' in order of
first appearance ("unitree_g1_29dof+booster_t1"): a string, because LeRobot types it as one;
interop.json keeps each episode's robot.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import cast

import numpy as np

from interop_bridge.canonical import CanonicalSpec
from interop_bridge.errors import ExportError
from interop_bridge.dataset.episode import ROBOT_SEPARATOR
from interop_bridge.dataset.features import ACTION_SOURCES, Feature
from interop_bridge.dataset.layout import (CHUNKS_SIZE, CODEBASE_VERSION, DATA_PATH, INFO_PATH,
                                           INTEROP_PATH, MODALITY_PATH, STATS_PATH, VIDEO_PATH)
from interop_bridge.dataset.records import (DatasetInfo, FeatureEntry, InteropFile,
                                            ModalityFile, ModalityKey, ModalitySlice, StatsFile)
from interop_bridge.dataset.stats import FeatureStats

INTEROP_FORMAT = 'interop-dataset/1'
DEFAULT_FEATURES: dict[str, FeatureEntry] = {
    'timestamp': {'dtype': 'float32', 'shape': [1], 'names': None},
    'frame_index': {'dtype': 'int64', 'shape': [1], 'names': None},
    'episode_index': {'dtype': 'int64', 'shape': [1], 'names': None},
    'index': {'dtype': 'int64', 'shape': [1], 'names': None},
    'task_index': {'dtype': 'int64', 'shape': [1], 'names': None},
}


def write_json(root: Path, relative: str, content: object) -> None:
    """Write a JSON file under the dataset root (indented, UTF-8)."""
    path = root / relative
    try:
        text = json.dumps(content, indent=4, ensure_ascii=False)
    except (TypeError, ValueError) as err:
        message = f'{path}: cannot be written as JSON ({err})'
        raise ExportError(message) from None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + '\n', encoding='utf-8')


def read_json(root: Path, relative: str) -> object:
    """Read a JSON file of the dataset; ExportError naming the file when missing or broken."""
    path = root / relative
    try:
        return cast(object, json.loads(path.read_text(encoding='utf-8')))
    except FileNotFoundError:
        message = f'{path}: missing (is {root} a LeRobot v3.0 dataset?)'
    except json.JSONDecodeError as err:
        message = f'{path}: not valid JSON ({err})'
    raise ExportError(message)


def read_object(root: Path, relative: str) -> dict[str, object]:
    """A JSON file that must hold one object; ExportError naming what it holds instead."""
    content = read_json(root, relative)
    if not isinstance(content, dict):
        message = (f'{root / relative}: holds a JSON {type(content).__name__} '
                   f'({_excerpt(content)}), expected an object')
        raise ExportError(message)
    return cast(dict[str, object], content)


def _excerpt(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f'{text[:57]}...'


def feature_entries(features: Sequence[Feature]) -> dict[str, FeatureEntry]:
    """info.json `features`: ours in order, then LeRobot's five default columns."""
    entries = {feature.key: feature.info_entry() for feature in features}
    entries.update({key: FeatureEntry(dtype=value['dtype'], shape=list(value['shape']),
                                      names=value['names'])
                    for key, value in DEFAULT_FEATURES.items()})
    return entries


def build_info(entries: Mapping[str, FeatureEntry], fps: int, robot_type: str | None,
               totals: tuple[int, int, int], sizes_mb: tuple[float, float]) -> DatasetInfo:
    """The whole info.json.

    Args:
        entries: the `features` dict (video entries carrying their `info`).
        fps: frames per second (integer).
        robot_type: the robot name, or several joined with '+'.
        totals: (total_episodes, total_frames, total_tasks).
        sizes_mb: (data_files_size_in_mb, video_files_size_in_mb).
    """
    episodes, frames, tasks = totals
    has_video = any(entry['dtype'] == 'video' for entry in entries.values())
    return {
        'codebase_version': CODEBASE_VERSION, 'robot_type': robot_type,
        'total_episodes': episodes, 'total_frames': frames, 'total_tasks': tasks,
        'chunks_size': CHUNKS_SIZE, 'data_files_size_in_mb': sizes_mb[0],
        'video_files_size_in_mb': sizes_mb[1], 'fps': int(fps),
        'splits': {'train': f'0:{episodes}'}, 'data_path': DATA_PATH,
        'video_path': VIDEO_PATH if has_video else None, 'features': dict(entries),
    }


def join_robot_types(robot_types: Iterable[str | None]) -> str | None:
    """'a+b' from the distinct robot types in order of first appearance (None if none)."""
    names = split_robot_types(robot_types)
    return ROBOT_SEPARATOR.join(names) if names else None


def split_robot_types(robot_types: Iterable[str | None]) -> list[str]:
    """The distinct robot names in order of first appearance ('a+b' counts as a and b)."""
    names: list[str] = []
    for robot_type in robot_types:
        for name in (robot_type or '').split(ROBOT_SEPARATOR):
            if name and name not in names:
                names.append(name)
    return names


def write_stats(root: Path, stats: Mapping[str, FeatureStats]) -> None:
    """meta/stats.json: feature -> stat -> nested lists."""
    content: StatsFile = {key: {name: np.asarray(value).tolist()
                                for name, value in feature.items()}
                          for key, feature in stats.items()}
    write_json(root, STATS_PATH, content)


def load_info(root: Path) -> DatasetInfo:
    """meta/info.json as it is (a JSON object; validate.py checks its keys and values)."""
    return cast(DatasetInfo, read_object(root, INFO_PATH))


def read_info(root: Path) -> DatasetInfo:
    """meta/info.json; ExportError unless it declares codebase_version v3.0."""
    info = load_info(root)
    version = info.get('codebase_version')
    if version != CODEBASE_VERSION:
        message = (f'{root / INFO_PATH}: codebase_version is {version!r}, '
                   f'expected {CODEBASE_VERSION!r}')
        raise ExportError(message)
    return info


def empty_interop(valid_keys: Mapping[str, str | None]) -> InteropFile:
    """interop.json of a dataset with no episodes yet."""
    return {'format': INTEROP_FORMAT, 'valid_keys': dict(valid_keys), 'robots': [],
            'exports': [], 'episodes': {}}


def read_interop(root: Path) -> InteropFile:
    """meta/interop.json; ExportError when the dataset was not written by this exporter."""
    if not (root / INTEROP_PATH).is_file() and (root / INFO_PATH).is_file():
        message = (f'{root / INTEROP_PATH}: missing; only datasets written by interop '
                   '(which records validity and provenance there) can be appended to '
                   'or merged')
        raise ExportError(message)
    interop = cast(InteropFile, read_object(root, INTEROP_PATH))
    found = interop.get('format')
    if found != INTEROP_FORMAT:
        message = f'{root / INTEROP_PATH}: format is {found!r}, expected {INTEROP_FORMAT!r}'
        raise ExportError(message)
    return interop


def dataset_action_source(root: Path) -> str:
    """Where an existing dataset's action comes from: 'commands', 'next-state' or 'none'.

    The newest export that recorded it decides; older datasets: 'commands' if they have an
    `action` feature, else 'none'.
    """
    info = read_info(root)
    for export in reversed(read_interop(root)['exports']):
        source = export.get('action', {}).get('source')
        if source in ACTION_SOURCES:
            return str(source)
    return 'commands' if 'action' in info['features'] else 'none'


def gr00t_modality(spec: CanonicalSpec, video_keys: Sequence[str], with_action: bool = True,
                   joints: Sequence[int] | None = None) -> ModalityFile:
    """meta/modality.json for Isaac GR00T: body-part slices of the canonical vectors.

    `joints` are the canonical joints the joint-wide features store (None: all of them): a
    body part's slice spans its stored joints, and a part none of whose joints is stored has
    no slice. Without an action feature the `action` block is empty.
    """
    state: dict[str, ModalitySlice] = {}
    action: dict[str, ModalitySlice] = {}
    stored = list(range(len(spec.joint_names)) if joints is None else joints)
    for group in spec.groups:
        _contiguous(spec.group_indices(group), group)
        positions = [stored.index(index) for index in spec.group_indices(group)
                     if index in stored]
        if not positions:
            continue
        start, end = _contiguous(positions, group)
        state[group] = {'start': start, 'end': end, 'original_key': 'observation.state'}
        action[group] = {'start': start, 'end': end, 'original_key': 'action',
                         'absolute': True}
    offset = 0
    for side in spec.hand_sides:
        width = len(spec.hand_channel_names(side))
        end = offset + width
        state[f'{side}_hand'] = {'start': offset, 'end': end,
                                 'original_key': 'observation.hand'}
        action[f'{side}_hand'] = {'start': offset, 'end': end, 'original_key': 'action.hand',
                                  'absolute': True}
        offset = end
    for number, frame in enumerate(spec.task_frames):  # task space, one slice per frame
        for part, width in (('position', 3), ('orientation', 4)):
            state[f'{frame}_eef_{part}'] = {'start': number * width,
                                            'end': (number + 1) * width,
                                            'original_key': f'observation.eef.{part}'}
    video: dict[str, ModalityKey] = {key.removeprefix('observation.images.'): {
        'original_key': key} for key in video_keys}
    return {'state': state, 'action': action if with_action else {}, 'video': video,
            'annotation': {'human.task_description': {'original_key': 'task_index'}}}


def _contiguous(indices: Sequence[int], group: str) -> tuple[int, int]:
    if not indices or list(indices) != list(range(indices[0], indices[-1] + 1)):
        message = (f'canonical group {group!r}: joint indices {list(indices)!r} are not '
                   'one contiguous range, so GR00T cannot slice them')
        raise ExportError(message)
    return indices[0], indices[-1] + 1


def write_modality(root: Path, modality: ModalityFile) -> None:
    """Write meta/modality.json."""
    write_json(root, MODALITY_PATH, modality)
