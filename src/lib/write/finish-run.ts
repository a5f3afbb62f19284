import { randomUUID } from 'node:crypto';
import type { DestinationClient } from '../destination/client.js';
import { toMigrationError } from '../errors.js';
import { RECEIVER_ID, RECEIVER_MEDIA_TYPE } from '../receiver/protocol.js';
import type { Warning } from '../report.js';

/** What a run tells the receiver at its end: names and counts, never a value. */
export interface RunSummary {
	operation: string;
	/** The source (its PUBLIC_URL). */
	source: string;
	collections: string[];
	/** Rows created or updated. */
	rows: number;
	counts: Record<string, number>;
	/** System rows were written (Directus's system and permission caches are cleared too). */
	system: boolean;
}

/**
 * The end of a run that wrote through the receiver: the destination's caches are purged once (the
 * batches left them alone) and the run leaves its one audit row there. A failure is a warning: the
 * data is written. Nothing to do for a run over REST (Directus's API purged and audited as it wrote),
 * nor for a run that changed nothing on the destination (a cron Flow's re-run with nothing new): no
 * cache to purge, and no audit row every tick. `filesWritten`: files and folders it created or changed.
 */
export async function finishReceiverRun(client: DestinationClient, summary: RunSummary, filesWritten = 0): Promise<Warning | null> {
	if (client.writePath.kind !== 'receiver') return null;
	// Its counts name every kind of write (created, updated, deleted, passwords…) beside the failures.
	const wrote = filesWritten > 0 || Object.entries(summary.counts).some(([name, count]) => name !== 'failed' && count > 0);
	if (!wrote) return null;
	const run = randomUUID();
	try {
		await client.send({
			method: 'POST',
			path: `/${RECEIVER_ID}/finish`,
			headers: { 'Content-Type': RECEIVER_MEDIA_TYPE },
			body: () => JSON.stringify({ run, ...summary }),
			lostAnswer: 'repeat',
		});
		return null;
	} catch (error) {
		const message = toMigrationError(error, 'DESTINATION_ERROR').message;
		return { code: 'CACHE_NOT_PURGED', message: `The destination's caches could not be purged after the writes: ${message}` };
	}
}
