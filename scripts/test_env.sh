# Source this file for tests, the demo and the benchmarks: scripts/env.sh, then DDS traffic
# kept on this machine whatever the shell holds for a real robot (docs/deploy.md): discovery
# on localhost only, and no deployment profile (it would bind DDS to the robot's interface).
# Usage: source scripts/test_env.sh   (the Makefile's test, demo and bench targets do)
# shellcheck source=env.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/env.sh"
export ROS_AUTOMATIC_DISCOVERY_RANGE=LOCALHOST
unset FASTRTPS_DEFAULT_PROFILES_FILE FASTDDS_DEFAULT_PROFILES_FILE ROS_STATIC_PEERS
