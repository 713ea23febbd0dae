"""The dataset card (README.md at the dataset root), written from the dataset's own metadata.

It says what a training run needs before it reads a frame: the robots, the features and the
role LeRobot gives each (`dataset_to_policy_features`: keys starting with `observation` are
STATE inputs, with `action` ACTION outputs, video VISUAL, anything else is skipped), what the
`valid.*` masks mean and what an invalid entry holds, where the action came from, and the
longest episode. The front matter is the YAML header the Hugging Face Hub reads, shaped as
LeRobot's own cards (`license`, `task_categories: [robotics]`, `tags` starting with `LeRobot`,
`configs` naming the parquet data files), plus `robot_type` (the robots, also as tags),
`features` (each key's dtype, shape and role) and, once `interop certify` ran, `certificate`
(level and rubric version; `update_card_certificate`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import yaml

from interop_bridge.dataset import metadata
from interop_bridge.dataset.features import DEFAULT_FEATURE_KEYS, is_mask
from interop_bridge.dataset.layout import MAX_EPISODE_S
from interop_bridge.dataset.records import DatasetInfo, FeatureEntry, InteropFile, JsonValue
from interop_bridge.errors import ExportError

CARD_PATH = 'README.md'
DEFAULT_LICENSE = 'other'  # the Hub's identifier for a licence not in its list
LICENSE_PATTERN = re.compile(r'[A-Za-z0-9][A-Za-z0-9.+-]*')  # an SPDX-style identifier
BASE_TAGS = ('LeRobot', 'humanoid', 'interop_bridge')
DATA_FILES = 'data/*/*.parquet'
CERTIFICATE_HEADING = '## Certificate'
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


def check_license(value: str) -> str:
    """The licence identifier as given, if it is one (no spaces, quotes or YAML syntax)."""
    if not LICENSE_PATTERN.fullmatch(value):
        msg = (f'license {value!r}: expected an SPDX identifier such as Apache-2.0, MIT or '
               f'CC-BY-4.0 (or {DEFAULT_LICENSE!r})')
        raise ExportError(msg)
    return value


def dataset_license(interop: InteropFile) -> str:
    """The Hub licence id: the exports' common licence, lower-cased as the Hub spells SPDX
    ids (Apache-2.0 -> apache-2.0); 'other' when none was given or the exports differ."""
    licenses = {str(export.get('license', DEFAULT_LICENSE)).lower()
                for export in interop['exports']}
    return licenses.pop() if len(licenses) == 1 else DEFAULT_LICENSE


def front_matter(info: DatasetInfo, interop: InteropFile) -> dict[str, JsonValue]:
    """The card's YAML header, as a mapping (written with yaml.safe_dump)."""
    robots: list[JsonValue] = list(interop['robots'])
    features: dict[str, JsonValue] = {
        key: {'dtype': entry['dtype'], 'shape': list(entry['shape']),
              'role': feature_role(key, entry)} for key, entry in info['features'].items()}
    return {'license': dataset_license(interop), 'task_categories': ['robotics'],
            'tags': [*BASE_TAGS, *robots], 'robot_type': robots,
            'configs': [{'config_name': 'default', 'data_files': DATA_FILES}],
            'features': features}


def render_front_matter(header: Mapping[str, object]) -> str:
    """'---', the YAML header in insertion order, '---'."""
    dumped = yaml.safe_dump(dict(header), sort_keys=False, allow_unicode=True,
                            default_flow_style=None, width=100)
    return f'---\n{dumped}---\n'


def write_card(root: Path) -> None:
    """Write README.md from meta/info.json and meta/interop.json (both must exist)."""
    card = render_card(root.name, metadata.read_info(root), metadata.read_interop(root))
    (root / CARD_PATH).write_text(card, encoding='utf-8')


def render_card(name: str, info: DatasetInfo, interop: InteropFile) -> str:
    """The card's markdown."""
    robots = ', '.join(interop['robots']) or 'unknown'
    lines = [render_front_matter(front_matter(info, interop)), f'# {name}', '',
             f'LeRobotDataset {info["codebase_version"]}, {info["fps"]} fps: '
             f'{info["total_episodes"]} episode(s), {info["total_frames"]} frames, '
             f'{info["total_tasks"]} task(s); robots: {robots}. Canonical humanoid schema '
             '(joint order, units, signs and zero pose of config/canonical.yaml); '
             'provenance per episode in meta/interop.json.', '',
             f'License: `{dataset_license(interop)}`'
             f'{license_note(interop)}.', '',
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


def license_note(interop: InteropFile) -> str:
    """Why the licence is 'other': none was given, or the exports named different ones."""
    given = [(export['episodes'], str(export.get('license', DEFAULT_LICENSE)))
             for export in interop['exports']]
    if len({value.lower() for _, value in given}) > 1:
        return ' (the exports differ: ' + ', '.join(
            f'episodes {episodes} {value}' for episodes, value in given) + ')'
    if dataset_license(interop) == DEFAULT_LICENSE:
        return ' (no licence was given: `interop export --license SPDX-ID` sets one)'
    return ''


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


def update_card_certificate(root: Path, level: str | None, rubric_version: str) -> None:
    """Record a certification in README.md: `certificate: {level, rubric_version}` in the
    front matter and a `## Certificate` section (replacing an earlier one). `level` None:
    certified against the rubric, no level reached. Call it before hashing the files."""
    path = root / CARD_PATH
    if not path.is_file():
        msg = f'{root}: no dataset card {CARD_PATH} to record the certificate in'
        raise ExportError(msg)
    header, body = split_card(path.read_text(encoding='utf-8'), path)
    header['certificate'] = {'level': level, 'rubric_version': rubric_version}
    body = drop_section(body, CERTIFICATE_HEADING).rstrip('\n')
    reached = f'level `{level}`' if level else 'no level reached'
    section = (f'{CERTIFICATE_HEADING}\n\n`interop certify`, rubric {rubric_version}: '
               f'{reached}. The content-hashed certificate is meta/certificate.json '
               '(`interop certify --verify` checks it against the files).\n')
    path.write_text(f'{render_front_matter(header)}{body}\n\n{section}', encoding='utf-8')


def split_card(text: str, path: Path) -> tuple[dict[str, object], str]:
    """(front matter mapping, markdown body) of a card that starts with a YAML header."""
    end = text.find('\n---\n', 3)
    if not text.startswith('---\n') or end < 0:
        msg = f'{path}: no YAML front matter (a card starts with a --- line)'
        raise ExportError(msg)
    try:
        header = yaml.safe_load(text[4:end])
    except yaml.YAMLError as error:
        msg = f'{path}: front matter is not YAML: {error}'
        raise ExportError(msg) from error
    if not isinstance(header, dict):
        msg = f'{path}: front matter is not a mapping'
        raise ExportError(msg)
    return header, text[end + len('\n---\n'):]


def drop_section(body: str, heading: str) -> str:
    """The markdown without the section `heading` (up to the next '## ' heading or the end)."""
    lines = body.split('\n')
    if heading not in lines:
        return body
    start = lines.index(heading)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith('## ')),
               len(lines))
    return '\n'.join(lines[:start] + lines[end:])
