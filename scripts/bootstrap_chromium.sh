#!/usr/bin/env bash
# Install Debian's Chromium for test/browser (the certify HTML report opened headless).
# Safe to run again: apt-get runs only when `chromium` is not on PATH. Needs root then (as the
# ffmpeg install of bootstrap_lerobot.sh); quiet unless it fails, then the apt log is shown.
set -euo pipefail

if command -v chromium >/dev/null; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "bootstrap_chromium: chromium is missing (test/browser needs it); installing it" \
       "needs root: apt-get install chromium" >&2
  exit 1
fi
echo "bootstrap_chromium: installing Chromium (apt package chromium) for test/browser"
apt_log=$(mktemp)
# Another apt run (a parallel bootstrap) holds the dpkg lock for a while: wait for it.
lock=(-o DPkg::Lock::Timeout=300)
if ! { apt-get "${lock[@]}" update \
       && DEBIAN_FRONTEND=noninteractive apt-get "${lock[@]}" install -y --no-install-recommends \
          chromium; } > "$apt_log" 2>&1; then
  cat "$apt_log" >&2
  echo "bootstrap_chromium: apt-get install chromium failed" >&2
  rm -f "$apt_log"
  exit 1
fi
rm -f "$apt_log"
chromium --version
