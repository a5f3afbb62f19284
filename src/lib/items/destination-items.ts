import type { Filter } from '@directus/types';
import type { DestinationClient } from '../destination/client.js';
import { isMissingRoute, isRowRefusal } from '../destination/failures.js';
import { MigrationError } from '../errors.js';
import type { LostAnswer } from '../destination/retry.js';
import type { ChunkChecksums } from '../verify/chunk.js';
import type { StoredVendor } from './stored-rows.js';
import type { Row } from './diff-rows.js';
import { consecutiveRuns, RECEIVER_ID, RECEIVER_MEDIA_TYPE } from '../receiver/protocol.js';
import { sendRows } from '../write/send-rows.js';
import { writeInParts } from '../write/write-in-parts.js';
import { KINDS } from '../system/kinds.js';

export interface RowFailure {
	key: unknown;
	reason: string;
}

/** A read of `size` rows refused as a bad query: the limit may be over QUERY_LIMIT_MAX, a smaller one may pass. */
function isLimitRefusal(error: unknown, size: number): boolean {
	return error instanceof MigrationError && error.code === 'DESTINATION_REJECTED' && error.status === 400 && size > 1;
}

/** REST paths of system collections (those migration-system writes, files, settings); user collections live under /items/<collection>. */
const SYSTEM_PATHS: Record<string, string> = {
	...Object.fromEntries(Object.values(KINDS).map((kind) => [kind.collection, kind.path])),
	directus_files: '/files',
	directus_settings: '/settings',
};

export function itemsPath(collection: string): string {
	return SYSTEM_PATHS[collection] ?? `/items/${encodeURIComponent(collection)}`;
}

/** Reads and writes items of one destination collection in batches. */
export class DestinationItems {
	private readonly client: DestinationClient;
	readonly collection: string;
	private readonly primaryKey: string;
	private readonly path: string;
	/** Whether the receiver takes integer keys as runs (absentKeys); one of an earlier version does not. */
	private receiverTakesRuns = true;

	constructor(client: DestinationClient, collection: string, primaryKey: string) {
		this.client = client;
		this.collection = collection;
		this.primaryKey = primaryKey;
		this.path = itemsPath(collection);
	}

	/**
	 * The destination rows with these keys (fields `fields`), by key. SEARCH keeps long key lists out of
	 * the URL. Every read names its limit (the number of keys): a destination with a lower
	 * QUERY_LIMIT_MAX would silently cut `limit: -1` to its maximum, but refuses a larger explicit limit.
	 */
	async readByKeys(keys: unknown[], fields: string[]): Promise<Map<string, Row>> {
		const rows = new Map<string, Row>();
		await this.inPages(keys, async (chunk) => {
			const query = { fields: [...new Set([this.primaryKey, ...fields])], limit: chunk.length };
			// The system endpoints (/roles, /users, …) ignore `keys` in a SEARCH body: they take a filter.
			const body = this.path.startsWith('/items/') ? { keys: chunk, query } : { query: { ...query, filter: { [this.primaryKey]: { _in: chunk } } } };
			const found = await this.client.send<Row[] | null>({ method: 'SEARCH', path: this.path, body: () => JSON.stringify(body) });
			for (const row of found ?? []) rows.set(String(row[this.primaryKey]), row);
		});
		return rows;
	}

	/**
	 * The destination rows a comparison with `wanted` needs, by key. Directus on SQLite reads a
	 * bigInteger past 2^53 as a double (its driver has no 64-bit integers) although it stores, and
	 * filters on, the exact value: such a rounded value is confirmed with one exact `_eq` query per field
	 * and batch. Where the destination holds exactly the source's value, that value replaces the rounded
	 * read; elsewhere the read is marked approximate (`≈…`), so the comparison sees the difference.
	 */
	async readToCompare(wanted: Row[], fields: string[], types: Record<string, string>): Promise<Map<string, Row>> {
		const existing = await this.readByKeys(
			wanted.map((row) => row[this.primaryKey]),
			fields,
		);
		await this.readStoredHashes(existing, fields.filter((name) => types[name] === 'hash'));
		for (const field of fields.filter((name) => types[name] === 'bigInteger')) {
			const uncertain = wanted.filter((row) => {
				const read = existing.get(String(row[this.primaryKey]))?.[field];
				return typeof read === 'number' && !Number.isSafeInteger(read) && row[field] !== null && row[field] !== undefined;
			});
			if (uncertain.length === 0) continue;
			const filter = {
				_or: uncertain.map((row) => ({ _and: [{ [this.primaryKey]: { _eq: row[this.primaryKey] } }, { [field]: { _eq: String(row[field]) } }] })),
			};
			const exact = await this.client.send<Row[] | null>({
				method: 'SEARCH',
				path: this.path,
				body: () => JSON.stringify({ query: { fields: [this.primaryKey], filter, limit: uncertain.length } }),
			});
			const confirmed = new Set((exact ?? []).map((row) => String(row[this.primaryKey])));
			for (const row of uncertain) {
				const current = existing.get(String(row[this.primaryKey]))!;
				// Not the source's value, although the rounded read may look like it (…995 reads as …996):
				// marked as approximate, so that it never compares equal.
				current[field] = confirmed.has(String(row[this.primaryKey])) ? row[field] : `≈${String(current[field])}`;
			}
		}
		return existing;
	}

	/**
	 * Hashed fields read over REST give a mask: through the receiver, their stored hashes replace it
	 * (only a run through the receiver copies hashes, so only it compares them).
	 */
	private async readStoredHashes(existing: Map<string, Row>, fields: string[]): Promise<void> {
		if (fields.length === 0 || existing.size === 0 || this.client.writePath.kind !== 'receiver') return;
		const keys = [...existing.values()].map((row) => row[this.primaryKey]);
		for (let start = 0; start < keys.length; start += 1000) {
			const chunk = keys.slice(start, start + 1000);
			const stored = await this.client.send<Row[] | null>({
				method: 'POST',
				path: `/${RECEIVER_ID}/hashes/${encodeURIComponent(this.collection)}`,
				headers: { 'Content-Type': RECEIVER_MEDIA_TYPE },
				body: () => JSON.stringify({ keys: chunk, fields }),
				lostAnswer: 'repeat',
				needsLease: false,
			});
			for (const row of stored ?? []) {
				const current = existing.get(String(row[this.primaryKey]));
				if (current) for (const field of fields) current[field] = row[field] ?? null;
			}
		}
	}

	/**
	 * A chunk's checksums computed by the destination's receiver (see ChunkChecksums), of its rows read
	 * through the items service, or as stored on `stored` (the vendor the source read its own on;
	 * ascending integer keys then go as runs of consecutive values).
	 */
	checksums(keys: unknown[], fields: string[], types: Record<string, string>, checksum: string, stored: StoredVendor | null = null): Promise<ChunkChecksums> {
		const runs = stored ? consecutiveRuns(keys) : null;
		return this.askChecksums({ ...(runs ? { ranges: runs } : { keys }), fields, types, checksum, ...(stored ? { stored } : {}) });
	}

	/**
	 * The destination's checksum of its rows as stored with keys from `first` to `last`, asked before
	 * the source has its own: the two sides read at once (row checksums are then asked with `checksums`).
	 */
	rangeChecksum([first, last]: [number, number], fields: string[], types: Record<string, string>, stored: StoredVendor): Promise<ChunkChecksums> {
		return this.askChecksums({ ranges: [[first, last]], fields, types, stored });
	}

	private askChecksums(body: { fields: string[]; types: Record<string, string> } & Record<string, unknown>): Promise<ChunkChecksums> {
		const types = Object.fromEntries(body.fields.map((field) => [field, body.types[field] ?? 'unknown']));
		return this.client.send<ChunkChecksums>({
			method: 'POST',
			path: `/${RECEIVER_ID}/checksums/${encodeURIComponent(this.collection)}`,
			headers: { 'Content-Type': RECEIVER_MEDIA_TYPE },
			body: () => JSON.stringify({ ...body, types }),
			lostAnswer: 'repeat',
			needsLease: false,
			leaseInAnswer: true,
		});
	}

	/**
	 * The keys of `keys` the destination lacks, asked of its receiver (its keys looked up, no row read);
	 * null when the receiver is of an earlier version without that route. Ascending integer keys go as
	 * runs of consecutive values, which a receiver checks by counting; one of an earlier version, which
	 * takes named keys only, is asked again with them.
	 */
	async absentKeys(keys: unknown[]): Promise<unknown[] | null> {
		const runs = this.receiverTakesRuns ? consecutiveRuns(keys) : null;
		try {
			const answer = await this.client.send<{ absent: unknown[] }>({
				method: 'POST',
				path: `/${RECEIVER_ID}/absent/${encodeURIComponent(this.collection)}`,
				headers: { 'Content-Type': RECEIVER_MEDIA_TYPE },
				body: () => JSON.stringify(runs ? { ranges: runs } : { keys }),
				lostAnswer: 'repeat',
				needsLease: false,
				leaseInAnswer: true,
			});
			return answer.absent;
		} catch (error) {
			if (isMissingRoute(error)) return null;
			if (runs && error instanceof MigrationError && error.status === 400) {
				this.receiverTakesRuns = false;
				return this.absentKeys(keys);
			}
			throw error;
		}
	}

	/** How many destination rows match `filter` (all rows when null). */
	async count(filter: Filter | null = null): Promise<number> {
		const params: Record<string, unknown> = { aggregate: { count: '*' } };
		if (filter) params['filter'] = filter;
		const result = await this.client.send<{ count: number | string }[] | null>({ method: 'GET', path: this.path, params });
		return Number(result?.[0]?.count ?? 0);
	}

	/** Which of `keys` exist on the destination (GET with short key chunks: works on system collections too). */
	async existingKeys(keys: unknown[]): Promise<Set<string>> {
		const present = new Set<string>();
		for (let start = 0; start < keys.length; start += 100) {
			await this.inPages(keys.slice(start, start + 100), async (chunk) => {
				const rows = await this.client.send<Row[] | null>({
					method: 'GET',
					path: this.path,
					params: { fields: this.primaryKey, limit: chunk.length, filter: { [this.primaryKey]: { _in: chunk } } },
				});
				for (const row of rows ?? []) present.add(String(row[this.primaryKey]));
			});
		}
		return present;
	}

	/**
	 * A page of destination keys in key order, from position `offset`, among the rows matching
	 * `filter`: at most `limit`, fewer when the destination's QUERY_LIMIT_MAX is lower (then `pageSize`
	 * says how many). By offset, not "after the last key": Directus refuses `_gt` on UUID and string
	 * keys. A caller that deletes rows of pages it has read moves its offset back by as many.
	 */
	async keysAt(offset: number, limit: number, filter: Filter | null = null): Promise<unknown[]> {
		for (;;) {
			const size = Math.min(limit, this.pageSize);
			const params: Record<string, unknown> = { fields: this.primaryKey, sort: this.primaryKey, limit: size, offset };
			if (filter) params['filter'] = filter;
			try {
				const rows = await this.client.send<Row[] | null>({ method: 'GET', path: this.path, params });
				return (rows ?? []).map((row) => row[this.primaryKey]);
			} catch (error) {
				if (!isLimitRefusal(error, size)) throw error;
				this.pageSize = Math.floor(size / 2);
			}
		}
	}

	/**
	 * Runs `work` on every page of destination keys (matching `filter`), in key order. `work` returns
	 * how many rows of its page it deleted, so the next page starts where it should.
	 */
	async forEachKeyPage(limit: number, filter: Filter | null, work: (keys: unknown[]) => Promise<number>): Promise<void> {
		let offset = 0;
		for (;;) {
			const keys = await this.keysAt(offset, limit, filter);
			if (keys.length === 0) return;
			const removed = await work(keys);
			if (keys.length < Math.min(limit, this.pageSize)) return;
			offset += keys.length - removed;
		}
	}

	/** The most rows one read asks for: 1000, halved each time the destination refuses a limit as too high. */
	pageSize = 1000;

	/**
	 * Runs `read` on pages of at most `pageSize` items. A page refused as a bad query (400: a limit over
	 * the destination's QUERY_LIMIT_MAX) is halved, and the smaller size kept for later reads.
	 */
	private async inPages<T>(items: T[], read: (page: T[]) => Promise<void>): Promise<void> {
		let start = 0;
		while (start < items.length) {
			const page = items.slice(start, start + this.pageSize);
			try {
				await read(page);
				start += page.length;
			} catch (error) {
				if (!isLimitRefusal(error, page.length)) throw error;
				this.pageSize = Math.floor(page.length / 2);
			}
		}
	}

	async readSingleton(fields: string[]): Promise<Row | null> {
		const row = await this.client.send<Row | null>({ method: 'GET', path: this.path, params: { fields: fields.join(',') } });
		return row && row[this.primaryKey] !== null && row[this.primaryKey] !== undefined ? row : null;
	}

	/**
	 * Writes a singleton's fields. With a journal (migration-rollback), the fields' values before are
	 * read first and the write is journaled as an update of the destination's singleton row (by its
	 * own key: the source's may differ); a singleton the destination did not hold yet had null values.
	 */
	async writeSingleton(row: Row): Promise<void> {
		const journal = this.client.journal;
		const fields = Object.keys(row).filter((field) => field !== this.primaryKey);
		const before = journal ? await this.readSingleton([this.primaryKey, ...fields]) : null;
		const journalAs = async (key: unknown) => {
			const written = { ...Object.fromEntries(fields.map((field) => [field, row[field]])), [this.primaryKey]: key };
			await journal!.updated(this.collection, this.primaryKey, new Map(before ? [[String(key), before]] : []), [written]);
		};
		// Journaled ahead when the singleton exists; one the write creates has its key only afterwards.
		if (before) await journalAs(before[this.primaryKey]);
		await this.client.send({ method: 'PATCH', path: this.path, params: { fields: this.primaryKey }, body: () => JSON.stringify(row), lostAnswer: 'repeat' });
		if (!journal || before) return;
		const key = (await this.readSingleton([this.primaryKey]))?.[this.primaryKey];
		if (key !== null && key !== undefined) await journalAs(key);
	}

	/**
	 * Creates rows; returns the rows the destination refused, each with its reason. When a part is
	 * refused because some of its rows already exist (an earlier attempt whose answer was lost wrote
	 * them), only the others are sent again. A lost answer is followed by reading the keys back: a
	 * batch is one transaction, so all present means it was written, none means it was not.
	 */
	create(rows: Row[]): Promise<RowFailure[]> {
		const post = (part: Row[]) => this.sendWrite('create', part, { recover: () => this.allPresent(part) });
		return this.journaled('create', rows, () =>
			this.writeInParts(rows, async (part) => {
				try {
					await post(part);
				} catch (error) {
					if (!isRowRefusal(error)) throw error;
					const existing = await this.readByKeys(part.map((row) => row[this.primaryKey]), []);
					if (existing.size === 0) throw error;
					const missing = part.filter((row) => !existing.has(String(row[this.primaryKey])));
					if (missing.length > 0) await post(missing);
				}
			}),
		);
	}

	/**
	 * Journals a write, then runs it (write-ahead: should the run die while the write is on its way, the
	 * journal already holds it). The journal gets the rows as they were before (read just before an
	 * update or a delete: only the fields written, or the stored fields of a row to delete) and the rows
	 * to write. A row the destination then refuses stays journaled: it holds what it held before, which
	 * is what undoing it finds (nothing to undo). Without a journal, just writes.
	 */
	private async journaled(kind: 'create' | 'update' | 'delete', rows: Row[], write: () => Promise<RowFailure[]>): Promise<RowFailure[]> {
		const journal = this.client.journal;
		if (!journal || rows.length === 0) return write();
		const keyOf = (row: Row) => String(row[this.primaryKey]);
		if (kind === 'create') {
			await journal.created(this.collection, this.primaryKey, rows);
			return write();
		}
		const fields = kind === 'delete' ? journal.rowFields(this.collection) : [...new Set(rows.flatMap((row) => Object.keys(row)))];
		const before = await this.readByKeys(rows.map((row) => row[this.primaryKey]), fields);
		if (kind === 'update') await journal.updated(this.collection, this.primaryKey, before, rows.filter((row) => before.has(keyOf(row))));
		else await journal.deleted(this.collection, this.primaryKey, rows.flatMap((row): Row[] => (before.has(keyOf(row)) ? [before.get(keyOf(row))!] : [])));
		return write();
	}

	/**
	 * One batch write, through the run's transport (sendRows): the REST API, or the destination's
	 * receiver for user collections. System collections written here (folders, files) take the REST
	 * API. Either way a refused batch wrote nothing, which the bisection relies on.
	 */
	private sendWrite(action: 'create' | 'update', part: Row[], lostAnswer: LostAnswer): Promise<unknown> {
		return sendRows(this.client, {
			collection: this.collection,
			action,
			rows: part,
			rest: { path: this.path, params: { fields: this.primaryKey } },
			receiverRoute: this.collection.startsWith('directus_') ? null : 'items',
			lostAnswer,
		});
	}

	private async allPresent(part: Row[]): Promise<'applied' | 'not-applied'> {
		const keys = part.map((row) => row[this.primaryKey]);
		const existing = await this.existingKeys(keys);
		return keys.every((key) => existing.has(String(key))) ? 'applied' : 'not-applied';
	}

	/** Updates rows (each carries its key and only the fields to change); returns refused rows. */
	update(rows: Row[], options: { journal?: boolean } = {}): Promise<RowFailure[]> {
		// The same values on the same keys: writing them twice leaves what writing them once does.
		const write = () => this.writeInParts(rows, (part) => this.sendWrite('update', part, 'repeat'));
		// `journal: false`: rows whose undo the journal holds already (a replaced file's metadata).
		return options.journal === false ? write() : this.journaled('update', rows, write);
	}

	/**
	 * Deletes rows by key; returns the keys the destination refused to delete (a row still referenced
	 * by a foreign key), each with its reason. A refused batch is halved like a refused create, so the
	 * other rows are still deleted. Deleting a key twice leaves what deleting it once does.
	 */
	delete(keys: unknown[]): Promise<RowFailure[]> {
		return this.journaled('delete', keys.map((key) => ({ [this.primaryKey]: key })), () => this.deleteRows(keys));
	}

	private async deleteRows(keys: unknown[]): Promise<RowFailure[]> {
		const failures: RowFailure[] = [];
		const send = (part: Row[]) =>
			this.client.send({
				method: 'DELETE',
				path: this.path,
				body: () => JSON.stringify(part.map((row) => row[this.primaryKey])),
				lostAnswer: 'repeat',
			});
		const rows = keys.map((key) => ({ [this.primaryKey]: key }));
		for (let start = 0; start < rows.length; start += 500) failures.push(...(await writeInParts(rows.slice(start, start + 500), send, (row, error) => this.refusal(row, error))));
		return failures;
	}

	private writeInParts(rows: Row[], send: (part: Row[]) => Promise<unknown>): Promise<RowFailure[]> {
		return writeInParts(rows, send, (row, error) => this.refusal(row, error));
	}

	private refusal(row: Row, error: unknown): RowFailure {
		return { key: row[this.primaryKey], reason: (error as MigrationError).message };
	}
}

export { isRowRefusal };

