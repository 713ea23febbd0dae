"""Load datasets with the real LeRobot loader and compare every item with what was written.

Run with .venv-lerobot/bin/python (lerobot-dataset, module `ledataset`, torch, torchcodec):

    check_with_lerobot.py expected.json

expected.json: {"datasets": [{"name", "root", "fps", "cameras": {key: first_code},
"rows": [{"index", "episode_index", "frame_index", "task", "observation.state", "action",
"observation.state_valid", optional "codes": {camera: code}}], "delta_action": [seconds...],
"stats": {feature: {stat: list}}, optional "atol"}]}.
Frames spell a code in 8 black/white bars: the row's "codes" entry, else the camera key's
first_code + the row's index. Values are compared exactly, or within "atol" when given.
Prints one summary line per dataset; exits 1 on the first dataset with mismatches.
"""

from __future__ import annotations

import json
import sys

import numpy as np
from ledataset.datasets.lerobot_dataset import LeRobotDataset

BITS = 8
VALUE_KEYS = ('observation.state', 'action', 'observation.state_valid')
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
        for key in VALUE_KEYS:
            if not same(item[key].numpy(), row[key], atol):
                problems.append(f'{where}: {key} differs')
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
    for key, stats in expected['stats'].items():
        for stat, value in stats.items():
            loaded = np.asarray(dataset.meta.stats[key][stat], dtype=np.float64)
            if not np.allclose(loaded, np.asarray(value, dtype=np.float64)):
                problems.append(f'stats {key}/{stat} differ')


def check_dataset(expected) -> list[str]:
    """All checks of one dataset; prints its summary line."""
    problems: list[str] = []
    repo_id = f'local/{expected["name"]}'
    plain = LeRobotDataset(repo_id, root=expected['root'], video_backend='torchcodec')
    if len(plain) != len(expected['rows']):
        return [f'{len(plain)} items, expected {len(expected["rows"])}']
    decoded = check_plain(plain, expected, problems)
    check_stats(plain, expected, problems)
    delta = LeRobotDataset(repo_id, root=expected['root'], video_backend='torchcodec',
                           delta_timestamps={'action': expected['delta_action']})
    check_delta(delta, expected, problems)
    print(f'{expected["name"]}: {len(plain)} items, {plain.num_episodes} episodes, '
          f'{decoded} frames decoded, robot {plain.meta.robot_type!r}, tasks '
          f'{sorted(set(row["task"] for row in expected["rows"]))}: '
          f'{"OK" if not problems else f"{len(problems)} MISMATCHES"}', flush=True)
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
