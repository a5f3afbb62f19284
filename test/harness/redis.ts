import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/** The Redis the replica test runs its Directus replicas on (scripts/install-redis.sh). */
export const REDIS = { host: '127.0.0.1', port: 6379 };

/**
 * Why the replica test cannot run here, or undefined when Redis answers PING. Probed with a plain
 * socket (no redis-cli needed). E2E_REDIS_CHECK_PORT points this check alone at another port (to
 * prove that a missing server fails the run without stopping the real one).
 */
export function redisUnavailable(): string | undefined {
	const port = Number(process.env['E2E_REDIS_CHECK_PORT'] ?? REDIS.port);
	const probe = `
		const socket = require('node:net').connect(${port}, '${REDIS.host}');
		socket.setTimeout(3000, () => process.exit(2));
		socket.on('error', () => process.exit(1));
		socket.on('connect', () => socket.write('PING\\r\\n'));
		socket.on('data', (data) => process.exit(String(data).startsWith('+PONG') ? 0 : 3));`;
	const result = spawnSync(process.execPath, ['-e', probe], { stdio: 'ignore', timeout: 5000 });
	return result.status === 0 ? undefined : `Redis not reachable on ${REDIS.host}:${port}`;
}

/**
 * The environment that puts a Directus on Redis: one key namespace per test run for each thing
 * Directus keeps there (schedule clocks, cache, locks, message bus), so runs never see each other.
 */
export function redisEnv(namespace: string, synchronization: 'redis' | 'memory'): Record<string, string> {
	return {
		REDIS: `redis://${REDIS.host}:${REDIS.port}`,
		SYNCHRONIZATION_STORE: synchronization,
		SYNCHRONIZATION_NAMESPACE: `${namespace}:sync`,
		CACHE_STORE: 'redis',
		CACHE_NAMESPACE: `${namespace}:cache`,
		REDIS_BUS_NAMESPACE: `${namespace}:bus`,
		REDIS_LOCK_NAMESPACE: `${namespace}:lock`,
		// Directus 10's name for the message bus store; Directus 12 puts its bus on Redis whenever REDIS is set.
		MESSENGER_STORE: 'redis',
		MESSENGER_NAMESPACE: `${namespace}:messenger`,
	};
}

export function newRedisNamespace(): string {
	return `dmo-test-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** Removes the keys a test run left under its namespace (best effort: needs redis-cli). */
export function dropRedisNamespace(namespace: string): void {
	const keys = spawnSync('redis-cli', ['-h', REDIS.host, '-p', String(REDIS.port), '--scan', '--pattern', `${namespace}*`], { encoding: 'utf8' });
	const names = (keys.stdout ?? '').split('\n').filter(Boolean);
	for (let start = 0; start < names.length; start += 100) {
		spawnSync('redis-cli', ['-h', REDIS.host, '-p', String(REDIS.port), 'del', ...names.slice(start, start + 100)], { stdio: 'ignore' });
	}
}
