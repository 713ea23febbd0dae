#!/usr/bin/env bash
# `make test` with two busy loops keeping both cores of the machine at 100 %, as on a loaded CI
# runner. The busy loops are killed on exit, however it ends. Prints the elapsed time.
# Usage: scripts/test_under_load.sh [extra make arguments]
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
loops=()
stop_loops() {
  for pid in "${loops[@]}"; do
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
trap stop_loops EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for _ in 1 2; do
  python3 -c 'while True: pass' &
  loops+=("$!")
done
echo "test_under_load: busy loops ${loops[*]} running; make test"
start=$(date +%s)
status=0
make -C "$repo" test "$@" || status=$?
echo "test_under_load: make test exited $status after $(( $(date +%s) - start )) s with two busy loops"
exit "$status"
