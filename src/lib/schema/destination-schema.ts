import { schemaSnapshot } from '@directus/sdk';
import type { Snapshot, SnapshotDiff, SnapshotDiffWithHash } from '@directus/types';
import { FormData } from 'undici';
import type { DestinationClient } from '../destination/client.js';
import type { LostAnswer } from '../destination/retry.js';
import { MigrationError } from '../errors.js';
import type { SchemaDiffMode } from './diff-summary.js';

/**
 * Snapshots and diffs travel as an uploaded JSON file, not a JSON body: Directus accepts files up to
 * IMPORT_MAX_FILE_SIZE (50 MB by default), JSON bodies only up to MAX_PAYLOAD_SIZE (1 MB).
 */
function asJsonFile(value: unknown, name: string): FormData {
	const form = new FormData();
	form.append('file', new Blob([JSON.stringify(value)], { type: 'application/json' }), name);
	return form;
}

export async function readDestinationSnapshot(client: DestinationClient): Promise<Snapshot> {
	const snapshot = await client.request(schemaSnapshot());
	if (!snapshot || typeof snapshot !== 'object' || !Array.isArray((snapshot as Snapshot).collections)) {
		throw new MigrationError('NOT_DIRECTUS', `${client.host} did not answer like a Directus server (GET /schema/snapshot).`);
	}
	return snapshot as Snapshot;
}

/** Asks the destination what applying `snapshot` would change; null when nothing. */
export async function diffWithDestination(
	client: DestinationClient,
	snapshot: Snapshot,
	options: { mode: SchemaDiffMode; force: boolean },
): Promise<SnapshotDiffWithHash | null> {
	const params: Record<string, unknown> = { mode: options.mode };
	if (options.force) params['force'] = true;
	const result = await client.send<SnapshotDiffWithHash | null>({
		method: 'POST',
		path: '/schema/diff',
		params,
		needsLease: false,
		body: () => asJsonFile(snapshot, 'schema.json'),
		// A diff changes nothing: asking again is safe.
		lostAnswer: 'repeat',
	});
	if (!result) return null;
	if (typeof result !== 'object' || typeof result.hash !== 'string' || !result.diff) {
		throw new MigrationError('NOT_DIRECTUS', `${client.host} did not answer like a Directus server (POST /schema/diff).`);
	}
	return result;
}

/**
 * Applies a diff made against the destination schema with hash `hash`. Directus refuses the whole diff
 * if the destination's schema no longer has that hash, and applies it in one transaction otherwise.
 */
export async function applyOnDestination(client: DestinationClient, hash: string, diff: SnapshotDiff, lostAnswer: LostAnswer): Promise<void> {
	await client.send<null>({
		method: 'POST',
		path: '/schema/apply',
		body: () => asJsonFile({ hash, diff }, 'diff.json'),
		lostAnswer,
	});
}
