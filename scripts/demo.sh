#!/usr/bin/env bash
# The end-to-end demo (run through `make demo`, which bootstraps first):
#  1. two simulated robots of different vendors (a Unitree G1 and a Booster T1), a bridge for
#     each, one canonical controller driving both through the same canonical interface, and a
#     recorder per robot: launch/two_robot_demo.launch.yaml;
#  2. the two recordings exported into one LeRobotDataset v3.0 with the canonical schema;
#  3. the dataset validated, and a quality report with plots written;
#  4. the dataset certified with the rubric (meta/certificate.json, its level in the dataset
#     card) and the certify report written as one HTML file.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out="$repo/out/demo"
cd "$repo"
rm -rf "$out"
mkdir -p "$out"
# Simulated robots: DDS traffic stays on this machine (also when run by hand from a shell set
# up for a real robot).
# shellcheck source=test_env.sh
source "$repo/scripts/test_env.sh"
# A DDS domain of its own, so a demo never mixes with tests or other runs on this machine.
export ROS_DOMAIN_ID=${ROS_DOMAIN_ID:-$((20 + RANDOM % 10))}

echo "== 1/5 two robots, two bridges, one canonical controller, two recorders =="
interop launch launch/two_robot_demo.launch.yaml record_dir:="$out/bags" \
  --until canonical_controller --duration 120 > "$out/launch.log" 2>&1 &
launcher=$!
tail -n +1 -f --pid="$launcher" "$out/launch.log" \
  | grep --line-buffered -E "ready|episode|safe command|older than|watchdog|exit|ERROR|error" &
shown=$!
# Stop the whole graph as soon as the episodes are done, while the controller still holds the
# robots (it does for a while, then exits: --until is the backstop). Every node is stopped at
# once, so no bridge sees its commands stop first and no watchdog fires.
until grep -q "episodes done" "$out/launch.log" || ! kill -0 "$launcher" 2>/dev/null; do
  sleep 0.1
done
kill -TERM "$launcher" 2>/dev/null || true
status=0
wait "$launcher" || status=$?
wait "$shown" || true
if [ "$status" -ne 0 ]; then
  echo "demo: the launch failed (status $status); its output: $out/launch.log"
  exit "$status"
fi
# Each bridge logs its totals when it stops; the watchdog counts must be 0.
echo "watchdog timeouts per bridge (commands stopped, vendor state stale):"
sed -nE 's/^\[([^]]*)\/bridge\].*watchdog timeouts: ([0-9]+) command, ([0-9]+) vendor state.*/  \1: \2, \3/p' \
  "$out/launch.log"
fired=$(sed -nE 's/.*watchdog timeouts: ([0-9]+) command, ([0-9]+) vendor state.*/\1 \2/p' \
  "$out/launch.log" | awk '{total += $1 + $2} END {print total + 0}')
echo "watchdog timeouts in total: $fired"
if [ "$fired" -ne 0 ]; then
  echo "demo: warning: the watchdog fired $fired times (a machine too busy to keep 50 Hz" \
    "commands within command.timeout_s?); see $out/launch.log"
fi

echo "== 2/5 export both recordings into one dataset =="
interop export "$out/bags/g1" "$out/bags/t1" --out "$out/dataset" --modality

echo "== 3/5 validate the dataset =="
interop validate "$out/dataset"

echo "== 4/5 quality report =="
interop report "$out/dataset" --out "$out/report"

echo "== 5/5 certify the dataset (rubric, certificate, HTML report) =="
interop certify "$out/dataset" --html "$out/certify" | grep -v "^PASS"

echo
echo "demo: results in $out"
echo "  recordings   $out/bags/{g1,t1}"
echo "  dataset      $out/dataset (LeRobotDataset v3.0, canonical schema)"
echo "  report       $out/report/report.md and $out/report/*.png"
