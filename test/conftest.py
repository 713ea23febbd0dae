"""Test-wide set-up: an isolated DDS domain per test run, and the repository paths."""

from __future__ import annotations

import os
import random
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Each pytest run gets its own DDS domain, so parallel runs (or a running demo) never see
# each other's topics. Child processes inherit it through the environment.
os.environ.setdefault('ROS_DOMAIN_ID', str(random.Random(os.getpid()).randint(30, 99)))
os.environ.setdefault('ROS_AUTOMATIC_DISCOVERY_RANGE', 'LOCALHOST')
