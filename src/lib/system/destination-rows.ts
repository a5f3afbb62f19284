import type { DestinationClient } from '../destination/client.js';
import { isRowRefusal } from '../destination/failures.js';
import { naturalKeyFilter } from './natural-key.js';
import { MigrationError, toMigrationError } from '../errors.js';
import { KINDS, type Id, type Row } from './kinds.js';
import { sendRows } from '../write/send-rows.js';
import { writeInParts } from '../write/write-in-parts.js';

/**
 * Rows of a destination system collection by id (Directus's built-in permission rows left out). SEARCH
 * carries the query in the body: a batch of ids never makes a URL too long.
 */
export async function readDestinationRows(client: DestinationClient, path: string, ids: Id[], fields: readonly string[]): Promise<Row[]> {
	if (ids.length === 0) return [];
	return searchDestination(client, path, { filter: { id: { _in: ids } }, fields: ['id', ...fields], limit: ids.length });
}

export async function searchDestination(
	client: DestinationClient,
	path: string,
	query: { filter: Record<string, unknown>; fields: readonly string[]; limit?: number },
): Promise<Row[]> {
	// A read by ids names its limit: a destination's QUERY_LIMIT_MAX would silently cut `-1`, but
	// refuses a larger explicit limit (a failure, never a silent miss).
	const rows = await client.send<Row[]>({
		method: 'SEARCH',
		path,
		body: () => JSON.stringify({ query: { limit: -1, ...query } }),
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

const COLLECTION_AT = new Map(Object.values(KINDS).map((kind) => [kind.path, kind.collection]));

/** The system collection a REST path of migration-system writes (`/roles` → directus_roles). */
function collectionAt(path: string): string {
	const collection = COLLECTION_AT.get(path);
	if (!collection) throw new MigrationError('INTERNAL', `No system collection is written at ${path}.`);
	return collection;
}

/**
 * Writes rows through the run's transport (sendRows: the REST API or the receiver), by the one write
 * engine's failure rule (writeInParts): a refused batch is halved until the refused rows (a Core limit,
 * a unique value) stand alone, each reported with the destination's code. Returns the (source) ids
 * written and the rows refused.
 */
export async function writeRows(
	client: DestinationClient,
	method: 'POST' | 'PATCH',
	path: string,
	rows: Row[],
	options: { newIds?: boolean; matchBy?: readonly string[] } = {},
): Promise<{ written: Id[]; failed: ItemFailure[] }> {
	if (rows.length === 0) return { written: [], failed: [] };
	// With newIds the destination picks the ids; the source id still names the row in the report.
	const bodyOf = (row: Row) => (options.newIds ? Object.fromEntries(Object.entries(row).filter(([field]) => field !== 'id')) : row);
	const send = async (part: Row[]) => {
		await sendRows(client, {
			collection: collectionAt(path),
			action: method === 'POST' ? 'create' : 'update',
			rows: part.map(bodyOf),
			rest: { path },
			receiverRoute: 'system',
			// An update repeated leaves what it left once; a create whose answer was lost is looked up first.
			lostAnswer: method === 'PATCH' ? 'repeat' : { recover: () => wereCreated(client, path, part, options) },
		});
		// Rows created under ids the destination picks are journaled once they have them (see journalWrite).
		if (client.journal && options.newIds) await journalCreatedElsewhere(client, path, part, options.matchBy);
	};
	let failed: ItemFailure[];
	try {
		await journalWrite(client, method, path, rows, options);
		failed = await writeInParts(rows, send, (row, error) => failureOf(row['id'] as Id, error));
	} catch (error) {
		throw toMigrationError(error, 'DESTINATION_ERROR');
	}
	const refused = new Set(failed.map((failure) => String(failure.key)));
	return { written: rows.filter((row) => !refused.has(String(row['id']))).map((row) => row['id'] as Id), failed };
}

/**
 * Journals a write for migration-rollback (when the run keeps a journal: `client.journal`), ahead of
 * it: the rows to create under their own ids, and for an update the destination's values of exactly
 * the fields written, read just before. Rows created under ids the destination picks (`newIds`) have
 * no key yet: they are journaled right after each part is written, under the ids the destination
 * gave them (looked up by their natural key, which no destination row held before). The journal gets
 * only fields migration-system moves: never a password, a token or another secret.
 */
async function journalWrite(client: DestinationClient, method: 'POST' | 'PATCH', path: string, rows: Row[], options: { newIds?: boolean }): Promise<void> {
	const journal = client.journal;
	if (!journal || options.newIds) return;
	const collection = collectionAt(path);
	if (method === 'POST') {
		await journal.created(collection, 'id', rows);
		return;
	}
	for (let start = 0; start < rows.length; start += 200) {
		const part = rows.slice(start, start + 200);
		const fields = [...new Set(part.flatMap((row) => Object.keys(row)))].filter((field) => field !== 'id');
		const before = await readDestinationRows(client, path, part.map((row) => row['id'] as Id), fields);
		const byId = new Map(before.map((row) => [String(row['id']), row]));
		await journal.updated(collection, 'id', byId, part.filter((row) => byId.has(String(row['id']))));
	}
}

/** Journals rows just created under ids the destination picked, found by their natural key. */
async function journalCreatedElsewhere(client: DestinationClient, path: string, rows: Row[], matchBy: readonly string[] | undefined): Promise<void> {
	if (!matchBy || rows.length === 0) return;
	const held = await searchDestination(client, path, { filter: naturalKeyFilter(matchBy, rows), fields: ['id', ...matchBy] });
	const keyOf = (row: Row) => JSON.stringify(matchBy.map((field) => row[field] ?? null));
	const sent = new Map(rows.map((row) => [keyOf(row), row]));
	const created = held.flatMap((row) => {
		const body = sent.get(keyOf(row));
		if (!body) return [];
		const { id: _sourceId, ...values } = body;
		return [{ ...values, id: row['id'] }];
	});
	await client.journal!.created(collectionAt(path), 'id', created);
}

/**
 * After a create whose answer was lost: whether the rows are on the destination (read back by id, or
 * for rows created under new ids by their natural key, which no destination row had before). A batch
 * is one transaction: all there means written, otherwise it was not. Without a way to find rows
 * created under new ids, the create is not repeated (the failure says it may have been applied).
 */
async function wereCreated(
	client: DestinationClient,
	path: string,
	rows: Row[],
	options: { newIds?: boolean; matchBy?: readonly string[] },
): Promise<'applied' | 'not-applied'> {
	if (!options.newIds) {
		const present = await existingIds(client, path, rows.map((row) => row['id'] as Id));
		return rows.every((row) => present.has(String(row['id']))) ? 'applied' : 'not-applied';
	}
	const matchBy = options.matchBy;
	if (!matchBy) {
		throw new MigrationError('DESTINATION_UNREACHABLE', `The answer to creating rows at ${path} was lost; they may have been created, so they are not created again.`, {
			details: { delivery: 'maybe-applied' },
		});
	}
	const held = await searchDestination(client, path, { filter: naturalKeyFilter(matchBy, rows), fields: ['id', ...matchBy] });
	const keyOf = (row: Row) => JSON.stringify(matchBy.map((field) => row[field] ?? null));
	const heldKeys = new Set(held.map(keyOf));
	return rows.every((row) => heldKeys.has(keyOf(row))) ? 'applied' : 'not-applied';
}

/**
 * Rethrows failures that are not a refusal of these rows (token refused, destination down, a bug of
 * ours): the same rule as content writes (isRowRefusal).
 */
export function stopOnRunFailure(error: unknown): void {
	if (!isRowRefusal(error)) throw toMigrationError(error, 'DESTINATION_ERROR');
}

/** The destination's own error code (LIMIT_EXCEEDED, RESOURCE_RESTRICTED, RECORD_NOT_UNIQUE…) and message. */
export function failureOf(key: Id, error: unknown): ItemFailure {
	const failure: MigrationError = toMigrationError(error, 'DESTINATION_ERROR');
	const directusCodes = failure.details?.['directusCodes'];
	const code = Array.isArray(directusCodes) && typeof directusCodes[0] === 'string' ? directusCodes[0] : failure.code;
	return { key, code, reason: failure.message };
}
