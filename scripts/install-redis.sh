#!/usr/bin/env bash
# Makes sure a Redis server answers on 127.0.0.1:6379, for the end-to-end test that runs the source
# as two Directus replicas (test/e2e/replicas.test.ts: SYNCHRONIZATION_STORE, CACHE_STORE and the
# message bus on Redis). Starts an installed redis-server, or installs Debian's package first.
# Never fails the caller itself: without Redis the replica test FAILS with the reason
# (vitest.config.ts), unless the run sets E2E_REDIS=skip.
set -u
ready() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
if command -v redis-cli >/dev/null 2>&1 && ready; then echo "install-redis: Redis is running"; exit 0; fi
if ! command -v redis-server >/dev/null 2>&1; then
	if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
		echo "install-redis: installing Debian's redis-server package"
		(apt-get -o DPkg::Lock::Timeout=300 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq redis-server >/dev/null) || {
			echo "install-redis: could not install Redis; the replica end-to-end test will fail (E2E_REDIS=skip skips it)"; exit 0; }
	else
		echo "install-redis: no Redis and no way to install it here; the replica end-to-end test will fail (E2E_REDIS=skip skips it)"; exit 0
	fi
fi
# A throwaway test server: local only, nothing written to disk.
mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log \
	|| echo "install-redis: redis-server did not start"
for _ in $(seq 1 20); do ready && { echo "install-redis: Redis is running"; exit 0; }; sleep 1; done
echo "install-redis: Redis did not start; the replica end-to-end test will fail (E2E_REDIS=skip skips it)"
exit 0
