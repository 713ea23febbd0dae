#!/usr/bin/env bash
# The benchmarks in bench/. Run through `make bench`, which bootstraps first and sources
# scripts/env.sh. Each benchmark prints its figures and writes them under out/bench/.
# To add a benchmark, append one more `run_bench '<title>' <command...>` line at the end.
# Extra options for the bridge benchmark: BRIDGE_BENCH_ARGS='--quick' make bench
# Extra options for the exporter benchmark: EXPORT_BENCH_ARGS='--quick' make bench
# (a full run takes about 10 + 5.5 minutes and needs about 6 GB free disk)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out="$repo/out/bench"
mkdir -p "$out"
cd "$repo"
# Simulated robots and benchmark sources: DDS traffic stays on this machine.
# shellcheck source=test_env.sh
source "$repo/scripts/test_env.sh"

run_bench() {  # run_bench <title> <command...>
  echo "== $1 =="
  shift
  "$@"
  echo
}

# shellcheck disable=SC2086  # BRIDGE_BENCH_ARGS is a list of options
run_bench 'bridge: added latency, drops and CPU per message (bench/bridge_latency.py)' \
  python bench/bridge_latency.py --out "$out" ${BRIDGE_BENCH_ARGS:-}

# shellcheck disable=SC2086  # EXPORT_BENCH_ARGS is a list of options
run_bench 'exporter: state msgs/s vs a plain rosbags loop, video encode fps, peak memory (bench/export_throughput.py)' \
  python bench/export_throughput.py --out "$out" ${EXPORT_BENCH_ARGS:-}

run_bench 'certify vs lerobot-doctor and deepen-grade on a seeded-defect corpus (bench/certify_peers.py, ~2.5 min)' \
  python bench/certify_peers.py --rebuild --corpus "$repo/out/certify_corpus"

run_bench 'pose transfer across the six robots, joint space vs task space (bench/pose_transfer.py)' \
  python bench/pose_transfer.py --out "$out/pose_transfer.md"

echo "bench: results in $out"
