import type { Filter, SchemaOverview } from '@directus/types';
import { MigrationError } from '../errors.js';
import type { MigrationContext } from '../operation.js';
import type { CollectionModel } from '../plan/collection-model.js';
import type { Row } from './diff-rows.js';
import { databaseVendor, readStoredRows, storedVendorOf, type StoredSelection, type StoredVendor } from './stored-rows.js';

export function and(...filters: (Filter | null | undefined)[]): Filter | null {
	const present = filters.filter((filter): filter is Filter => !!filter && Object.keys(filter).length > 0);
	if (present.length === 0) return null;
	if (present.length === 1) return present[0]!;
	return { _and: present } as Filter;
}

/** Key types Directus can compare with `_gt` (it refuses it on UUID and string fields). */
const ORDERED_KEY_TYPES = new Set(['integer', 'bigInteger', 'float', 'decimal']);

/**
 * How many matching keys of a filtered UUID- or string-keyed collection are read at once (a few MB at
 * most); past it, the table's keys are paged instead.
 */
export const FILTERED_KEYS_HELD = 50_000;

export function keyIsOrdered(model: CollectionModel): boolean {
	return ORDERED_KEY_TYPES.has(model.types[model.primaryKey] ?? '');
}

/** A chunk of source rows: where its keys are consecutive integers, their range, known before its rows are read. */
export interface RowChunk {
	range: [number, number] | null;
	rows(): Promise<Row[]>;
}

/** Reads source items in process, with full access and without firing read events. */
export class SourceItems {
	private readonly context: MigrationContext;
	private readonly schema: SchemaOverview;

	constructor(context: MigrationContext, schema: SchemaOverview) {
		this.context = context;
		this.schema = schema;
	}

	private service(collection: string) {
		return new this.context.services.ItemsService(collection, {
			knex: this.context.database,
			schema: this.schema,
			accountability: null,
		});
	}

	/**
	 * The items matching `filter`, `batchSize` at a time, in key order (see `pages`), with every value
	 * as the source database holds it: where the driver reads 64-bit integers as doubles (SQLite's, and
	 * MySQL's/MariaDB's mysql2 as Directus configures it), bigInteger columns are read again as text.
	 */
	async *batches(
		model: CollectionModel,
		filter: Filter | null,
		fields: string[],
		batchSize: number,
		expected?: number,
	): AsyncGenerator<Row[]> {
		const asText = this.integerAsText();
		const wide = asText ? fields.filter((field) => model.types[field] === 'bigInteger' && field !== model.primaryKey) : [];
		const hashes = fields.filter((field) => this.schema.collections[model.collection]?.fields[field]?.special.includes('hash'));
		for await (const rows of this.pages(model, filter, fields, batchSize, expected)) {
			if (wide.length > 0) await this.readExactIntegers(model, wide, rows, asText!);
			if (hashes.length > 0) await this.readStoredHashes(model, hashes, rows);
			yield rows;
		}
	}

	/** The vendor this source reads rows as stored on (see stored-rows.ts), or null. */
	get storedVendor(): StoredVendor | null {
		return storedVendorOf(databaseVendor(this.context.database));
	}

	/**
	 * Every row of a collection with the key and `fields`, as stored (see stored-rows.ts), `batchSize`
	 * at a time in key order (keyset pages, memory flat). Only for comparing: rows to write are read
	 * through the service (`rowsWithKeys`). A page of integer keys without gaps is counted first, so
	 * its range is known before its rows are read (the destination can read its own meanwhile).
	 */
	async *storedChunks(model: CollectionModel, vendor: StoredVendor, fields: string[], batchSize: number): AsyncGenerator<RowChunk> {
		const readStored = (selection: StoredSelection) =>
			this.read(() => readStoredRows(this.context.database, vendor, model.collection, model.primaryKey, fields, model.types, selection));
		let after: unknown;
		for (;;) {
			const page = await this.consecutiveKeyPage(model, after, batchSize);
			if (page?.count === 0) return;
			if (page) {
				const range: [number, number] = [page.first, page.last];
				yield { range, rows: () => readStored({ ranges: [range] }) };
				if (page.count < batchSize) return;
				after = page.last;
				continue;
			}
			const rows = await readStored({ after, limit: batchSize });
			if (rows.length > 0) yield { range: null, rows: async () => rows };
			if (rows.length < batchSize) return;
			after = rows[rows.length - 1]![model.primaryKey];
		}
	}

	/** The rows with these keys (those still there), with every value as `batches` reads it, in key order. */
	async rowsWithKeys(model: CollectionModel, keys: unknown[], fields: string[]): Promise<Row[]> {
		const rows: Row[] = [];
		if (keys.length === 0) return rows;
		const filter = { [model.primaryKey]: { _in: keys } } as Filter;
		for await (const batch of this.batches(model, filter, fields, keys.length, keys.length)) rows.push(...batch);
		return rows;
	}

	/** How this source's SQL casts an integer column to text, where its driver rounds 64-bit integers; else null. */
	private integerAsText(): string | null {
		const vendor = databaseVendor(this.context.database);
		if (vendor === 'sqlite') return 'CAST(?? AS TEXT) AS ??';
		if (vendor === 'mysql') return 'CAST(?? AS CHAR) AS ??';
		return null;
	}

	/** Replaces the doubles the driver made of `fields` with the integers the table holds, as text. */
	private async readExactIntegers(model: CollectionModel, fields: string[], rows: Row[], cast: string): Promise<void> {
		const key = model.primaryKey;
		const byKey = new Map(rows.map((row) => [String(row[key]), row]));
		const knex = this.context.database;
		const exact = (await this.read(() =>
			knex
				.select(key, ...fields.map((field) => knex.raw(cast, [field, field])))
				.from(model.collection)
				.whereIn(key, [...byKey.keys()].map((text) => byKey.get(text)![key] as string)),
		)) as Row[];
		for (const stored of exact) {
			const row = byKey.get(String(stored[key]));
			if (!row) continue;
			for (const field of fields) if (field in row && stored[field] !== null) row[field] = stored[field];
		}
	}

	/**
	 * Puts the stored hashes of hashed fields in place of the mask Directus reads (only runs through the
	 * receiver ask for them: it writes them as they are, so they verify on the destination).
	 */
	private async readStoredHashes(model: CollectionModel, fields: string[], rows: Row[]): Promise<void> {
		const key = model.primaryKey;
		const byKey = new Map(rows.map((row) => [String(row[key]), row]));
		const knex = this.context.database;
		const stored = (await this.read(() =>
			knex
				.select(key, ...fields)
				.from(model.collection)
				.whereIn(key, rows.map((row) => row[key] as string)),
		)) as Row[];
		for (const hashed of stored) {
			const row = byKey.get(String(hashed[key]));
			if (row) for (const field of fields) row[field] = hashed[field] ?? null;
		}
	}

	/**
	 * Pages of the items matching `filter`, in key order (keyset pagination: memory stays
	 * flat whatever the table size, and rows added meanwhile cannot shift a page). The work follows
	 * the matches, not the table:
	 * - numeric keys: the matching rows themselves, page after page (`filter` and key > cursor, sorted
	 *   by key, `batchSize` rows): one query a page;
	 * - no filter on a collection with UUID or string keys: pages of keys straight from the table,
	 *   then those rows through Directus;
	 * - a filter on a collection with UUID or string keys (Directus offers no "greater than" on
	 *   them): the matching keys are read at once when there are at most FILTERED_KEYS_HELD, then
	 *   their rows page by page; past that, pages of the table's keys with the filter applied to each.
	 * A selection known to be small (`expected` ≤ batchSize) is read with one query.
	 */
	private async *pages(
		model: CollectionModel,
		filter: Filter | null,
		fields: string[],
		batchSize: number,
		expected?: number,
	): AsyncGenerator<Row[]> {
		const service = this.service(model.collection);
		const key = model.primaryKey;
		if (model.singleton) {
			const row = (await this.read(() => service.readSingleton({ fields }, { emitEvents: false }))) as Row | null;
			if (row && row[key] !== null && row[key] !== undefined) yield [row];
			return;
		}
		const readRows = (pageFilter: Filter | null, limit = -1, readFields = fields) =>
			this.read(
				() => service.readByQuery({ fields: readFields, filter: pageFilter ?? undefined, sort: [key], limit }, { emitEvents: false }) as Promise<Row[]>,
			);

		if (filter && expected !== undefined && expected <= batchSize) {
			const rows = await readRows(filter);
			for (let start = 0; start < rows.length; start += batchSize) yield rows.slice(start, start + batchSize);
			return;
		}
		if (keyIsOrdered(model)) {
			const withKey = fields.includes(key) ? fields : [key, ...fields];
			let cursor: unknown;
			for (;;) {
				const after = cursor === undefined ? null : ({ [key]: { _gt: cursor } } as Filter);
				const rows = await readRows(and(filter, after), batchSize, withKey);
				if (rows.length > 0) yield rows;
				if (rows.length < batchSize) return;
				cursor = rows[rows.length - 1]![key];
			}
		}
		if (filter) {
			const matching = await readRows(filter, FILTERED_KEYS_HELD + 1, [key]);
			if (matching.length <= FILTERED_KEYS_HELD) {
				for (let start = 0; start < matching.length; start += batchSize) {
					const keys = matching.slice(start, start + batchSize).map((row) => row[key]);
					const rows = await readRows(and(filter, { [key]: { _in: keys } } as Filter));
					if (rows.length > 0) yield rows;
				}
				return;
			}
		}
		let cursor: unknown;
		for (;;) {
			const keys = await this.keyPage(model, cursor, batchSize);
			if (keys.length === 0) return;
			const rows = await readRows(and(filter, { [key]: { _in: keys } } as Filter));
			if (rows.length > 0) yield rows;
			if (keys.length < batchSize) return;
			cursor = keys[keys.length - 1];
		}
	}

	/** The next `size` primary keys after `cursor`, in key order, straight from the table. */
	protected keyPage(model: CollectionModel, cursor: unknown, size: number): Promise<unknown[]> {
		const key = model.primaryKey;
		return this.read(async () => {
			const query = this.context.database.select(key).from(model.collection).orderBy(key).limit(size);
			if (cursor !== undefined) query.where(key, '>', cursor as string);
			const rows = (await query) as Row[];
			return rows.map((row) => row[key]);
		});
	}

	/**
	 * The next `size` integer keys after `cursor` when they are consecutive (no gap), as their first and
	 * last key and their number, counted in the database without reading them; null when they are not
	 * consecutive, or not integers this process holds exactly. `{ count: 0 }` at the end of the table.
	 */
	protected async consecutiveKeyPage(model: CollectionModel, cursor: unknown, size: number): Promise<{ count: number; first: number; last: number } | null> {
		const key = model.primaryKey;
		const type = model.types[key];
		if (type !== 'integer' && type !== 'bigInteger') return null;
		const database = this.context.database;
		const row = (await this.read(async () => {
			const page = database.select(key).from(model.collection).orderBy(key).limit(size);
			if (cursor !== undefined) page.where(key, '>', cursor as string);
			return database.from(page.as('page')).count({ count: '*' }).min({ first: key }).max({ last: key }).first();
		})) as { count: number | string; first: unknown; last: unknown } | undefined;
		const count = Number(row?.count ?? 0);
		if (count === 0) return { count: 0, first: 0, last: 0 };
		const first = Number(row!.first);
		const last = Number(row!.last);
		if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || last - first + 1 !== count) return null;
		return { count, first, last };
	}

	async count(collection: string, filter: Filter | null): Promise<number> {
		const result = (await this.read(() =>
			this.service(collection).readByQuery(
				{ aggregate: { count: ['*'] }, filter: filter ?? undefined },
				{ emitEvents: false },
			),
		)) as { count: number | string }[];
		return Number(result[0]?.count ?? 0);
	}

	/** The distinct non-null values of `field` among the rows matching `filter`. */
	async distinctValues(collection: string, field: string, filter: Filter | null): Promise<unknown[]> {
		const groups = (await this.read(() =>
			this.service(collection).readByQuery(
				{ aggregate: { count: ['*'] }, group: [field], filter: filter ?? undefined, limit: -1 },
				{ emitEvents: false },
			),
		)) as Row[];
		return groups.map((group) => group[field]).filter((value) => value !== null && value !== undefined);
	}

	/** Which of `keys` exist on the source. */
	async existingKeys(model: CollectionModel, keys: unknown[]): Promise<Set<string>> {
		if (keys.length === 0) return new Set();
		const rows = (await this.read(() =>
			this.service(model.collection).readByQuery(
				{ fields: [model.primaryKey], filter: { [model.primaryKey]: { _in: keys } } as Filter, limit: -1 },
				{ emitEvents: false },
			),
		)) as Row[];
		return new Set(rows.map((row) => String(row[model.primaryKey])));
	}

	private async read<T>(run: () => Promise<T>): Promise<T> {
		try {
			return await run();
		} catch (error) {
			const message = (error as Error)?.message ?? String(error);
			throw new MigrationError('SOURCE_ERROR', `Reading the source failed: ${message}`);
		}
	}
}
