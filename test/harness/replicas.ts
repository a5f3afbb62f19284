import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirectusInstance, freePort } from './instance.ts';
import { LOCAL_DESTINATION_DENY_LIST, stageExtension } from './pair.ts';
import { dropRedisNamespace, newRedisNamespace, redisEnv } from './redis.ts';

export type SynchronizationStore = 'redis' | 'memory';

export interface Replicas {
	/** The source, run as two Directus replicas: one PostgreSQL database, one storage folder, one Redis. */
	replicas: [DirectusInstance, DirectusInstance];
	destination: DirectusInstance;
	/** The source's public URL, the same on both replicas (the address of their load balancer). */
	publicUrl: string;
	/** Stops both replicas and starts them again with another synchronization store (same database and files). */
	restart(synchronization: SynchronizationStore): Promise<void>;
	stop(): Promise<void>;
}

/**
 * A horizontally scaled source, as Directus documents it: replicas sharing the database (PostgreSQL),
 * the file storage, KEY and SECRET, PUBLIC_URL, and Redis for the message bus (flow reloads, cache
 * clearing), the cache and, with `synchronization: 'redis'`, the schedule clocks that let one replica
 * claim each cron tick. Every Redis key of the run lives under its own namespace. The bundle is
 * loaded on both replicas; the destination is a separate Directus.
 */
export async function startReplicas(synchronization: SynchronizationStore): Promise<Replicas> {
	const workDir = mkdtempSync(join(tmpdir(), 'directus-migration-replicas-'));
	const extensionsPath = stageExtension(workDir);
	const storage = join(workDir, 'shared-uploads');
	mkdirSync(storage, { recursive: true });
	const namespace = newRedisNamespace();
	const destination = await DirectusInstance.start({ name: 'destination', workDir, vendor: 'postgres' });
	const ports = [await freePort(), await freePort()] as const;
	const publicUrl = `http://127.0.0.1:${ports[0]}`;
	const shared = {
		KEY: randomBytes(16).toString('hex'),
		SECRET: randomBytes(16).toString('hex'),
		PUBLIC_URL: publicUrl,
		STORAGE_LOCAL_ROOT: storage,
		MIGRATION_DESTINATION_URL: destination.url,
		MIGRATION_DESTINATION_TOKEN: destination.token,
		IMPORT_IP_DENY_LIST: LOCAL_DESTINATION_DENY_LIST,
	};
	let primary: DirectusInstance | undefined;
	let replicas: [DirectusInstance, DirectusInstance] | undefined;

	const start = async (store: SynchronizationStore): Promise<[DirectusInstance, DirectusInstance]> => {
		const env = { ...shared, ...redisEnv(namespace, store) };
		const first = await DirectusInstance.start({ name: 'source', workDir, vendor: 'postgres', extensionsPath, port: ports[0], env, replicaOf: primary });
		primary ??= first;
		const second = await DirectusInstance.start({ name: 'source-replica-b', workDir, vendor: 'postgres', extensionsPath, port: ports[1], env, replicaOf: primary });
		return [first, second];
	};

	try {
		replicas = await start(synchronization);
	} catch (error) {
		await primary?.dispose();
		await destination.dispose();
		throw error;
	}
	const set: Replicas = {
		replicas,
		destination,
		publicUrl,
		async restart(store) {
			await Promise.all(set.replicas.map((replica) => replica.stop()));
			set.replicas = await start(store);
		},
		async stop() {
			await Promise.all(set.replicas.map((replica) => replica.stop()));
			await primary?.dispose();
			await destination.dispose();
			dropRedisNamespace(namespace);
			rmSync(workDir, { recursive: true, force: true });
		},
	};
	return set;
}
