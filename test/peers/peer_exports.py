"""One clean export per shipped profile, for running the peer tools on them.

The G1 29-DoF recording is test/physical_bags.py's physically consistent one (commands lead the
state, upright still IMU, a moving camera scene). Every other robot is test/bag_factory.py's
vendor bag (smooth sinusoidal joints at 300 Hz, a 30 Hz camera, no dropout): the Unitree ones
with their LowCmd commands as the action, the others (Booster, ros2_control) with the next
state as the action, since bag_factory records commands for Unitree robots only.
"""

from __future__ import annotations

from pathlib import Path

import bag_factory as bf
import physical_bags

from interop_bridge.export.episode_assembly import ExportPolicy
from interop_bridge.export.exporter import ExportRequest, export_recordings
from interop_bridge.profile import load_profile

DURATION_S = 3.0
EPISODE = bf.EventSpec(0.2, 2.8, 'wave both arms')  # 79 frames at 30 fps


def clean_bag(path: Path, profile: str) -> Path:
    """A clean recording of the profile's robot (no dropout, no impossible value)."""
    if profile == physical_bags.PROFILE:
        return physical_bags.write_physical_bag(path, duration_s=DURATION_S,
                                                episodes=(EPISODE,))
    commands = load_profile(profile).adapter.startswith('unitree_')
    return bf.write_vendor_bag(path, profile, duration_s=DURATION_S, events=(EPISODE,),
                               commands=commands)


def action_source(profile: str) -> str:
    """Recorded commands where the bag has them, else the next state."""
    has_commands = profile == physical_bags.PROFILE or \
        load_profile(profile).adapter.startswith('unitree_')
    return 'commands' if has_commands else 'next-state'


def export_clean(profile: str, work: Path) -> Path:
    """Export the profile's clean bag to work/<profile> (libx264); returns the dataset root."""
    bag = clean_bag(work / f'{profile}-bag', profile)
    out = work / profile
    policy = ExportPolicy(action=action_source(profile))
    export_recordings(ExportRequest(bags=(bag,), out=out, profile=profile, vcodec='libx264',
                                    policy=policy), [].append)
    return out
