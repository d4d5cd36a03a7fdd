#!/usr/bin/env bash
# Makes sure Debian's chromium is at /usr/bin/chromium for the browser test (never a downloaded browser).
set -uo pipefail
[ -x /usr/bin/chromium ] && { echo "chromium: present"; exit 0; }
echo "chromium: installing Debian chromium"
(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || { echo "chromium: install failed"; exit 1; }
