"""Read a long-episode dataset with the real LeRobot loader at its default tolerance.

Run with .venv-lerobot/bin/python: check_long_episode.py ROOT FPS. The dataset holds one
long synthetic recording whose observation.state entry 0 is the recording's frame number k
(and whose camera frames, if any, spell k mod 256 in 8 bars). Reads the last 30 frames and
200 frames spread over the dataset (golden-ratio steps, no period), with delta_timestamps,
and requires for every item:

- its timestamp is frame_index / fps within the loader's tolerance_s (its default, 1e-4 s);
- the episode's meta/interop.json `split` entry places it: frame_offset + frame_index == k
  (frame_offset 0 for an episode that was not split);
- each camera frame spells k (the loader itself asserts its video query time is within
  tolerance_s of the decoded frame's).

Prints one line per check; exits 1 on the first failure.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch
from ledataset.datasets.lerobot_dataset import LeRobotDataset

BITS = 8
SPREAD = 200  # items spread over the dataset, plus its last 30 frames
GOLDEN = (5**0.5 - 1) / 2


def spread(total: int, count: int) -> list[int]:
    """`count` positions spread over range(total) with no period (golden-ratio steps)."""
    return [int(number * GOLDEN % 1 * total) for number in range(count)]


def spelled_code(frame: torch.Tensor) -> int:
    """The number a (C, H, W) float frame spells (test/spelled_frames.py, on its own)."""
    bar = frame.shape[2] // BITS
    return sum(1 << bit for bit in range(BITS)
               if frame[:, :, bit * bar:(bit + 1) * bar].mean().item() > 0.5)


def main(root: str, fps: int) -> int:
    interop = json.loads((Path(root) / 'meta/interop.json').read_text())
    features = json.loads((Path(root) / 'meta/info.json').read_text())['features']
    cameras = [key for key, feature in features.items() if feature['dtype'] == 'video']
    deltas = {key: [-1 / fps, 0.0] for key in ['observation.state', *cameras]}
    dataset = LeRobotDataset('local/long', root=root, delta_timestamps=deltas)
    total = len(dataset)
    print(f'tolerance_s {dataset.tolerance_s}, {total} frames, timestamp dtype '
          f'{dataset.meta.features["timestamp"]["dtype"]}, cameras {len(cameras)}')
    positions = sorted({*spread(total, SPREAD), *range(total - 30, total)})
    worst = 0.0
    for position in positions:
        item = dataset[position]
        frame = int(item['frame_index'])
        error = abs(item['timestamp'].item() - frame / fps)
        worst = max(worst, error)
        if error > dataset.tolerance_s:
            print(f'item {position}: timestamp {item["timestamp"].item()!r} is {error:.3g} s '
                  f'off {frame}/{fps}')
            return 1
        recorded = int(item['observation.state'][-1][0])
        entry = interop['episodes'][str(int(item['episode_index']))]
        offset = entry['split']['frame_offset'] if 'split' in entry else 0  # unsplit: 0
        if offset + frame != recorded:
            print(f'item {position}: frame_offset {offset} + frame_index {frame} is not '
                  f'recording frame {recorded}')
            return 1
        for camera in cameras:
            code = spelled_code(item[camera][-1])
            if code != recorded % 2**BITS:
                print(f'item {position}: {camera} spells {code}, expected {recorded % 256}')
                return 1
    print(f'{len(positions)} items read, {dataset.meta.total_episodes} episodes, worst '
          f'timestamp error {worst!r} s, last frame '
          f'{int(dataset[total - 1]["frame_index"])}, timestamp tensor '
          f'{dataset[total - 1]["timestamp"].dtype}')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1], int(sys.argv[2])))
