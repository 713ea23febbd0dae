"""Merge datasets of one canonical schema (possibly different robots) into a new dataset.

Episodes keep their order (all of the first dataset, then the second, ...) and are
renumbered; tasks are unified (first appearance order); data rows are rewritten with new
episode_index / index / task_index and repacked into files by size; MP4 files are copied
unchanged (their internal offsets stay valid); per-episode statistics are kept, except
those of the three renumbered columns, which are recomputed; dataset statistics are
re-aggregated and the dataset card rewritten. robot_type becomes the robots joined with '+',
and meta/interop.json keeps each episode's robot and where it came from. Datasets storing
different canonical joints are merged with the union of their joints (merge_joints.py).
Datasets whose schemas differ otherwise (features, shapes, names, fps, cameras, video codec
or size) or whose actions come from different sources are refused with one line naming
every difference. The output
is written atomically (see atomic.py). `one_export` (the parts of one parallel export,
scale/parallel_export.py) joins the sources' export records into the one record a single
export of all their bags writes, with the fields the whole export decided (its action source),
and records no `merged_from`: the parts are temporary.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from interop_bridge.canonical import CanonicalSpec, load_canonical
from interop_bridge.errors import ExportError
from interop_bridge.dataset import metadata
from interop_bridge.dataset.atomic import is_dataset, staged_dataset
from interop_bridge.dataset.card import write_card
from interop_bridge.dataset.compat import require_same_schema
from interop_bridge.dataset.episodes_table import (EpisodesWriter, Row, aggregate_episode_stats,
                                                   episode_row, episodes_schema,
                                                   iter_episode_rows, row_stats)
from interop_bridge.dataset.joint_layout import stored_joints
from interop_bridge.dataset.merge_joints import (positions_in, union_joints, widen_stats,
                                                 widen_table, with_joints)
from interop_bridge.dataset.layout import (DATA_DIR, INFO_PATH, INTEROP_PATH, MODALITY_PATH,
                                           FileSlot, data_path, megabytes_to_bytes, video_path)
from interop_bridge.dataset.parquet_io import (RollingParquetWriter, data_schema,
                                               read_parquet_dir, write_tasks)
from interop_bridge.dataset.records import (DatasetInfo, EpisodeRecord, ExportRecord,
                                            FeatureEntry, InteropFile)
from interop_bridge.dataset.stats import value_stats
from interop_bridge.dataset.video import VideoSpan
from interop_bridge.dataset.summary import WriteSummary

RENUMBERED = ('episode_index', 'index', 'task_index')


def merge_datasets(out: str | Path, sources: Sequence[str | Path],
                   on_episode: Callable[[int], None] | None = None, *,
                   one_export: Mapping[str, object] | None = None) -> WriteSummary:
    """Write a new dataset at `out` holding every episode of `sources`, in order.

    Args:
        out: the new dataset's directory (must not hold a dataset already).
        sources: the datasets to merge (written by this exporter: they need interop.json).
        on_episode: called with each new episode index (progress).
        one_export: the sources are the parts of one export (same settings, bags of their
            own): write its one export record, with these fields (what the whole export
            decided, such as `action`) over the parts' own, and no trace of the sources.

    Raises:
        ExportError: a source is not a dataset, `out` is taken, or the schemas differ.
    """
    out, roots = Path(out), [Path(source) for source in sources]
    if not roots:
        message = 'merge needs at least one dataset, got none'
        raise ExportError(message)
    if is_dataset(out) or any(out.absolute() == root.absolute() for root in roots):
        message = f'{out}: already holds a dataset; merge writes a new one'
        raise ExportError(message)
    spec = load_canonical()
    infos = [metadata.read_info(root) for root in roots]
    interops = [metadata.read_interop(root) for root in roots]
    joints = union_joints(infos, spec)
    layouts = [None if joints is None else stored_joints(info['features'], spec)
               for info in infos]
    if joints is not None:  # compared (and written) with the union of the joints
        infos = [with_joints(info, joints, spec) for info in infos]
    for root, info, interop in zip(roots[1:], infos[1:], interops[1:], strict=True):
        require_same_schema(infos[0], info, f'cannot merge {root} with {roots[0]}')
        if interop['valid_keys'] != interops[0]['valid_keys']:
            raise ExportError(_validity_difference(root, interop, roots[0], interops[0]))
    _require_one_action_source(roots)
    with staged_dataset(out) as staging:
        merger = _Merger(staging, infos[0], interops[0]['valid_keys'], joints, one_export)
        try:
            for root, interop, layout in zip(roots, interops, layouts, strict=True):
                merger.add_dataset(root, interop, on_episode, layout)
        finally:
            merger.close()
        merger.finish(roots, infos, spec)
        write_card(staging)
    return WriteSummary(out, merger.episodes, merger.frames, merger.episodes, merger.frames, 0,
                        0.0)


def iter_episode_tables(root: Path) -> Iterator[pa.Table]:
    """Each episode's data rows, in order, reading one row group at a time."""
    for path in read_parquet_dir(root / DATA_DIR):
        parquet = pq.ParquetFile(path)
        for group in range(parquet.num_row_groups):
            table = parquet.read_row_group(group)
            episodes = table.column('episode_index')
            for episode in sorted(set(episodes.to_pylist())):
                yield table.filter(pc.equal(episodes, episode))


class _Merger:
    """Accumulates episodes of several datasets into the staging directory."""

    def __init__(self, staging: Path, info: DatasetInfo, valid_keys: dict[str, str | None],
                 joints: tuple[int, ...] | None,
                 one_export: Mapping[str, object] | None = None) -> None:
        self._staging = staging
        self._one_export = one_export
        self._joints = joints  # the canonical joints the merge stores (None: not canonical)
        self._positions: list[int] | None = None  # where the current source's joints go
        self._entries: dict[str, FeatureEntry] = info['features']
        self._video_keys = [k for k, e in self._entries.items() if e['dtype'] == 'video']
        limit = megabytes_to_bytes(info['data_files_size_in_mb'])
        self._schema = data_schema(self._entries)
        self._data = RollingParquetWriter(staging, data_path, self._schema, limit, FileSlot())
        stat_features = {key: entry['dtype'] == 'video' for key, entry in self._entries.items()}
        self._rows = EpisodesWriter(staging, episodes_schema(stat_features, self._video_keys),
                                    limit, FileSlot())
        self._valid_keys = valid_keys
        self._tasks: list[str] = []
        self._video_slots: dict[tuple[str, int, FileSlot], FileSlot] = {}
        self._datasets = 0
        self._next_video_slot = {key: FileSlot() for key in self._video_keys}
        self._interop_episodes: dict[str, EpisodeRecord] = {}
        self._exports: list[ExportRecord] = []
        self.episodes = 0
        self.frames = 0

    def add_dataset(self, root: Path, interop: InteropFile,
                    on_episode: Callable[[int], None] | None,
                    stored: tuple[int, ...] | None = None) -> None:
        """Append every episode of the dataset at `root` (which stores joints `stored`)."""
        first = self.episodes
        self._positions = None if stored is None or self._joints is None or \
            stored == self._joints else positions_in(stored, self._joints)
        self._datasets += 1
        rows, tables = iter_episode_rows(root), iter_episode_tables(root)
        for row, table in itertools.zip_longest(rows, tables):
            if row is None or table is None:
                message = (f'{root}: meta/episodes and data/ hold different numbers of '
                           f'episodes (run `interop validate {root}`)')
                raise ExportError(message)
            old_index = int(row['episode_index'])
            found = table.column('episode_index')[0].as_py()
            if found != old_index:
                message = (f'{root}: data rows of episode {found} come where episode '
                           f'{old_index} is expected; they are out of order')
                raise ExportError(message)
            self._add_episode(root, row, table)
            self._interop_episodes[str(self.episodes - 1)] = _episode_record(
                None if self._one_export is not None else root, interop, old_index)
            if on_episode is not None:
                on_episode(self.episodes - 1)
        for export in interop['exports']:
            start, end = (int(part) + first for part in export['episodes'].split(':'))
            self._exports.append({**export, 'episodes': f'{start}:{end}', 'source': str(root)})

    def _add_episode(self, root: Path, row: Row, table: pa.Table) -> None:
        task = row['tasks'][0]
        if task not in self._tasks:
            self._tasks.append(task)
        length = table.num_rows
        new_columns = {
            'episode_index': np.full(length, self.episodes, dtype=np.int64),
            'index': np.arange(self.frames, self.frames + length, dtype=np.int64),
            'task_index': np.full(length, self._tasks.index(task), dtype=np.int64)}
        for name, values in new_columns.items():
            table = table.set_column(table.schema.get_field_index(name), name, pa.array(values))
        stats = row_stats(row)
        if self._positions is not None and self._joints is not None:
            table = widen_table(table, self._positions, len(self._joints))
            stats = widen_stats(stats, self._positions, len(self._joints))
        slot = self._data.write(table.select(self._schema.names))
        stats.update({name: value_stats(values) for name, values in new_columns.items()})
        spans = {key: VideoSpan(self._video_slot(root, key, row),
                                row[f'videos/{key}/from_timestamp'],
                                row[f'videos/{key}/to_timestamp'])
                 for key in self._video_keys}
        self._rows.write(episode_row(self.episodes, task, length, slot, self.frames, spans,
                                     stats))
        self.episodes += 1
        self.frames += length

    def _video_slot(self, root: Path, key: str, row: Row) -> FileSlot:
        source = FileSlot(row[f'videos/{key}/chunk_index'], row[f'videos/{key}/file_index'])
        known = self._video_slots.get((key, self._datasets, source))
        if known is not None:
            return known
        slot = self._next_video_slot[key]
        self._next_video_slot[key] = slot.next()
        origin, target = root / video_path(key, source), self._staging / video_path(key, slot)
        if not origin.is_file():
            message = (f'{origin}: missing, but episode {row["episode_index"]} of '
                       f'{root} has its {key} frames there')
            raise ExportError(message)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(origin, target)
        self._video_slots[(key, self._datasets, source)] = slot
        return slot

    def close(self) -> None:
        """Finish the open data and episodes files."""
        self._data.close()
        self._rows.close()

    def finish(self, roots: Sequence[Path], infos: Sequence[DatasetInfo],
               spec: CanonicalSpec) -> None:
        """Write info.json, tasks, stats.json, interop.json (and modality.json if any)."""
        robot_type = metadata.join_robot_types(info.get('robot_type') for info in infos)
        sizes = (infos[0]['data_files_size_in_mb'], infos[0]['video_files_size_in_mb'])
        info = metadata.build_info(self._entries, infos[0]['fps'], robot_type,
                                   (self.episodes, self.frames, len(self._tasks)), sizes)
        metadata.write_json(self._staging, INFO_PATH, info)
        write_tasks(self._staging, self._tasks)
        metadata.write_stats(self._staging,
                             aggregate_episode_stats(self._staging, self._valid_keys))
        interop: InteropFile = {**metadata.empty_interop(self._valid_keys),
                                'robots': metadata.split_robot_types([robot_type]),
                                'exports': self._exports, 'episodes': self._interop_episodes}
        if self._one_export is not None:
            interop['exports'] = [_one_export_record(self._exports, self.episodes,
                                                     self._one_export)]
        else:
            interop['merged_from'] = [str(root) for root in roots]
        metadata.write_json(self._staging, INTEROP_PATH, interop)
        if (roots[0] / MODALITY_PATH).is_file() and self._joints is None:
            shutil.copyfile(roots[0] / MODALITY_PATH, self._staging / MODALITY_PATH)
        elif (roots[0] / MODALITY_PATH).is_file():  # slices of the merged joints
            metadata.write_modality(self._staging, metadata.gr00t_modality(
                spec, self._video_keys, 'action' in self._entries, joints=self._joints))


def _require_one_action_source(roots: Sequence[Path]) -> None:
    """Refuse datasets whose actions come from different sources (commands, next state)."""
    sources = {root: metadata.dataset_action_source(root) for root in roots}
    if len(set(sources.values())) > 1:
        listed = ', '.join(f'{root}: {source}' for root, source in sources.items())
        message = f'cannot merge datasets with different action sources ({listed})'
        raise ExportError(message)


def _episode_record(root: Path | None, interop: InteropFile, old_index: int) -> EpisodeRecord:
    """A merged episode's interop.json entry: its source's, and where it came from (root
    None: nothing, the source was a part of one export)."""
    source = interop['episodes'].get(str(old_index))
    record = EpisodeRecord(robot_type=None) if source is None else source.copy()
    if root is not None:
        record['merged_from'] = {'dataset': str(root), 'episode_index': old_index}
    return record


def _one_export_record(parts: Sequence[ExportRecord], episodes: int,
                       decided: Mapping[str, object]) -> ExportRecord:
    """The export record of one export whose parts (same settings, bags of their own) were
    written separately: their bags in order, every episode, the fields `decided`."""
    def settings(record: ExportRecord) -> dict[str, object]:
        return {key: value for key, value in record.items()
                if key not in ('bags', 'episodes', 'source', *decided)}
    differing = sorted({key for part in parts[1:] for key in {*settings(part), *settings(parts[0])}
                        if settings(part).get(key) != settings(parts[0]).get(key)})
    if differing:
        message = f'the parts of one export disagree on {", ".join(differing)}'
        raise ExportError(message)
    joined = cast(ExportRecord, {
        **parts[0], **decided, 'episodes': f'0:{episodes}',
        'bags': [bag for part in parts for bag in part.get('bags', [])]})
    joined.pop('source', None)
    return joined


def _validity_difference(root: Path, interop: InteropFile, first_root: Path,
                         first: InteropFile) -> str:
    """The message for two datasets whose features are validated by different features."""
    ours, theirs = interop['valid_keys'], first['valid_keys']
    differing = sorted(key for key in {*ours, *theirs} if ours.get(key) != theirs.get(key))
    return (f'cannot merge {root} with {first_root}: validity features differ for '
            f'{differing!r}')
