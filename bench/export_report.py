"""Figures of the exporter benchmark: rows, verdicts against the targets, text/JSON/Markdown."""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

RATIO_TARGET = 3.0
MEMORY_LIMIT_MB = 400.0
MEMORY_SAME_TOLERANCE = 0.10  # "the same": the longest bag's peak within 10 % of the shortest's


def machine_description() -> str:
    """CPU, kernel, Python and the reading / encoding libraries, in one line."""
    model = next((line.split(':', 1)[1].strip() for line in
                  Path('/proc/cpuinfo').read_text().splitlines()
                  if line.startswith('model name')), 'unknown CPU')
    packages = ('rosbags', 'numpy', 'av', 'pyarrow')
    versions = ', '.join(f'{name} {_version(name)}' for name in packages)
    return (f'{os.cpu_count()} CPUs ({model}), Linux {platform.release()}, '
            f'Python {platform.python_version()}, {versions}')


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return 'missing'


def state_row(minutes: float, plain: Mapping[str, Any], built: Mapping[str, Any],
              export: Mapping[str, Any], bag_messages: int) -> dict[str, Any]:
    """One bag's state-only figures: plain loop vs exporter, and the export's peak memory."""
    plain_rate = plain['messages'] / plain['read_deserialize_s']
    build_rate = built['messages'] / built['build_s']
    export_rate = bag_messages / export['wall_s']
    return {
        'minutes': minutes, 'bag_messages': bag_messages,
        'read_only_msgs_s': plain['messages'] / plain['read_only_s'],
        'plain_msgs_s': plain_rate, 'plain_s': plain['read_deserialize_s'],
        'builder_msgs_s': build_rate, 'builder_s': built['build_s'], 'plan_s': built['plan_s'],
        'builder_ratio': build_rate / plain_rate,
        'export_wall_s': export['wall_s'], 'export_msgs_s': export_rate,
        'export_ratio': export_rate / plain_rate,
        'episodes': built['episodes'], 'frames': built['frames'],
        'export_peak_rss_mb': export['peak_rss_mb'], 'builder_peak_rss_mb': built['peak_rss_mb']}


def verdicts(state: Sequence[Mapping[str, Any]], one_episode: Mapping[str, Any] | None,
             baseline_mb: float) -> list[str]:
    """One line per target: PASS/MISS with the figure that decides it."""
    lines = []
    for row in state:
        ratio = row['builder_ratio']
        mark = 'PASS' if ratio >= RATIO_TARGET else 'MISS'
        lines.append(f'{mark} throughput {row["minutes"]:g} min: exporter state path '
                     f'{ratio:.1f}x the plain rosbags loop (target >= {RATIO_TARGET:g}x; full '
                     f'export incl. planning and writing {row["export_ratio"]:.1f}x)')
    for row in state:
        peak = row['export_peak_rss_mb']
        mark = 'PASS' if peak < MEMORY_LIMIT_MB else 'MISS'
        lines.append(f'{mark} memory {row["minutes"]:g} min: peak RSS {peak:.0f} MB '
                     f'(target < {MEMORY_LIMIT_MB:g} MB; imports alone {baseline_mb:.0f} MB)')
    if len(state) > 1:
        first, last = state[0], state[-1]
        growth = last['export_peak_rss_mb'] / first['export_peak_rss_mb'] - 1
        mark = 'PASS' if growth <= MEMORY_SAME_TOLERANCE else 'MISS'
        lines.append(f'{mark} memory flat: {last["minutes"]:g} min peak is {growth:+.1%} vs '
                     f'{first["minutes"]:g} min (target: the same, within '
                     f'{MEMORY_SAME_TOLERANCE:.0%})')
    if one_episode is not None:
        lines.append(_one_episode_line(one_episode, state))
    return lines


def _one_episode_line(one_episode: Mapping[str, Any],
                      state: Sequence[Mapping[str, Any]]) -> str:
    minutes, peak = one_episode['minutes'], one_episode['peak_rss_mb']
    same = next((row for row in state if row['minutes'] == minutes), None)
    if same is None:
        return f'INFO memory {minutes:g} min as ONE episode: peak RSS {peak:.0f} MB'
    episodes = same['export_peak_rss_mb']
    grows = peak > episodes * (1 + MEMORY_SAME_TOLERANCE)
    over = f', over {MEMORY_LIMIT_MB:g} MB' if peak >= MEMORY_LIMIT_MB else ''
    return (f'INFO memory {minutes:g} min as ONE episode: peak RSS {peak:.0f} MB{over} vs '
            f'{episodes:.0f} MB in {same["episodes"]} episode(s) of 60 s '
            f'({peak - episodes:+.0f} MB): ' + ('memory grows with episode length' if grows
                                                else 'episode length barely matters'))


def text_table(state: Sequence[Mapping[str, Any]], one_episode: Mapping[str, Any] | None,
               videos: Sequence[Mapping[str, Any]], baseline_mb: float) -> str:
    """The figures as plain-text tables."""
    lines = ['State only (unitree_hg/LowState 500 Hz, G1 29 DoF, episodes of 60 s):',
             f'{"bag":>7} {"msgs":>9} {"read-only":>10} {"plain loop":>11} '
             f'{"exporter":>10} {"ratio":>6} {"export wall":>12} {"export":>9} '
             f'{"ratio":>6} {"peak RSS":>9}',
             f'{"min":>7} {"":>9} {"msgs/s":>10} {"msgs/s":>11} {"msgs/s":>10} {"":>6} '
             f'{"s":>12} {"msgs/s":>9} {"":>6} {"MB":>9}']
    for row in state:
        lines.append(
            f'{row["minutes"]:>7g} {row["bag_messages"]:>9} {row["read_only_msgs_s"]:>10.0f} '
            f'{row["plain_msgs_s"]:>11.0f} {row["builder_msgs_s"]:>10.0f} '
            f'{row["builder_ratio"]:>5.1f}x {row["export_wall_s"]:>12.1f} '
            f'{row["export_msgs_s"]:>9.0f} {row["export_ratio"]:>5.1f}x '
            f'{row["export_peak_rss_mb"]:>9.0f}')
    if one_episode is not None:
        lines.append(f'{one_episode["minutes"]:>7g} min as ONE episode (no events, --task): '
                     f'export {one_episode["wall_s"]:.1f} s, peak RSS '
                     f'{one_episode["peak_rss_mb"]:.0f} MB')
    lines.append(f'Exporter imports alone: peak RSS {baseline_mb:.0f} MB')
    if videos:
        lines += ['', 'Video, one 640x480 rgb8 camera at 30 fps (gradient + square + noise):',
                  f'{"codec":>10} {"frames":>7} {"encode fps":>11} {"export wall s":>14} '
                  f'{"frames/s wall":>14} {"peak RSS MB":>12}']
        for row in videos:
            lines.append(f'{row["vcodec"]:>10} {row["frames"]:>7} {row["encode_fps"]:>11.0f} '
                         f'{row["wall_s"]:>14.1f} {row["frames"] / row["wall_s"]:>14.0f} '
                         f'{row["peak_rss_mb"]:>12.0f}')
    return '\n'.join(lines)


def markdown(context: Mapping[str, Any], state: Sequence[Mapping[str, Any]],
             one_episode: Mapping[str, Any] | None, videos: Sequence[Mapping[str, Any]],
             lines: Sequence[str]) -> str:
    """The figures as a Markdown document."""
    out = ['# Exporter benchmark', '', f'- command: `{context["command"]}`',
           f'- machine: {context["machine"]}', f'- date: {context["date"]}',
           f'- storage: {context["storage"]}',
           '- load average (1/5/15 min) at start / end: ' + ' / '.join(
               ', '.join(f'{value:.1f}' for value in load) for load in context['load_average']),
           '',
           '| bag | LowState msgs | read only msgs/s | plain loop (read + deserialize_cdr) '
           'msgs/s | exporter state path msgs/s | ratio | full export s | full export '
           'msgs/s | ratio | peak RSS MB |', '|' + '---|' * 10]
    for row in state:
        out.append(f'| {row["minutes"]:g} min | {row["bag_messages"]} | '
                   f'{row["read_only_msgs_s"]:.0f} | {row["plain_msgs_s"]:.0f} | '
                   f'{row["builder_msgs_s"]:.0f} | {row["builder_ratio"]:.1f}x | '
                   f'{row["export_wall_s"]:.1f} | {row["export_msgs_s"]:.0f} | '
                   f'{row["export_ratio"]:.1f}x | {row["export_peak_rss_mb"]:.0f} |')
    if one_episode is not None:
        out += ['', f'One {one_episode["minutes"]:g}-minute episode (no events, `--task`): '
                f'export {one_episode["wall_s"]:.1f} s, peak RSS '
                f'{one_episode["peak_rss_mb"]:.0f} MB.']
    out += ['', f'Exporter imports alone: peak RSS {context["baseline_mb"]:.0f} MB.']
    if videos:
        out += ['', '| codec | frames | encode frames/s | export wall s | frames/s of wall | '
                'peak RSS MB |', '|---|---|---|---|---|---|']
        out += [f'| {row["vcodec"]} | {row["frames"]} | {row["encode_fps"]:.0f} | '
                f'{row["wall_s"]:.1f} | {row["frames"] / row["wall_s"]:.0f} | '
                f'{row["peak_rss_mb"]:.0f} |' for row in videos]
    out += ['', '## Verdicts', '', *(f'- {line}' for line in lines), '']
    return '\n'.join(out)


def write_outputs(out_dir: Path, document: Mapping[str, Any], markdown_text: str) -> list[Path]:
    """export_throughput.json and .md in out_dir; returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out_dir / 'export_throughput.json', out_dir / 'export_throughput.md'
    json_path.write_text(json.dumps(document, indent=2) + '\n')
    md_path.write_text(markdown_text)
    return [json_path, md_path]
