"""The dataset card (README.md at the dataset root), written from the dataset's own metadata.

It says what a training run needs before it reads a frame: the robots, the features and the
role LeRobot gives each (`dataset_to_policy_features`: keys starting with `observation` are
STATE inputs, with `action` ACTION outputs, video VISUAL, anything else is skipped), what the
`valid.*` masks mean and what an invalid entry holds, where the action came from, and the
longest episode. The front matter is the Hugging Face Hub's (tags, the parquet data files).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from interop_bridge.dataset import metadata
from interop_bridge.dataset.features import DEFAULT_FEATURE_KEYS, is_mask
from interop_bridge.dataset.layout import MAX_EPISODE_S
from interop_bridge.dataset.records import DatasetInfo, FeatureEntry, InteropFile

CARD_PATH = 'README.md'
FRONT_MATTER = """---
tags:
- LeRobot
- humanoid
- interop_bridge
configs:
- config_name: default
  data_files: data/*/*.parquet
---
"""
MASK_RULE = (
    'Each `valid.<feature>` mask is 1.0 where its feature is valid and 0.0 where not (a '
    'dropout, a stale or impossible sample, or a joint, hand or sensor the robot lacks). '
    'Masks are not policy features: LeRobot neither feeds nor predicts them, nor normalizes '
    'them. An invalid entry holds its last valid value (before its first valid frame, that '
    'first value), so a dropout repeats the last reading instead of a made-up 0; an entry '
    'valid nowhere in an episode is 0.0, and where it is valid nowhere in the dataset its '
    'statistics are neutral (mean 0, std 1, min/q01/q10 -1, max/q90/q99 1), so every LeRobot '
    'normalization maps it to exactly 0. Statistics count valid entries only.')
MIXED_ROBOTS = (
    'This dataset holds several robots: an entry one robot lacks and another has is 0.0 in the '
    "first robot's episodes but normalized with the other's statistics, so it does not "
    'normalize to 0. Train with the masks, or per robot (LeRobotDataset(episodes=...); each '
    "episode's robot is in meta/interop.json).")


def write_card(root: Path) -> None:
    """Write README.md from meta/info.json and meta/interop.json (both must exist)."""
    card = render_card(root.name, metadata.read_info(root), metadata.read_interop(root))
    (root / CARD_PATH).write_text(card, encoding='utf-8')


def render_card(name: str, info: DatasetInfo, interop: InteropFile) -> str:
    """The card's markdown."""
    robots = ', '.join(interop['robots']) or 'unknown'
    lines = [FRONT_MATTER, f'# {name}', '',
             f'LeRobotDataset {info["codebase_version"]}, {info["fps"]} fps: '
             f'{info["total_episodes"]} episode(s), {info["total_frames"]} frames, '
             f'{info["total_tasks"]} task(s); robots: {robots}. Canonical humanoid schema '
             '(joint order, units, signs and zero pose of config/canonical.yaml); '
             'provenance per episode in meta/interop.json.', '',
             '## Features', '', '| feature | dtype | shape | role |', '|---|---|---|---|']
    for key, entry in info['features'].items():
        lines.append(f'| `{key}` | {entry["dtype"]} | {list(entry["shape"])} | '
                     f'{feature_role(key, entry)} |')
    lines += ['', '## Masks and invalid values', '', MASK_RULE, '']
    if len(interop['robots']) > 1:
        lines += [MIXED_ROBOTS, '']
    lines += ['## Action', '', *action_lines(info['features'], interop), '',
              '## Episode length', '',
              f'An episode is at most {MAX_EPISODE_S} s long: a longer recording is split into '
              'consecutive episodes (recorded in meta/interop.json), so every timestamp stays '
              "on the 1/fps grid within LeRobot's 1e-4 s in float32.", '']
    return '\n'.join(lines)


def feature_role(key: str, entry: FeatureEntry) -> str:
    """The role LeRobot's dataset_to_policy_features gives a feature, in words."""
    if entry['dtype'] in ('image', 'video'):
        return 'camera (policy input, VISUAL)'
    if is_mask(key):
        return 'validity mask (not a policy feature)'
    if key in DEFAULT_FEATURE_KEYS:
        return 'index / time (not a policy feature)'
    if key.startswith('observation'):
        return 'policy input (STATE)'
    if key.startswith('action'):
        return 'policy output (ACTION)'
    return 'not a policy feature'


def action_lines(features: Mapping[str, FeatureEntry], interop: InteropFile) -> list[str]:
    """Where the action came from, per export; or that there is none."""
    if 'action' not in features:
        reasons = {str(export['action']['reason']) for export in interop['exports']
                   if 'action' in export}
        return ['No `action` feature: ' + ('; '.join(sorted(reasons)) or
                                           'the dataset was written without one') + '.']
    lines = []
    for export in interop['exports']:
        action = export.get('action')
        if action:
            lines.append(f'- episodes {export["episodes"]}: `{action["source"]}`: '
                         f'{action["reason"]}')
    return lines or ['`action`: source not recorded (written by an older exporter).']
