#!/usr/bin/env bash
# The end-to-end demo. Run through `make demo`, which bootstraps first.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out="$repo/out/demo"
mkdir -p "$out"
cd "$repo"

echo "== canonical humanoid interface =="
interop canonical | tee "$out/canonical.txt"
echo
echo "== interfaces built in .ws/install =="
python - <<'PY' | tee "$out/interfaces.txt"
import interop_msgs.msg as msg, interop_msgs.srv as srv
names = sorted(n for n in dir(msg) if n[0].isupper()) + [f'{n} (srv)' for n in dir(srv) if n[0].isupper() and not n.endswith(('_Request', '_Response', '_Event'))]
print('interop_msgs:', ', '.join(names))
PY
echo
echo "demo: results in $out"
