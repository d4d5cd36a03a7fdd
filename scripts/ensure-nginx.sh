#!/usr/bin/env bash
# Makes sure Debian's nginx binary is at /usr/sbin/nginx for the deploying guide's proxy test. The test runs
# its own nginx on its own port and config; the package's own site is never started (policy-rc.d).
set -uo pipefail
[ -x /usr/sbin/nginx ] && { echo "nginx: present"; exit 0; }
echo "nginx: installing Debian nginx (not started)"
policy=/usr/sbin/policy-rc.d
had_policy=0; [ -e "$policy" ] && had_policy=1
[ "$had_policy" = 1 ] || { printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy"; }
(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null)
status=$?
[ "$had_policy" = 1 ] || rm -f "$policy"
[ "$status" = 0 ] || { echo "nginx: install failed"; exit 1; }
