#!/usr/bin/env bash
# Create .venv-lerobot with the real LeRobot tools: the dataset loader (lerobot-dataset), lerobot and
# lerobot-lint (lelint), with torch and torchcodec. Safe to run again: the venv is reused while
# requirements-lerobot.txt is unchanged and built afresh when it changed (no stale packages of the
# previous pins stay behind); FFmpeg's shared libraries (needed by torchcodec) are installed with
# apt only when they are missing.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=venv_lib.sh
source "$repo/scripts/venv_lib.sh"
venv="$repo/.venv-lerobot"
requirements="$repo/requirements-lerobot.txt"

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

if venv_is_current "$venv" "$requirements"; then
  echo "bootstrap_lerobot: reusing .venv-lerobot"
  exit 0
fi

echo "bootstrap_lerobot: installing the LeRobot loader and lerobot-lint into .venv-lerobot" \
     "(first run only, a few minutes; torch 2.10 comes from PyPI, about 3 GB)"
rm -rf "$venv"
venv_install bootstrap_lerobot "$venv" "$requirements"
"$venv/bin/python" -c 'import ledataset.datasets.lerobot_dataset, lerobot.datasets.lerobot_dataset, torchcodec.decoders' \
  > "$venv/import-check.log" 2>&1 || {
  cat "$venv/import-check.log" >&2
  echo "bootstrap_lerobot: the loader does not import; see above" >&2
  exit 1
}
[ -x "$venv/bin/lelint" ] || { echo "bootstrap_lerobot: lelint was not installed" >&2; exit 1; }
venv_stamp "$venv" "$requirements"
echo "bootstrap_lerobot: .venv-lerobot ready"
