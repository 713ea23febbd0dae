#!/usr/bin/env bash
# Create .venv-peers with the peer data-quality tools (lerobot-doctor, deepen-grade).
# Safe to run again: the venv is reused while requirements-peers.txt is unchanged.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
venv="$repo/.venv-peers"
requirements="$repo/requirements-peers.txt"
stamp="$venv/.requirements.sha256"
python=${PYTHON:-python3}

want=$(sha256sum "$requirements" | cut -d' ' -f1)
have=$(cat "$stamp" 2>/dev/null || true)
if [ -x "$venv/bin/python" ] && [ "$want" = "$have" ]; then
  echo "bootstrap_peers: reusing .venv-peers"
  exit 0
fi

echo "bootstrap_peers: installing lerobot-doctor and deepen-grade into .venv-peers (first run only)"
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
log="$venv/pip-install.log"
# This machine's pip config names local mirrors that may not exist; pip warns per package.
if ! { "$venv/bin/python" -m pip install --quiet --upgrade pip \
       && "$venv/bin/python" -m pip install --quiet -r "$requirements"; } > "$log" 2>&1; then
  grep -v "^WARNING: Location" "$log" >&2
  echo "bootstrap_peers: pip install failed; full log in $log" >&2
  exit 1
fi
for tool in lerobot-doctor deepen; do
  [ -x "$venv/bin/$tool" ] || { echo "bootstrap_peers: $tool was not installed" >&2; exit 1; }
done
echo "$want" > "$stamp"
echo "bootstrap_peers: .venv-peers ready"
