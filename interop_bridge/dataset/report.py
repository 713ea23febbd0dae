"""A quality report of an exported dataset: per-episode validity and resampling, with plots.

`write_report(dataset, out)` writes report.md (one table row per episode: robot, task, frames,
valid joints, frames flagged stale, camera rows beyond tolerance) and two plots:
trajectories.png (a few canonical joints of every episode, one colour per robot: the same
controller on different robots gives comparable curves) and validity.png (the share of valid
frames per canonical joint and robot).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pyarrow.parquet as pq

from interop_bridge.errors import ExportError

matplotlib.use('Agg')  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402

PLOTTED_JOINTS = ('left_shoulder_pitch', 'left_elbow', 'right_shoulder_pitch', 'right_elbow')


def _read(dataset: Path) -> tuple[dict[str, Any], dict[str, Any], dict[str, np.ndarray]]:
    info_path = dataset / 'meta' / 'info.json'
    if not info_path.is_file():
        raise ExportError(f'{dataset}: not a dataset (no meta/info.json)')
    info = json.loads(info_path.read_text())
    interop_path = dataset / 'meta' / 'interop.json'
    interop = json.loads(interop_path.read_text()) if interop_path.is_file() else {}
    columns: dict[str, list[np.ndarray]] = {}
    for path in sorted((dataset / 'data').rglob('*.parquet')):
        table = pq.read_table(path, columns=[
            'episode_index', 'timestamp', 'observation.state', 'observation.state_valid'])
        for name in table.column_names:
            column = table[name]
            values = np.stack(column.to_numpy(zero_copy_only=False)) \
                if str(column.type).startswith('fixed_size_list') else column.to_numpy()
            columns.setdefault(name, []).append(values)
    return info, interop, {name: np.concatenate(parts) for name, parts in columns.items()}


def _episode_rows(info: dict[str, Any], interop: dict[str, Any],
                  data: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    rows = []
    for index in range(info['total_episodes']):
        mask = data['episode_index'] == index
        meta = interop.get('episodes', {}).get(str(index), {})
        resampling = meta.get('resampling', {})
        stale = sum(report.get('frames_stale', 0) for report in resampling.values())
        camera = sum(report.get('rows_beyond_tolerance', 0) for report in resampling.values())
        valid = data['observation.state_valid'][mask]
        rows.append({'episode': index, 'robot': meta.get('robot_type', info.get('robot_type')),
                     'task': meta.get('task', ''), 'frames': int(mask.sum()),
                     'joints_valid': int(valid.any(axis=0).sum()),
                     'valid_share': float(valid.mean()) if len(valid) else 0.0,
                     'stale_values': int(stale), 'camera_rows_off': int(camera)})
    return rows


def _plot_trajectories(path: Path, names: Sequence[str], data: dict[str, np.ndarray],
                       rows: list[dict[str, Any]]) -> None:
    robots = sorted({row['robot'] for row in rows})
    colours = {robot: f'C{index}' for index, robot in enumerate(robots)}
    figure, axes = plt.subplots(len(PLOTTED_JOINTS), 1, figsize=(9, 2.2 * len(PLOTTED_JOINTS)),
                                sharex=True)
    for axis, joint in zip(axes, PLOTTED_JOINTS):
        column = names.index(joint)
        for row in rows:
            mask = data['episode_index'] == row['episode']
            valid = data['observation.state_valid'][mask][:, column] > 0
            values = np.where(valid, data['observation.state'][mask][:, column], np.nan)
            axis.plot(data['timestamp'][mask], values, color=colours[row['robot']],
                      label=row['robot'], linewidth=1)
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


def _plot_validity(path: Path, names: Sequence[str], data: dict[str, np.ndarray],
                   rows: list[dict[str, Any]]) -> None:
    robots = sorted({row['robot'] for row in rows})
    share = np.zeros((len(robots), len(names)))
    for index, robot in enumerate(robots):
        episodes = [row['episode'] for row in rows if row['robot'] == robot]
        mask = np.isin(data['episode_index'], episodes)
        share[index] = data['observation.state_valid'][mask].mean(axis=0)
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
    rows = _episode_rows(info, interop, data)
    out.mkdir(parents=True, exist_ok=True)
    _plot_trajectories(out / 'trajectories.png', names, data, rows)
    _plot_validity(out / 'validity.png', names, data, rows)
    lines = [f'# Quality report: {dataset}', '',
             f'{info["total_episodes"]} episodes, {info["total_frames"]} frames at '
             f'{info["fps"]} fps, robots `{info.get("robot_type")}`.', '',
             '| episode | robot | frames | canonical joints valid | valid share | '
             'stale values | camera rows off |', '|---|---|---|---|---|---|---|']
    for row in rows:
        lines.append(f'| {row["episode"]} | {row["robot"]} | {row["frames"]} | '
                     f'{row["joints_valid"]} / {len(names)} | {row["valid_share"]:.1%} | '
                     f'{row["stale_values"]} | {row["camera_rows_off"]} |')
    lines += ['', '![trajectories](trajectories.png)', '', '![validity](validity.png)', '']
    path = out / 'report.md'
    path.write_text('\n'.join(lines))
    return path
