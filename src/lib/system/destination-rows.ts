import type { DestinationClient } from '../destination/client.js';
import { MigrationError, toMigrationError } from '../errors.js';
import type { Id, Row } from './kinds.js';

/** Failures that no other row would escape: the run stops instead of failing every row alike. */
const RUN_STOPPERS = new Set(['UNAUTHORIZED', 'DESTINATION_UNREACHABLE', 'DESTINATION_UNAVAILABLE', 'NOT_DIRECTUS']);

/**
 * Rows of a destination system collection by id (Directus's built-in permission rows left out). SEARCH
 * carries the query in the body: a batch of ids never makes a URL too long.
 */
export async function readDestinationRows(client: DestinationClient, path: string, ids: Id[], fields: readonly string[]): Promise<Row[]> {
	if (ids.length === 0) return [];
	return searchDestination(client, path, { filter: { id: { _in: ids } }, fields: ['id', ...fields] });
}

export async function searchDestination(
	client: DestinationClient,
	path: string,
	query: { filter: Record<string, unknown>; fields: readonly string[] },
): Promise<Row[]> {
	const rows = await client.send<Row[]>({
		method: 'SEARCH',
		path,
		body: () => JSON.stringify({ query: { ...query, limit: -1 } }),
	});
	return (rows ?? []).filter((row) => row['id'] !== undefined && row['id'] !== null && row['system'] !== true);
}

/** Ids of `ids` that exist on the destination. */
export async function existingIds(client: DestinationClient, path: string, ids: Id[]): Promise<Set<string>> {
	const rows = await readDestinationRows(client, path, ids, []);
	return new Set(rows.map((row) => String(row['id'])));
}

export interface ItemFailure {
	key: Id;
	code: string;
	reason: string;
}

/**
 * Writes rows in one request; if the destination refuses the batch, row by row, so that one refused
 * row (a Core limit, a unique value) fails alone. Returns the (source) ids written and the rows refused.
 */
export async function writeRows(
	client: DestinationClient,
	method: 'POST' | 'PATCH',
	path: string,
	rows: Row[],
	options: { newIds?: boolean } = {},
): Promise<{ written: Id[]; failed: ItemFailure[] }> {
	if (rows.length === 0) return { written: [], failed: [] };
	// With newIds the destination picks the ids; the source id still names the row in the report.
	const bodyOf = (row: Row) => (options.newIds ? Object.fromEntries(Object.entries(row).filter(([field]) => field !== 'id')) : row);
	const send = (body: Row[]) => client.send({ method, path, body: () => JSON.stringify(body.map(bodyOf)) });
	try {
		await send(rows);
		return { written: rows.map((row) => row['id'] as Id), failed: [] };
	} catch (error) {
		stopOnRunFailure(error);
		if (rows.length === 1) return { written: [], failed: [failureOf(rows[0]!['id'] as Id, error)] };
	}
	const written: Id[] = [];
	const failed: ItemFailure[] = [];
	for (const row of rows) {
		try {
			await send([row]);
			written.push(row['id'] as Id);
		} catch (error) {
			stopOnRunFailure(error);
			failed.push(failureOf(row['id'] as Id, error));
		}
	}
	return { written, failed };
}

/** Rethrows failures that would fail every further request alike (token refused, destination down). */
export function stopOnRunFailure(error: unknown): void {
	const failure = toMigrationError(error, 'DESTINATION_ERROR');
	if (RUN_STOPPERS.has(failure.code)) throw failure;
}

/** The destination's own error code (LIMIT_EXCEEDED, RESOURCE_RESTRICTED, RECORD_NOT_UNIQUE…) and message. */
export function failureOf(key: Id, error: unknown): ItemFailure {
	const failure: MigrationError = toMigrationError(error, 'DESTINATION_ERROR');
	const directusCodes = failure.details?.['directusCodes'];
	const code = Array.isArray(directusCodes) && typeof directusCodes[0] === 'string' ? directusCodes[0] : failure.code;
	return { key, code, reason: failure.message };
}
