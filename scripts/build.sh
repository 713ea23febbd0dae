#!/usr/bin/env bash
# Build interop_msgs, the test-only vendor interface copies and interop_bridge into .ws/.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck disable=SC1091
source "$repo/scripts/env.sh"
cd "$repo"
# The repository root is itself a package, so colcon would not descend into interop_msgs/:
# every package directory is named explicitly.
paths=(. interop_msgs)
for vendor in test/vendor_interfaces/*/; do
  [ -f "$vendor/package.xml" ] && paths+=("$vendor")
done
mkdir -p .ws
status=0
colcon --log-base .ws/log build \
  --base-paths "${paths[@]}" \
  --build-base .ws/build --install-base .ws/install \
  --event-handlers console_cohesion+ status- \
  --cmake-args -DBUILD_TESTING=OFF > .ws/build.log 2>&1 || status=$?
# The venv prefix has no local_setup.* files; colcon warns about it on every package.
grep -v "doesn't contain any 'local_setup" .ws/build.log | grep -E "^(Starting|Finished|Failed|Summary)" || true
if [ "$status" -ne 0 ]; then
  cat .ws/build.log
  echo "build: colcon failed (exit $status); full log in .ws/build.log" >&2
  exit "$status"
fi
test -f .ws/install/interop_msgs/share/interop_msgs/package.xml
test -f .ws/install/interop_bridge/share/interop_bridge/package.xml
echo "build: workspace ready in .ws/install"
