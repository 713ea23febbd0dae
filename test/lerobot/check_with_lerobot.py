"""Load datasets with the real LeRobot loader and compare every item with what was written.

Run with .venv-lerobot/bin/python (lerobot-dataset, module `ledataset`, torch, torchcodec):

    check_with_lerobot.py expected.json

expected.json: {"datasets": [{"name", "root", "fps", "cameras": {key: first_code},
"rows": [{"index", "episode_index", "frame_index", "task", optional "codes": {camera: code},
and any feature key with its expected value ("observation.state", "observation.hand" ...)}],
"delta_action": [seconds...], "stats": {feature: {stat: list}}, optional "atol"}]}.
Frames spell a code in 8 black/white bars: the row's "codes" entry, else the camera key's
first_code + the row's index. Values are compared exactly, or within "atol" when given.
Optional "policy": {"inputs": [keys], "outputs": [keys], "masks": {feature: its mask},
"absent": {feature: [entries]}, "dropouts": n}: the real `dataset_to_policy_features` and
make_policy's selection (outputs = ACTION features, inputs = the rest) must give exactly these
keys; then every item,
batched, is normalized the way LeRobot's normalizer does (MEAN_STD, MIN_MAX, QUANTILES,
QUANTILE10) with the dataset's stats: an absent entry must normalize to exactly 0 in every
mode, and each dropout entry (its mask 0 after a valid frame of the entry; "dropouts" of
them) must equal the normalized last valid value of that entry, never the
normalized 0.0 of a made-up reading.
Prints one summary line per dataset; exits 1 on the first dataset with mismatches.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import torch
from ledataset.configs.types import FeatureType, NormalizationMode
from ledataset.datasets.lerobot_dataset import LeRobotDataset
from ledataset.datasets.utils import dataset_to_policy_features

BITS = 8
ROW_KEYS = ('index', 'episode_index', 'frame_index', 'task', 'codes')  # the rest: values
MAX_REPORTED = 10


def spelled_code(image) -> int:
    """The code a (3, H, W) float frame in [0, 1] spells with its 8 vertical bars."""
    pixels = image.numpy().mean(axis=0)
    bar = pixels.shape[1] // BITS
    return sum(1 << bit for bit in range(BITS)
               if pixels[:, bit * bar:(bit + 1) * bar].mean() > 0.5)


def same(loaded, wanted, atol: float) -> bool:
    """Exactly equal, or within `atol` when the expectation is computed, not copied."""
    wanted = np.asarray(wanted, dtype=np.float32)
    if atol:
        close = np.allclose(loaded, wanted, rtol=0, atol=atol)
        return loaded.shape == wanted.shape and bool(close)
    return np.array_equal(loaded, wanted)


def check_plain(dataset, expected, problems) -> int:
    """Every item: task string, values, decoded frame. Returns the frames decoded."""
    decoded = 0
    atol = expected.get('atol', 0.0)
    for position, row in enumerate(expected['rows']):
        item = dataset[position]
        where = f'item {position} (episode {row["episode_index"]} frame {row["frame_index"]})'
        for key in ('index', 'episode_index', 'frame_index'):
            if int(item[key]) != row[key]:
                problems.append(f'{where}: {key} {int(item[key])}, expected {row[key]}')
        if item['task'] != row['task']:
            problems.append(f'{where}: task {item["task"]!r}, expected {row["task"]!r}')
        for key in [key for key in row if key not in ROW_KEYS]:
            if not same(item[key].numpy(), row[key], atol):
                problems.append(f'{where}: {key} differs: {item[key].numpy().tolist()[:6]}, '
                                f'expected {list(row[key])[:6]}')
        for camera, first_code in expected['cameras'].items():
            code = spelled_code(item[camera])
            decoded += 1
            wanted = row.get('codes', {}).get(camera, first_code + row['index'])
            if code != wanted:
                problems.append(f'{where}: {camera} shows frame {code}, expected {wanted}')
    return decoded


def check_delta(dataset, expected, problems) -> None:
    """delta_timestamps for action: neighbours within the episode, padding outside it."""
    rows, fps = expected['rows'], expected['fps']
    by_position = {(row['episode_index'], row['frame_index']): row for row in rows}
    offsets = [round(delta * fps) for delta in expected['delta_action']]
    for position, row in enumerate(rows):
        item = dataset[position]
        wanted, pads = [], []
        for offset in offsets:
            neighbour = by_position.get((row['episode_index'], row['frame_index'] + offset))
            pads.append(neighbour is None)
            if neighbour is None:  # LeRobot clamps to the episode's first or last frame
                edge = 0 if offset < 0 else max(
                    r['frame_index'] for r in rows if r['episode_index'] == row['episode_index'])
                neighbour = by_position[(row['episode_index'], edge)]
            wanted.append(neighbour['action'])
        if not same(item['action'].numpy(), wanted, expected.get('atol', 0.0)):
            problems.append(f'item {position}: delta action differs')
        if item['action_is_pad'].tolist() != pads:
            problems.append(f'item {position}: action_is_pad {item["action_is_pad"].tolist()}, '
                            f'expected {pads}')


def check_stats(dataset, expected, problems) -> None:
    """meta.stats as LeRobot loaded them equal stats.json as written."""
    for key, stats in expected.get('stats', {}).items():
        for stat, value in stats.items():
            loaded = np.asarray(dataset.meta.stats[key][stat], dtype=np.float64)
            if not np.allclose(loaded, np.asarray(value, dtype=np.float64)):
                problems.append(f'stats {key}/{stat} differ')


def normalized(values, stats, mode):
    """LeRobot's normalization of (batch, d) values (lerobot.processor.normalize_processor)."""
    eps = 1e-8
    stat = {key: torch.as_tensor(np.asarray(value), dtype=torch.float32)
            for key, value in stats.items()}
    if mode is NormalizationMode.MEAN_STD:
        return (values - stat['mean']) / (stat['std'] + eps)
    low, high = {NormalizationMode.MIN_MAX: ('min', 'max'),
                 NormalizationMode.QUANTILES: ('q01', 'q99'),
                 NormalizationMode.QUANTILE10: ('q10', 'q90')}[mode]
    span = stat[high] - stat[low]
    span = torch.where(span == 0, torch.tensor(eps), span)
    return 2 * (values - stat[low]) / span - 1


def check_policy(dataset, wanted, problems) -> int:
    """Policy features as make_policy selects them; normalized batch free of fake values.

    Returns the number of dropout entries checked."""
    features = dataset_to_policy_features(dataset.meta.features)
    outputs = sorted(key for key, ft in features.items() if ft.type is FeatureType.ACTION)
    inputs = sorted(key for key in features if key not in outputs)
    if outputs != sorted(wanted['outputs']):
        problems.append(f'policy outputs {outputs}, expected {sorted(wanted["outputs"])}')
    if inputs != sorted(wanted['inputs']):
        problems.append(f'policy inputs {inputs}, expected {sorted(wanted["inputs"])}')
    batch = next(iter(torch.utils.data.DataLoader(dataset, batch_size=len(dataset))))
    dropouts = 0
    for key in (*inputs, *outputs):
        if features[key].type is FeatureType.VISUAL:
            continue
        mask_key = wanted['masks'].get(key)
        values, valid = batch[key], batch[mask_key] if mask_key else None
        for mode in (NormalizationMode.MEAN_STD, NormalizationMode.MIN_MAX,
                     NormalizationMode.QUANTILES, NormalizationMode.QUANTILE10):
            out = normalized(values, dataset.meta.stats[key], mode)
            absent = wanted['absent'].get(key, [])
            if absent and not bool((out[:, absent] == 0).all()):
                problems.append(f'{key} {mode.value}: absent entries normalize to '
                                f'{out[:, absent].unique().tolist()[:5]}, not 0')
            if valid is not None:
                dropouts += check_dropouts(key, mode, out, values, valid,
                                           batch['episode_index'], dataset.meta.stats[key],
                                           problems)
    dropouts //= 4  # each entry was checked once per normalization mode
    if dropouts != wanted['dropouts']:
        problems.append(f'{dropouts} dropout entries, expected {wanted["dropouts"]}')
    return dropouts


def check_dropouts(key, mode, out, values, valid, episodes, stats, problems) -> int:
    """Each dropout entry normalizes like the entry's last valid value; returns how many."""
    valid = valid.reshape(len(valid), -1)
    flags = valid.repeat_interleave(values.shape[1] // valid.shape[1], dim=1) > 0.5
    zero = normalized(torch.zeros_like(values[:1]), stats, mode)[0]
    checked = 0
    for column in range(values.shape[1]):
        last = None
        for row in range(values.shape[0]):
            if row and episodes[row] != episodes[row - 1]:
                last = None
            if flags[row, column]:
                last = row
            elif last is not None:
                checked += 1
                if out[row, column] != out[last, column]:
                    problems.append(f'{key} {mode.value} row {row} entry {column}: '
                                    f'{float(out[row, column])}, not the held '
                                    f'{float(out[last, column])}')
                elif values[last, column] != 0 and out[row, column] == zero[column]:
                    problems.append(f'{key} row {row} entry {column}: a made-up 0.0')
    return checked


def check_dataset(expected) -> list[str]:
    """All checks of one dataset; prints its summary line."""
    problems: list[str] = []
    repo_id = f'local/{expected["name"]}'
    plain = LeRobotDataset(repo_id, root=expected['root'], video_backend='torchcodec')
    summary = f'{expected["name"]}: {len(plain)} items, {plain.num_episodes} episodes'
    if 'rows' in expected:
        if len(plain) != len(expected['rows']):
            return [f'{len(plain)} items, expected {len(expected["rows"])}']
        decoded = check_plain(plain, expected, problems)
        check_stats(plain, expected, problems)
        if 'delta_action' in expected:
            delta = LeRobotDataset(repo_id, root=expected['root'], video_backend='torchcodec',
                                   delta_timestamps={'action': expected['delta_action']})
            check_delta(delta, expected, problems)
        summary += (f', {decoded} frames decoded, robot {plain.meta.robot_type!r}, tasks '
                    f'{sorted(set(row["task"] for row in expected["rows"]))}')
    if 'policy' in expected:
        dropouts = check_policy(plain, expected['policy'], problems)
        summary += f', policy features and {dropouts} dropout entries checked'
    print(f'{summary}: {"OK" if not problems else f"{len(problems)} MISMATCHES"}', flush=True)
    return problems


def main(path: str) -> int:
    """Check every dataset of the expected-values file."""
    with open(path, encoding='utf-8') as file:
        expected = json.load(file)
    for dataset in expected['datasets']:
        problems = check_dataset(dataset)
        for problem in problems[:MAX_REPORTED]:
            print(f'  {problem}')
        if problems:
            return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
