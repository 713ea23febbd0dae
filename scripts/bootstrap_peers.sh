#!/usr/bin/env bash
# Create .venv-peers with the peer data-quality tools (lerobot-doctor, deepen-grade).
# Safe to run again: the venv is reused while requirements-peers.txt is unchanged.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=venv_lib.sh
source "$repo/scripts/venv_lib.sh"
venv="$repo/.venv-peers"
requirements="$repo/requirements-peers.txt"

if venv_is_current "$venv" "$requirements"; then
  echo "bootstrap_peers: reusing .venv-peers"
  exit 0
fi
echo "bootstrap_peers: installing lerobot-doctor and deepen-grade into .venv-peers (first run only)"
venv_install bootstrap_peers "$venv" "$requirements"
for tool in lerobot-doctor deepen; do
  [ -x "$venv/bin/$tool" ] || { echo "bootstrap_peers: $tool was not installed" >&2; exit 1; }
done
venv_stamp "$venv" "$requirements"
echo "bootstrap_peers: .venv-peers ready"
