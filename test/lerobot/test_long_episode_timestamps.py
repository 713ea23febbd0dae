"""A 2-hour episode read through the real LeRobot loader: every timestamp is k / fps.

float32 cannot hold k / fps past ~34 min within LeRobot's 1e-4 s (its spacing at 2048 s is
2.4e-4 s). Declaring timestamp float64 does not help: the loader's hf_transform_to_torch
makes every scalar a default-dtype (float32) tensor. So the writer splits an episode longer
than 512 s into parts of 512 s (issue 14, item 5), recorded in meta/interop.json, and an MP4
file holds at most 512 s (the loader's float32 video query time is from_timestamp + row
timestamp). The datasets are written with the library's writer (write_dataset): one
216000-frame episode at 30 fps with a 2-d state, no video; and one 2-hour episode at 15
fps with a camera whose frames spell their number. check_long_episode.py then loads each in
.venv-lerobot with the default tolerance. The expected grid, part count and offsets come
from k / fps and the documented 512 s here, not from the writer.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import numpy as np
import process_groups
import pyarrow.parquet as pq
import pytest
from spelled_frames import spelling_frame

from interop_bridge.dataset import layout
from interop_bridge.dataset.atomic import write_dataset
from interop_bridge.dataset.episode import Episode
from interop_bridge.dataset.features import Feature
from interop_bridge.dataset.validate import validate_dataset

HOURS_2_S = 2 * 3600
FPS = 30
LENGTH = HOURS_2_S * FPS
MAX_EPISODE_S = 512  # documented in docs/export.md (long episodes)
TOLERANCE_S = 1e-4  # LeRobotDataset's default tolerance_s
GRID_ERROR_S = 2.0**-16  # half the float32 spacing below 512 s: 1.53e-5 s
REPO = Path(__file__).resolve().parents[2]
LEROBOT_PYTHON = REPO / '.venv-lerobot/bin/python'
LOADER_TIMEOUT_S = 240  # as test_lerobot_loader.py: torch starts slowly under load
HELPER = Path(__file__).with_name('check_long_episode.py')
STATE = Feature(key='observation.state', dtype='float32', shape=(2,), names=('a', 'b'))
CAMERA = 'observation.images.head'
HEIGHT, WIDTH = 32, 64
# A 15 fps camera: 2 hours in 108000 frames. With the episode split but one MP4 for all its
# parts (rolled by size only), the loader fails its own video check (1.22e-4 s at 1181 s).
VIDEO_FPS = 15


def long_episode(fps: int, camera: bool) -> Episode:
    """2 hours at `fps`: state entry 0 is the frame number k; camera frame k spells k."""
    length = HOURS_2_S * fps
    state = np.stack([np.arange(length), -np.arange(length)], axis=1).astype(np.float32)
    videos = {CAMERA: lambda: (spelling_frame(k % 256, HEIGHT, WIDTH)
                               for k in range(length))} if camera else {}
    return Episode(task='stand still for two hours', length=length,
                   columns={'observation.state': state}, videos=videos,
                   meta={'source_bag': 'synthetic.mcap', 'episode_id': 'two-hours'},
                   robot_type='unitree_g1_29dof')


def features(camera: bool) -> list[Feature]:
    video = Feature(key=CAMERA, dtype='video', shape=(HEIGHT, WIDTH, 3),
                    names=('height', 'width', 'channels'))
    return [STATE, video] if camera else [STATE]


def test_float32_alone_would_leave_the_grid_past_the_tolerance():
    grid = np.arange(LENGTH) / FPS
    assert np.abs(grid.astype(np.float32) - grid).max() > 2 * TOLERANCE_S


def test_float32_stays_within_half_its_spacing_below_512_s():
    grid = np.arange(MAX_EPISODE_S * FPS) / FPS
    error = np.abs(grid.astype(np.float32) - grid).max()
    assert 1.4e-5 < error <= GRID_ERROR_S < TOLERANCE_S / 6  # 1.42e-5 s at 30 fps


def test_the_writer_splits_at_the_documented_maximum():
    assert layout.MAX_EPISODE_S == layout.MAX_VIDEO_FILE_S == MAX_EPISODE_S


def expected_split(fps: int) -> list[dict]:
    """The split records of a 2-hour episode at `fps`, from the documented maximum."""
    part_frames, total = MAX_EPISODE_S * fps, HOURS_2_S * fps
    parts = -(-total // part_frames)
    return [{'episode_id': 'two-hours', 'part': part, 'parts': parts,
             'frame_offset': part * part_frames, 'frames': total} for part in range(parts)]


@pytest.mark.timeout(LOADER_TIMEOUT_S + 240)
@pytest.mark.parametrize('fps, camera', [(FPS, False), (VIDEO_FPS, True)],
                         ids=['30fps-state', '15fps-camera'])
def test_two_hour_episode_timestamps_on_the_grid_in_the_real_loader(tmp_path, fps, camera):
    if not LEROBOT_PYTHON.exists():
        pytest.fail(f'{LEROBOT_PYTHON} is missing: run `make bootstrap`')
    started = time.monotonic()
    root = tmp_path / 'long'
    length = HOURS_2_S * fps
    write_dataset(root, features(camera), fps, [long_episode(fps, camera)],
                  {'exporter': 'test'}, vcodec='libx264')
    info = json.loads((root / 'meta/info.json').read_text())
    split = expected_split(fps)
    assert (info['total_frames'], info['total_episodes']) == (length, len(split)) == \
        (length, 15)
    entries = json.loads((root / 'meta/interop.json').read_text())['episodes']
    assert [entries[str(part)]['split'] for part in range(len(split))] == split
    assert {entries[str(part)]['robot_type'] for part in range(len(split))} == \
        {'unitree_g1_29dof'}
    rows = pq.read_table(root / 'meta/episodes/chunk-000/file-000.parquet').to_pylist()
    assert [row['length'] for row in rows] == \
        [MAX_EPISODE_S * fps] * 14 + [length - 14 * MAX_EPISODE_S * fps]
    if camera:  # one MP4 per part: no video query time reaches 512 s
        assert [row[f'videos/{CAMERA}/file_index'] for row in rows] == list(range(15))
        assert max(row[f'videos/{CAMERA}/to_timestamp'] for row in rows) == MAX_EPISODE_S
    assert validate_dataset(root).ok
    env = {**os.environ, 'HF_HOME': str(tmp_path / 'hf-home'), 'HF_HUB_OFFLINE': '1',
           'PYTHONPATH': ''}
    result = process_groups.run([str(LEROBOT_PYTHON), str(HELPER), str(root), str(fps)],
                                timeout=LOADER_TIMEOUT_S, env=env, cwd=tmp_path)
    print(result.stdout, f'{time.monotonic() - started:.1f} s')
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert lines[0] == (f'tolerance_s {TOLERANCE_S}, {length} frames, timestamp dtype '
                        f'float32, cameras {int(camera)}')
    items, episodes, worst, tail = re.fullmatch(
        r'(\d+) items read, (\d+) episodes, worst timestamp error (\S+) s, (.*)',
        lines[1]).groups()
    assert int(items) >= 200 and int(episodes) == 15
    assert tail == (f'last frame {length - 14 * MAX_EPISODE_S * fps - 1}, timestamp tensor '
                    'torch.float32')
    assert 0.0 <= float(worst) <= GRID_ERROR_S
