#!/usr/bin/env bash
# Create .venv-lerobot with the real LeRobot tools: the dataset loader (lerobot-dataset), lerobot and
# lerobot-lint (lelint), with torch and torchcodec. Safe to run again: the venv is reused while
# requirements-lerobot.txt is unchanged and built afresh when it changed (no stale packages of the
# previous pins stay behind); FFmpeg's shared libraries (needed by torchcodec) are installed with
# apt only when they are missing.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
venv="$repo/.venv-lerobot"
requirements="$repo/requirements-lerobot.txt"
stamp="$venv/.requirements.sha256"
python=${PYTHON:-python3}

have_ffmpeg_libs() {
  local libraries
  libraries=$({ command -v ldconfig >/dev/null && ldconfig -p; } || /sbin/ldconfig -p)
  grep -q 'libavcodec\.so\.' <<< "$libraries" && grep -q 'libavformat\.so\.' <<< "$libraries"
}

if ! have_ffmpeg_libs; then
  echo "bootstrap_lerobot: installing FFmpeg shared libraries (apt package ffmpeg) for torchcodec"
  apt_log=$(mktemp)
  if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ffmpeg; } \
      > "$apt_log" 2>&1; then
    cat "$apt_log" >&2
    echo "bootstrap_lerobot: apt-get install ffmpeg failed" >&2
    exit 1
  fi
  rm -f "$apt_log"
fi

want=$(sha256sum "$requirements" | cut -d' ' -f1)
have=$(cat "$stamp" 2>/dev/null || true)
if [ -x "$venv/bin/python" ] && [ "$want" = "$have" ]; then
  echo "bootstrap_lerobot: reusing .venv-lerobot"
  exit 0
fi

echo "bootstrap_lerobot: installing the LeRobot loader and lerobot-lint into .venv-lerobot" \
     "(first run only, a few minutes; torch 2.10 comes from PyPI, about 3 GB)"
rm -rf "$venv"
"$python" -m venv "$venv"
log="$venv/pip-install.log"
# This machine's pip config names local mirrors that may not exist; pip warns per package.
if ! { "$venv/bin/python" -m pip install --quiet --upgrade pip \
       && "$venv/bin/python" -m pip install --quiet -r "$requirements"; } > "$log" 2>&1; then
  grep -v "^WARNING: Location" "$log" >&2
  echo "bootstrap_lerobot: pip install failed; full log in $log" >&2
  exit 1
fi
"$venv/bin/python" -c 'import ledataset.datasets.lerobot_dataset, lerobot.datasets.lerobot_dataset, torchcodec.decoders' \
  > "$venv/import-check.log" 2>&1 || {
  cat "$venv/import-check.log" >&2
  echo "bootstrap_lerobot: the loader does not import; see above" >&2
  exit 1
}
[ -x "$venv/bin/lelint" ] || { echo "bootstrap_lerobot: lelint was not installed" >&2; exit 1; }
echo "$want" > "$stamp"
echo "bootstrap_lerobot: .venv-lerobot ready"
