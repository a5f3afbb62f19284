import type { DestinationClient } from '../destination/client.js';
import type { LostAnswer } from '../destination/retry.js';
import { RECEIVER_ID, RECEIVER_MEDIA_TYPE } from '../receiver/protocol.js';

type Row = Record<string, unknown>;

/**
 * One batch write of the write engine, as its two transports see it: the rows, what to do with them,
 * and where each transport takes them. The write methods above this (DestinationItems' create,
 * update; the system rows' writeRows) keep the diff, the failure rule and the journal; only the
 * request differs.
 */
export interface RowsWrite {
	collection: string;
	action: 'create' | 'update';
	rows: Row[];
	/** The collection's REST path (`/items/notes`, `/roles`, `/settings`) and query parameters. */
	rest: { path: string; params?: Record<string, unknown>; singleton?: boolean };
	/**
	 * The receiver route that takes these rows: `items` (user collections) or `system` (only the
	 * system rows migration-system moves); null keeps them on REST whatever the run's write path.
	 */
	receiverRoute: 'items' | 'system' | null;
	lostAnswer: LostAnswer;
}

/**
 * Sends one batch through the run's transport: the destination's receiver (one transaction, values as
 * sent, no per-row activity, revisions or events unless the run asks) when the run writes through it
 * and a receiver route takes the rows, else the REST API (POST or PATCH; a singleton's object). Either
 * way a refused batch wrote nothing, which the callers' failure rule relies on.
 */
export function sendRows(client: DestinationClient, write: RowsWrite): Promise<unknown> {
	const path = client.writePath;
	if (path.kind === 'receiver' && write.receiverRoute) {
		return client.send({
			method: 'POST',
			path: `/${RECEIVER_ID}/${write.receiverRoute}/${encodeURIComponent(write.collection)}`,
			headers: { 'Content-Type': RECEIVER_MEDIA_TYPE },
			body: () => JSON.stringify({ action: write.action, rows: write.rows, trackActivity: path.trackActivity, emitEvents: path.emitEvents }),
			lostAnswer: write.lostAnswer,
		});
	}
	return client.send({
		method: write.action === 'create' ? 'POST' : 'PATCH',
		path: write.rest.path,
		...(write.rest.params ? { params: write.rest.params } : {}),
		body: () => JSON.stringify(write.rest.singleton ? write.rows[0] : write.rows),
		lostAnswer: write.lostAnswer,
	});
}
