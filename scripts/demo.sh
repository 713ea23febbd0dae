#!/usr/bin/env bash
# The end-to-end demo (run through `make demo`, which bootstraps first):
#  1. two simulated robots of different vendors (a Unitree G1 and a Booster T1), a bridge for
#     each, one canonical controller driving both through the same canonical interface, and a
#     recorder per robot: launch/two_robot_demo.launch.yaml;
#  2. the two recordings exported into one LeRobotDataset v3.0 with the canonical schema;
#  3. the dataset validated, and a quality report with plots written.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out="$repo/out/demo"
cd "$repo"
rm -rf "$out"
mkdir -p "$out"
# A DDS domain of its own, so a demo never mixes with tests or other runs on this machine.
export ROS_DOMAIN_ID=${ROS_DOMAIN_ID:-$((20 + RANDOM % 10))}

echo "== 1/4 two robots, two bridges, one canonical controller, two recorders =="
interop launch launch/two_robot_demo.launch.yaml record_dir:="$out/bags" \
  --until canonical_controller --duration 120 | tee "$out/launch.log" \
  | grep -E "ready|episode|safe command|exit|ERROR|error" || true

echo "== 2/4 export both recordings into one dataset =="
interop export "$out/bags/g1" "$out/bags/t1" --out "$out/dataset" --modality

echo "== 3/4 validate the dataset =="
interop validate "$out/dataset"

echo "== 4/4 quality report =="
interop report "$out/dataset" --out "$out/report"

echo
echo "demo: results in $out"
echo "  recordings   $out/bags/{g1,t1}"
echo "  dataset      $out/dataset (LeRobotDataset v3.0, canonical schema)"
echo "  report       $out/report/report.md and $out/report/*.png"
