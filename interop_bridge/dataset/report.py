"""A quality report of an exported dataset: per-episode validity and resampling, with plots.

`write_report(dataset, out)` writes report.md (one table row per episode: robot, task, frames,
valid joints, frames flagged stale, camera rows beyond tolerance) and two plots:
trajectories.png (a few canonical joints of every episode, one colour per robot: the same
controller on different robots gives comparable curves) and validity.png (the share of valid
frames per canonical joint and robot).

Each episode's task comes from LeRobot's own metadata: the `tasks` of its meta/episodes row,
each of which must be a task of meta/tasks.parquet (one that is not is marked so). Its robot
comes from meta/interop.json (info.json's robot_type when the dataset has none).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from interop_bridge.canonical import load_canonical
from interop_bridge.errors import ExportError
from interop_bridge.dataset import metadata
from interop_bridge.dataset.episodes_table import episode_files
from interop_bridge.dataset.layout import INFO_PATH, INTEROP_PATH
from interop_bridge.dataset.features import mask_key
from interop_bridge.dataset.joint_layout import canonical_layout, widen_columns
from interop_bridge.dataset.parquet_io import read_tasks
from interop_bridge.dataset.records import DatasetInfo, EpisodeRecord, InteropFile

matplotlib.use('Agg')  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402

PLOTTED_JOINTS = ('left_shoulder_pitch', 'left_elbow', 'right_shoulder_pitch', 'right_elbow')
STATE_MASK = mask_key('observation.state')
DATA_COLUMNS = ('episode_index', 'timestamp', 'observation.state', STATE_MASK)
UNKNOWN_TASK = ' (not in meta/tasks.parquet)'
Data = dict[str, np.ndarray]


@dataclass(frozen=True)
class EpisodeLine:
    """One episode's row of the report."""

    episode: int
    robot: str
    task: str
    frames: int
    joints_valid: int
    valid_share: float
    stale_values: int
    camera_rows_off: int


def _read(dataset: Path) -> tuple[DatasetInfo, InteropFile | None, Data]:
    if not (dataset / INFO_PATH).is_file():
        message = f'{dataset}: not a dataset (no {INFO_PATH})'
        raise ExportError(message)
    info = metadata.load_info(dataset)
    interop = metadata.read_interop(dataset) if (dataset / INTEROP_PATH).is_file() else None
    columns: dict[str, list[np.ndarray]] = {name: [] for name in DATA_COLUMNS}
    for path in sorted((dataset / 'data').rglob('*.parquet')):
        table = _data_table(path)
        for name in table.column_names:
            column = table[name]
            values = np.stack(column.to_numpy(zero_copy_only=False)) \
                if str(column.type).startswith('fixed_size_list') else column.to_numpy()
            columns[name].append(values)
    data = {name: np.concatenate(parts) for name, parts in columns.items() if parts}
    present = set(np.unique(data['episode_index']).tolist()) if data else set()
    if missing := sorted(set(range(info['total_episodes'])) - present):
        message = (f'{dataset}: episodes {_ranges(missing)} of {info["total_episodes"]} have '
                   'no rows under data/ (a data file is missing or was replaced); '
                   f'`interop validate {dataset}` tells which')
        raise ExportError(message)
    return info, interop, data


def _data_table(path: Path) -> pa.Table:
    try:
        return pq.read_table(path, columns=list(DATA_COLUMNS))
    except (OSError, ValueError, KeyError) as error:  # pyarrow: ArrowInvalid is a ValueError
        message = f'{path}: cannot be read as a data file of this dataset: {error}'
        raise ExportError(message) from error


def _ranges(indices: Sequence[int]) -> str:
    shown = ', '.join(str(index) for index in indices[:10])
    return shown + (f' ... ({len(indices)} in all)' if len(indices) > 10 else '')


def episode_tasks(dataset: Path) -> dict[int, str]:
    """Each episode's task text from meta/episodes and meta/tasks.parquet ('; ' if several)."""
    known = set(read_tasks(dataset))
    tasks: dict[int, str] = {}
    for path in episode_files(dataset):
        for row in pq.read_table(path, columns=['episode_index', 'tasks']).to_pylist():
            names = [str(task) + ('' if task in known else UNKNOWN_TASK)
                     for task in row['tasks'] or []]
            tasks[int(row['episode_index'])] = '; '.join(names)
    return tasks


def _count(report: object, key: str) -> int:
    value = report.get(key, 0) if isinstance(report, dict) else 0
    return int(value) if isinstance(value, (int, float)) else 0


def _episode_rows(dataset: Path, info: DatasetInfo, interop: InteropFile | None,
                  data: Data) -> list[EpisodeLine]:
    tasks = episode_tasks(dataset)
    if missing := [index for index in range(info['total_episodes']) if index not in tasks]:
        message = (f'{dataset}: episodes {_ranges(missing)} of {info["total_episodes"]} have no '
                   'row in meta/episodes (a file is missing); '
                   f'`interop validate {dataset}` tells which')
        raise ExportError(message)
    records = interop['episodes'] if interop is not None else {}
    rows = []
    for index in range(info['total_episodes']):
        mask = data['episode_index'] == index
        meta: EpisodeRecord = records.get(str(index), {'robot_type': info.get('robot_type')})
        resampling = meta.get('resampling', {}).values()
        valid = data[STATE_MASK][mask]
        rows.append(EpisodeLine(
            episode=index, robot=str(meta.get('robot_type', info.get('robot_type'))),
            task=tasks.get(index, ''), frames=int(mask.sum()),
            joints_valid=int(valid.any(axis=0).sum()),
            valid_share=float(valid.mean()) if len(valid) else 0.0,
            stale_values=sum(_count(report, 'frames_stale') for report in resampling),
            camera_rows_off=sum(_count(report, 'rows_beyond_tolerance')
                                for report in resampling)))
    return rows


def _plot_trajectories(path: Path, names: Sequence[str], data: Data,
                       rows: list[EpisodeLine]) -> None:
    robots = sorted({row.robot for row in rows})
    colours = {robot: f'C{index}' for index, robot in enumerate(robots)}
    figure, axes = plt.subplots(len(PLOTTED_JOINTS), 1, figsize=(9, 2.2 * len(PLOTTED_JOINTS)),
                                sharex=True)
    for axis, joint in zip(axes, PLOTTED_JOINTS):
        column = names.index(joint)
        for row in rows:
            mask = data['episode_index'] == row.episode
            valid = data[STATE_MASK][mask][:, column] > 0
            values = np.where(valid, data['observation.state'][mask][:, column], np.nan)
            axis.plot(data['timestamp'][mask], values, color=colours[row.robot],
                      label=row.robot, linewidth=1)
        axis.set_ylabel(f'{joint}\n[rad]', fontsize=8)
        axis.grid(alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    axes[0].legend(unique.values(), unique.keys(), fontsize=8, loc='upper right')
    axes[-1].set_xlabel('time in episode [s]')
    figure.suptitle('canonical joint trajectories, every episode (same controller, all robots)')
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _plot_validity(path: Path, names: Sequence[str], data: Data,
                   rows: list[EpisodeLine]) -> None:
    robots = sorted({row.robot for row in rows})
    share = np.zeros((len(robots), len(names)))
    for index, robot in enumerate(robots):
        episodes = [row.episode for row in rows if row.robot == robot]
        mask = np.isin(data['episode_index'], episodes)
        share[index] = data[STATE_MASK][mask].mean(axis=0)
    figure, axis = plt.subplots(figsize=(11, 1.2 + 0.5 * len(robots)))
    image = axis.imshow(share, aspect='auto', vmin=0, vmax=1, cmap='viridis')
    axis.set_yticks(range(len(robots)), robots, fontsize=8)
    axis.set_xticks(range(len(names)), names, rotation=90, fontsize=7)
    figure.colorbar(image, ax=axis, label='share of valid frames')
    axis.set_title('canonical joints present per robot (0 = the robot lacks the joint)')
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write_report(dataset: str | Path, out: str | Path) -> Path:
    """Write report.md, trajectories.png and validity.png; return the report path."""
    dataset, out = Path(dataset), Path(out)
    info, interop, data = _read(dataset)
    names = info['features']['observation.state']['names']
    if names is None:
        message = f'{dataset}: observation.state has names None; the report needs joint names'
        raise ExportError(message)
    spec = load_canonical()
    joints = canonical_layout(info['features'], spec)
    if joints is not None:  # every canonical joint, those not stored flagged invalid
        data, names = widen_columns(data, joints, len(spec.joint_names)), list(spec.joint_names)
    rows = _episode_rows(dataset, info, interop, data)
    out.mkdir(parents=True, exist_ok=True)
    _plot_trajectories(out / 'trajectories.png', names, data, rows)
    _plot_validity(out / 'validity.png', names, data, rows)
    path = out / 'report.md'
    path.write_text('\n'.join(report_lines(dataset, info, rows, len(names))))
    return path


def report_lines(dataset: Path, info: DatasetInfo, rows: Sequence[EpisodeLine],
                 joints: int) -> list[str]:
    """report.md: a summary line, the episode table, the plots."""
    lines = [f'# Quality report: {dataset}', '',
             f'{info["total_episodes"]} episodes, {info["total_frames"]} frames at '
             f'{info["fps"]} fps, robots `{info.get("robot_type")}`.', '',
             '| episode | robot | task | frames | canonical joints valid | valid share | '
             'stale values | camera rows off |', '|---|---|---|---|---|---|---|---|']
    for row in rows:
        task = row.task.replace('|', '\\|')
        lines.append(f'| {row.episode} | {row.robot} | {task} | {row.frames} | '
                     f'{row.joints_valid} / {joints} | {row.valid_share:.1%} | '
                     f'{row.stale_values} | {row.camera_rows_off} |')
    return [*lines, '', '![trajectories](trajectories.png)', '', '![validity](validity.png)',
            '']
