import { readFileSync } from 'node:fs';
import * as mariadb from './mariadb.ts';
import { dumpData } from './postgres.ts';
import type { DirectusInstance } from './instance.ts';

/**
 * Where a leaked destination token could end up on the source: its server log, its revisions and
 * activity (Flows store options and results there), and anywhere in its database file.
 */
export async function placesHoldingSecret(source: DirectusInstance, secret: string): Promise<string[]> {
	const places: string[] = [];
	if (source.readLog().includes(secret)) places.push('server log');
	const revisions = await source.api('GET', '/revisions?limit=-1');
	if (JSON.stringify(revisions).includes(secret)) places.push('directus_revisions');
	const activity = await source.api('GET', '/activity?limit=-1');
	if (JSON.stringify(activity).includes(secret)) places.push('directus_activity');
	const database =
		source.vendor === 'sqlite'
			? readFileSync(source.database)
			: Buffer.from(source.vendor === 'postgres' ? dumpData(source.database) : mariadb.dumpData(source.database));
	if (database.includes(Buffer.from(secret))) places.push('database');
	return places;
}
