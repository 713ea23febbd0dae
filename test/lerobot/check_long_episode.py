"""Read a long-episode dataset with the real LeRobot loader at its default tolerance.

Run with .venv-lerobot/bin/python: check_long_episode.py ROOT FPS. Reads the last frames and
frames spread over the dataset, with delta_timestamps, and requires every loaded timestamp
to be frame_index / fps within the loader's tolerance_s (its default, 1e-4 s). Prints one
line per check; exits 1 on the first failure.
"""

from __future__ import annotations

import sys

from ledataset.datasets.lerobot_dataset import LeRobotDataset


def main(root: str, fps: int) -> int:
    dataset = LeRobotDataset('local/long', root=root,
                             delta_timestamps={'observation.state': [-1 / fps, 0.0]})
    total = len(dataset)
    print(f'tolerance_s {dataset.tolerance_s}, {total} frames, timestamp dtype '
          f'{dataset.meta.features["timestamp"]["dtype"]}')
    positions = [*range(0, total, total // 16), *range(total - 30, total)]
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
    print(f'{len(positions)} items read, worst timestamp error {worst:.3g} s, last frame '
          f'{int(dataset[total - 1]["frame_index"])}, timestamp tensor '
          f'{dataset[total - 1]["timestamp"].dtype}')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1], int(sys.argv[2])))
