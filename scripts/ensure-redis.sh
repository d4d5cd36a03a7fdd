#!/usr/bin/env bash
# Makes sure a Redis server answers on $REDIS_URL (default redis://127.0.0.1:6379).
# With --install it installs Debian's redis-server when missing (CI); otherwise it only starts an installed one.
set -uo pipefail
url="${REDIS_URL:-redis://127.0.0.1:6379}"
hostport="${url#*://}"; hostport="${hostport##*@}"; hostport="${hostport%%/*}"
host="${hostport%%:*}"; port="${hostport##*:}"; [ "$port" = "$hostport" ] && port=6379

ping() { timeout 2 bash -c "exec 3<>/dev/tcp/$host/$port && printf 'PING\r\n' >&3 && read -r line <&3 && [[ \$line == +PONG* ]]" 2>/dev/null; }

# redis-cli (Debian's redis-tools, a dependency of redis-server) builds the test Redis Cluster.
if [ "${1:-}" = "--install" ] && command -v redis-server >/dev/null 2>&1 && ! command -v redis-cli >/dev/null 2>&1; then
  echo "redis: installing Debian redis-tools (redis-cli)"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-tools >/dev/null) || { echo "redis: redis-tools install failed"; exit 1; }
fi
ping && { echo "redis: answering on $host:$port"; exit 0; }
case "$host" in 127.*|localhost) ;; *) echo "redis: nothing answers on $url (not local, not starting one)"; exit 1;; esac
if ! command -v redis-server >/dev/null 2>&1; then
  if [ "${1:-}" != "--install" ]; then echo "redis: no redis-server installed; Redis tests will be skipped (run .ci/run or install redis-server)"; exit 0; fi
  echo "redis: installing Debian redis-server"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null) || { echo "redis: install failed"; exit 1; }
fi
mkdir -p /tmp/redis-ci
redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no --dir /tmp/redis-ci --logfile /tmp/redis-ci/redis.log
for _ in $(seq 1 50); do ping && { echo "redis: started on $host:$port"; exit 0; }; sleep 0.1; done
echo "redis: failed to start on $host:$port"; exit 1
