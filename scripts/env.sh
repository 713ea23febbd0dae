# Source this file to get the project's ROS 2 environment (venv + built workspace).
# Usage: source scripts/env.sh
_interop_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck disable=SC1091
source "$_interop_repo/.venv/bin/activate"
export AMENT_PREFIX_PATH="$VIRTUAL_ENV${AMENT_PREFIX_PATH:+:$AMENT_PREFIX_PATH}"
export CMAKE_PREFIX_PATH="$VIRTUAL_ENV${CMAKE_PREFIX_PATH:+:$CMAKE_PREFIX_PATH}"
if [ -f "$_interop_repo/.ws/install/setup.bash" ]; then
  # colcon's setup scripts read unset variables; relax nounset while sourcing.
  _interop_had_u=${-//[^u]/}
  set +u
  # shellcheck disable=SC1091
  source "$_interop_repo/.ws/install/setup.bash"
  [ -n "$_interop_had_u" ] && set -u
  # The package's executables (what `ros2 run interop_bridge <name>` would start).
  export PATH="$_interop_repo/.ws/install/interop_bridge/lib/interop_bridge:$PATH"
fi
# The DDS settings (ROS_DOMAIN_ID, ROS_AUTOMATIC_DISCOVERY_RANGE, a Fast DDS profile) are left
# as the shell has them: beside a real robot they are the deployment's (docs/deploy.md). Tests,
# the demo and the benchmarks keep their traffic on this machine: scripts/test_env.sh.
unset _interop_repo _interop_had_u
