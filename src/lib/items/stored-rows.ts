import type { Knex } from 'knex';
import type { Row } from './diff-rows.js';

/**
 * Rows read "as stored": straight from the table with the query builder, each value as the database
 * driver returns it, not through Directus's items service (no query tree, no payload processing, no
 * date formatting). It costs a fraction of a service read, and a re-run with nothing changed reads
 * every row of both sides.
 *
 * Two instances on the same database vendor read equal stored values alike, so their rows as stored
 * are compared by an exact text of those values (`storedRowText`), without canonicalising them:
 * equal stored values are equal in Directus; values Directus would show alike but stored in another
 * spelling only differ here, and are then compared the slow way, through the service and the one
 * comparison of values (src/lib/compare/normalize.ts): a stored read can make a run slower, never
 * wrong. Only values whose stored form does not depend on the instance's settings are read so:
 * - SQLite writes each row's text itself (see STORED_TEXT): every value exact, 64-bit integers too;
 * - on PostgreSQL, dates, date-times and times are read as their seconds since 1970 (the database's
 *   text follows its DateStyle, and its driver builds Dates in the server's time zone); timestamps
 *   (with time zone) are instants either way, numerics text, floats their shortest exact spelling
 *   (PostgreSQL 12 and later).
 * MySQL and MariaDB (their driver's dates follow its time-zone setting) and other vendors compare
 * through the service.
 */
export type StoredVendor = 'sqlite' | 'postgres';

/** The database vendor of a Directus instance, by its knex client: `sqlite`, `postgres`, `mysql`, … */
export function databaseVendor(database: Knex): string {
	const client = (database as unknown as { client?: { config?: { client?: unknown } } }).client?.config?.client;
	if (typeof client !== 'string') return 'unknown';
	if (client.includes('sqlite')) return 'sqlite';
	if (client === 'pg' || client.startsWith('postgres')) return 'postgres';
	if (client.startsWith('mysql')) return 'mysql';
	return client;
}

/** The vendor whose rows this instance reads as stored, or null. */
export function storedVendorOf(vendor: string | null | undefined): StoredVendor | null {
	return vendor === 'sqlite' || vendor === 'postgres' ? vendor : null;
}

/** Directus types whose stored form is read exactly (geometries too: their stored bytes or text). */
const STORED_TYPES = new Set(['integer', 'bigInteger', 'float', 'decimal', 'boolean', 'json', 'uuid', 'string', 'text', 'csv', 'hash', 'date', 'time', 'dateTime', 'timestamp']);

/** Whether every one of `fields` has a type read exactly as stored (else the rows compare through the service). */
export function readableAsStored(fields: readonly string[], types: Record<string, string>): boolean {
	return fields.every((field) => {
		const type = types[field];
		return type !== undefined && (STORED_TYPES.has(type) || type.startsWith('geometry'));
	});
}

/** The SQL that reads a field of `type` as stored on PostgreSQL (`?? … AS ??`), or null to read the column as it is. */
function postgresExpression(type: string | undefined): string | null {
	if (type === 'date' || type === 'dateTime') return 'EXTRACT(EPOCH FROM CAST(?? AS TIMESTAMP)) AS ??';
	if (type === 'time') return 'EXTRACT(EPOCH FROM CAST(?? AS TIME)) AS ??';
	return null;
}

/** Most rows one stored checksum request covers (its keys go as runs or a list: the body stays small). */
export const MAX_STORED_CHUNK = 5000;

/** Keys per IN list: far below every vendor's limit of bound values. */
export const IN_LIST = 1000;

/**
 * A row's `fields` as stored, as text: each value written so that no two different values share a
 * text (strings quoted, numbers as JavaScript spells them, so NaN and Infinity too; Dates as their
 * milliseconds; bytes as base64; JSON documents as the driver parsed them), no canonical form.
 */
export function storedRowText(row: Row, fields: readonly string[]): string {
	const written = row[STORED_TEXT];
	if (typeof written === 'string') return written;
	let text = '';
	for (const field of fields) text += `${storedValueText(row[field])},`;
	return text;
}

function storedValueText(value: unknown): string {
	if (value === null || value === undefined) return 'null';
	switch (typeof value) {
		case 'string':
			return JSON.stringify(value);
		case 'number':
		case 'boolean':
			return String(value);
		case 'bigint':
			return `${value}n`;
	}
	if (value instanceof Date) return `D${value.getTime()}`;
	if (Buffer.isBuffer(value)) return `B${value.toString('base64')}`;
	return `J${JSON.stringify(value)}`;
}

/**
 * The column in which SQLite writes a row's text itself: each value as an SQL literal (`quote()`:
 * text quoted, blobs in hex, integers and reals exactly), joined by commas. It costs the database
 * less than handing every value to the driver.
 */
const STORED_TEXT = '__stored_text';

/** Where the rows of a stored read are: named keys, runs of consecutive integer keys, or the page after a key. */
export type StoredSelection = { keys: readonly (string | number)[] } | { ranges: readonly [number, number][] } | { after: unknown; limit: number };

/**
 * The rows of `selection` with the key and `fields`, as stored (see above). Names come from the
 * caller's schema: every one is a field of `collection` (the receiver checks them first).
 */
export async function readStoredRows(
	database: Knex,
	vendor: StoredVendor,
	collection: string,
	primaryKey: string,
	fields: readonly string[],
	types: Record<string, string>,
	selection: StoredSelection,
): Promise<Row[]> {
	const columns = vendor === 'sqlite' ? sqliteColumns(database, primaryKey, fields, types) : postgresColumns(database, primaryKey, fields, types);
	if ('keys' in selection) {
		const rows: Row[] = [];
		for (let start = 0; start < selection.keys.length; start += IN_LIST) {
			rows.push(...((await database.select(columns).from(collection).whereIn(primaryKey, selection.keys.slice(start, start + IN_LIST) as (string | number)[])) as Row[]));
		}
		return rows;
	}
	const query = database.select(columns).from(collection);
	if ('ranges' in selection) {
		query.where((inRanges) => {
			for (const [first, last] of selection.ranges) inRanges.orWhereBetween(primaryKey, [first, last]);
		});
	} else {
		if (selection.after !== undefined) query.where(primaryKey, '>', selection.after as string);
		query.orderBy(primaryKey).limit(selection.limit);
	}
	return (await query) as Row[];
}

/** The key (64-bit keys as text: the driver would round them), and the row's text written by SQLite (see STORED_TEXT). */
function sqliteColumns(database: Knex, primaryKey: string, fields: readonly string[], types: Record<string, string>): (string | Knex.Raw)[] {
	const key = types[primaryKey] === 'bigInteger' ? database.raw('CAST(?? AS TEXT) AS ??', [primaryKey, primaryKey]) : primaryKey;
	return [key, database.raw(`${fields.map(() => 'quote(??)').join(" || ',' || ")} AS ??`, [...fields, STORED_TEXT])];
}

/** The key and `fields`, dates and times as their seconds (see postgresExpression). */
function postgresColumns(database: Knex, primaryKey: string, fields: readonly string[], types: Record<string, string>): (string | Knex.Raw)[] {
	return [primaryKey, ...fields.filter((field) => field !== primaryKey)].map((field) => {
		const expression = postgresExpression(types[field]);
		return expression ? database.raw(expression, [field, field]) : field;
	});
}
