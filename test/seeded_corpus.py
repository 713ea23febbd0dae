"""A corpus of recordings and datasets with one seeded defect each, plus clean ones.

Every item is a LeRobot v3.0 dataset exported by `interop export` (a fresh process, as a user
runs it) from a physically consistent recording (test/physical_bags.py); a recording defect is
planted in the bag by `physical_bags.Seeds` (the item keeps its bag), a dataset defect in a copy
of the clean export of the same robot by a `mutate` function (dataset_defects.py). `expected`
names the certify checks that must fail (or warn) on it, found independently of the checks'
code: by the physics of the seed (a joint 0.3 rad past its stop is past its limit), not by
running certify. bench/certify_corpus.py builds the whole corpus, test_seeded_defects.py a few
items of it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import dataset_defects as dd
import physical_bags as pb
from bag_factory import EventSpec

G1, TALOS = pb.PROFILE, pb.TALOS
WAVE = (EventSpec(0.2, 2.8, 'wave both arms'),)
REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Item:
    """One corpus entry: a clean recording, or one with exactly one seeded defect."""

    name: str
    family: str          # clean, time, physics, control, video, episodes, provenance
    robot: str           # the profile
    seeded: str          # what was planted, and where
    expected: tuple[str, ...] = ()   # certify check ids that must not pass (none: clean)
    seeds: pb.Seeds = field(default_factory=pb.Seeds)
    episodes: tuple[EventSpec, ...] = WAVE
    export_args: tuple[str, ...] = ()
    mutate: Callable[[Path], None] | None = None  # a dataset defect, on a copy of the clean
    twin: pb.Seeds | None = None     # a second recording exported into the same dataset

    @property
    def clean(self) -> bool:
        return not self.expected

    @property
    def bag_defect(self) -> bool:
        """The defect is in the recording (the item has its own bag)."""
        return not self.clean and self.mutate is None and self.twin is None


def _state(**fields: object) -> pb.Seeds:
    return pb.Seeds(state=pb.StateSeeds(**fields))  # type: ignore[arg-type]


MID = (1.4, 1.7)  # a span inside the swing, well inside the episode

ITEMS: tuple[Item, ...] = (
    Item('clean_g1', 'clean', G1, 'none: the physically consistent G1 recording'),
    Item('clean_talos', 'clean', TALOS, 'none: the physically consistent TALOS recording'),
    # time
    Item('state_gap', 'time', G1, 'no LowState for 60 ms at 1.2 s (30 messages; below the '
         '0.1 s staleness, so no frame goes invalid)', ('time.source_gaps',),
         pb.Seeds(state_gap=(1.2, 1.26))),
    Item('state_dropout', 'time', G1, 'no LowState for 0.5 s at 1.2 s (15 frames stale)',
         ('time.dropouts', 'time.source_gaps'), pb.Seeds(state_gap=(1.2, 1.7))),
    Item('state_jitter', 'time', G1, 'every LowState received up to 20 ms late (period 2 ms)',
         ('time.source_gaps',), pb.Seeds(state_jitter_s=0.02)),
    Item('non_monotonic', 'time', TALOS, '5 pairs of JointState header stamps swapped',
         ('time.non_monotonic',), pb.Seeds(swapped_headers=5)),
    Item('clock_skew', 'time', TALOS, 'JointState header stamps 80 ms behind receive time',
         ('time.clock_skew',), pb.Seeds(header_offset_s=-0.08)),
    Item('header_stamps_missing', 'time', G1, 'camera image header stamps left at 0',
         ('video.camera_rate',), pb.Seeds(camera_stamps=False)),
    Item('timestamps_off_grid', 'time', G1, 'dataset: timestamps from frame 40 on shifted by '
         'half a frame', ('time.grid', 'format.timestamps'), mutate=dd.shift_timestamps),
    # physics
    Item('position_beyond_limit', 'physics', TALOS, 'first joint 0.3 rad past its upper '
         'limit for 0.3 s', ('physics.position_limits',), _state(position_over=MID)),
    Item('velocity_beyond_limit', 'physics', TALOS, "first joint's velocity 3x its maximum "
         'for 0.3 s', ('physics.velocity_limits',), _state(velocity_over=MID)),
    Item('effort_beyond_limit', 'physics', TALOS, "first joint's effort 2x its maximum for "
         '0.3 s', ('physics.effort_limits',), _state(effort_over=MID)),
    Item('velocity_not_derivative', 'physics', TALOS, 'recorded velocity twice the derivative '
         'of position', ('physics.velocity_vs_position',), _state(velocity_scale=2.0)),
    Item('quaternion_not_unit', 'physics', G1, 'IMU quaternion of norm 0.95',
         ('physics.quaternion_norm',), _state(quaternion_wxyz=(0.95, 0.0, 0.0, 0.0))),
    Item('gravity_wrong', 'physics', G1, 'accelerometer reads 7.0 m/s^2 standing still',
         ('physics.gravity_at_rest',), _state(accelerometer=(0.0, 0.0, 7.0))),
    Item('gyro_inconsistent', 'physics', G1, 'gyro 0.3 rad/s about x, orientation constant',
         ('physics.gyro_vs_orientation',), _state(gyroscope=(0.3, 0.0, 0.0))),
    Item('accelerometer_tilted', 'physics', TALOS, 'accelerometer 30 deg off the upright '
         'orientation (norm 9.81)', ('physics.accelerometer_direction',),
         _state(accelerometer=(0.0, 4.905, 8.496))),
    # control
    Item('command_beyond_limit', 'control', G1, 'first joint commanded 0.2 rad past its '
         'limit for 0.3 s', ('control.commands_within_limits',), pb.Seeds(command_over=MID)),
    Item('command_lag', 'control', G1, 'commands 0.5 s ahead of the state (the robot lags)',
         ('control.command_lag',), pb.Seeds(command_lead_s=0.5)),
    Item('tracking_error', 'control', TALOS, 'every command 0.3 rad above the state',
         ('control.tracking_error',), pb.Seeds(command_offset=0.3)),
    Item('nan_in_action', 'control', G1, 'dataset: NaN in action[0] at frames 20-22 (mask '
         'valid)', ('control.non_finite',), mutate=dd.nan_in_action),
    # video
    Item('frozen_camera', 'video', G1, 'camera repeats one image for 1.2 s from 1.0 s',
         ('video.frozen_frames',), pb.Seeds(frozen=(1.0, 2.2))),
    Item('black_frames', 'video', G1, 'camera black for 0.5 s from 1.0 s',
         ('video.black_or_saturated',), pb.Seeds(black=(1.0, 1.5))),
    Item('camera_rate_low', 'video', G1, 'camera at 15 Hz for a 30 fps dataset',
         ('video.camera_rate',), pb.Seeds(camera_hz=15)),
    Item('video_frames_missing', 'video', G1, 'dataset: MP4 re-encoded without its last 5 '
         'frames', ('video.frame_count', 'format.video_frames'), mutate=dd.drop_last_frames),
    # episodes
    Item('idle_start', 'episodes', G1, 'robot still for the first 1.8 s of the episode',
         ('episodes.idle_spans',), _state(rest_s=2.0)),
    Item('duplicate_episode', 'episodes', G1, 'the same recording exported twice into one '
         'dataset', ('episodes.duplicates',), twin=pb.Seeds()),
    Item('near_duplicate', 'episodes', G1, 'a second recording, commands 0.5 mrad apart, '
         'state identical', ('episodes.near_duplicates',), twin=pb.Seeds(command_offset=5e-4)),
    Item('too_short', 'episodes', G1, 'an episode of 0.3 s (9 frames)', ('episodes.too_short',),
         episodes=(EventSpec(0.2, 0.5, 'wave both arms'),)),
    Item('placeholder_task', 'episodes', G1, "episode task text 'test'",
         ('episodes.task_text',), episodes=(EventSpec(0.2, 2.8, 'test'),)),
    Item('failed_episode', 'episodes', G1, 'episode labelled FAILURE, exported with '
         '--include-failed', ('episodes.outcome',),
         episodes=(EventSpec(0.2, 2.8, 'wave both arms', outcome=3),),
         export_args=('--include-failed',)),
    # provenance
    Item('provenance_stripped', 'provenance', G1, 'dataset: exporter version and bag SHA-256 '
         'removed from meta/interop.json', ('provenance.exporter', 'provenance.source_bags'),
         mutate=dd.strip_provenance),
)


def by_name(name: str) -> Item:
    """The corpus item called `name`."""
    return next(item for item in ITEMS if item.name == name)


def export(bags: list[Path], out: Path, robot: str, args: tuple[str, ...] = ()) -> Path:
    """`interop export` in a fresh process (H.264, so the corpus builds in seconds)."""
    command = [sys.executable, '-m', 'interop_bridge.cli', 'export', *map(str, bags),
               '--out', str(out), '--profile', robot, '--vcodec', 'libx264', *args]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300,
                          check=False)
    if done.returncode:
        msg = f'export of {bags} failed: {done.stderr.strip()}'
        raise RuntimeError(msg)
    return out


def clean_of(robot: str) -> Item:
    """The clean item of a robot."""
    return next(item for item in ITEMS if item.clean and item.robot == robot)


def build(item: Item, root: Path) -> Path:
    """Build one item under root/<name>/ (bag/ when it has one, dataset/); the clean item of
    its robot must be built first when the item mutates or re-exports it."""
    home = root / item.name
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    dataset = home / 'dataset'
    if item.mutate is not None:
        shutil.copytree(root / clean_of(item.robot).name / 'dataset', dataset)
        item.mutate(dataset)
    elif item.twin is not None:
        clean_bag = root / clean_of(item.robot).name / 'bag'
        twin = pb.write_physical_bag(home / 'twin_bag', profile=item.robot, seeds=item.twin)
        export([clean_bag, twin], dataset, item.robot, item.export_args)
    else:
        bag = pb.write_physical_bag(home / 'bag', profile=item.robot, seeds=item.seeds,
                                    episodes=item.episodes)
        export([bag], dataset, item.robot, item.export_args)
    (home / 'item.json').write_text(json.dumps(describe(item, home), indent=1) + '\n')
    return home


def describe(item: Item, home: Path) -> dict[str, object]:
    """The item as the manifest records it."""
    bag = home / 'bag'
    return {'name': item.name, 'family': item.family, 'robot': item.robot,
            'seeded': item.seeded, 'expected': list(item.expected), 'clean': item.clean,
            'bag': str(bag) if bag.exists() and (item.bag_defect or item.clean) else None,
            'dataset': str(home / 'dataset'), 'hours': dd.hours_of(home / 'dataset')}


def build_all(root: Path, items: tuple[Item, ...] = ITEMS,
              progress: Callable[[str], None] = print) -> list[dict[str, object]]:
    """Build every item (clean ones first) and write root/corpus.json."""
    ordered = sorted(items, key=lambda item: not item.clean)
    manifest = []
    for number, item in enumerate(ordered, 1):
        progress(f'[{number}/{len(ordered)}] {item.name} ({item.family}, {item.robot})')
        manifest.append(describe(item, build(item, root)))
    (root / 'corpus.json').write_text(json.dumps(manifest, indent=1) + '\n')
    return manifest
