import type { SchemaOverview } from '@directus/types';
import type { Knex } from 'knex';
import { canonicalValueText } from '../compare/normalize.js';
import { IN_LIST } from '../items/stored-rows.js';
import { MAX_RECEIVER_KEYS } from './protocol.js';
import { ReceiverRefusal } from './write-items.js';

/**
 * The keys of `keys` that a user collection of the destination lacks: its primary keys looked up in
 * the table straight (no row is read), and compared as canonical text of the key's type, the same
 * text checksums use (5 and "5" are one integer key). The keys come back as they were sent.
 */
export async function destinationAbsentKeys(database: Knex, schema: SchemaOverview, collection: string, keys: (string | number)[]): Promise<(string | number)[]> {
	if (keys.length > MAX_RECEIVER_KEYS) throw new ReceiverRefusal(413, 'PAYLOAD_TOO_LARGE', `A request names at most ${MAX_RECEIVER_KEYS} keys.`);
	const { primaryKey, type } = userCollectionKey(schema, collection);
	const range = denseIntegerRange(type, keys);
	if (range) {
		// Keys dense in a range of integers (a page of a key walk): one scan of the range's keys, compared
		// as numbers (every one of them is a safe integer).
		const values = (await database.from(collection).whereBetween(primaryKey, [range.low, range.high]).pluck(primaryKey)) as unknown[];
		const held = new Set(values.map(Number));
		return keys.filter((key) => !held.has(Number(key)));
	}
	const present = new Set<string>();
	for (let start = 0; start < keys.length; start += IN_LIST) {
		const rows = (await database.select(primaryKey).from(collection).whereIn(primaryKey, keys.slice(start, start + IN_LIST))) as Record<string, unknown>[];
		for (const row of rows) present.add(canonicalValueText(type, row[primaryKey]));
	}
	return keys.filter((key) => !present.has(canonicalValueText(type, key)));
}

/** Ranges per counting query: far below every vendor's limit of bound values. */
const RANGES_PER_QUERY = 250;

/**
 * The integer keys of `ranges` (runs of consecutive keys, [first, last]) that a user collection of the
 * destination lacks. Its keys are unique: when it holds as many keys inside the ranges as the ranges
 * hold values, it holds every one of them, which one count per 250 ranges tells without reading a key.
 * Otherwise the keys inside the ranges are read and the values they lack returned, as numbers.
 */
export async function destinationAbsentInRanges(database: Knex, schema: SchemaOverview, collection: string, ranges: [number, number][]): Promise<number[]> {
	const { primaryKey, type } = userCollectionKey(schema, collection);
	const size = rangesSize(collection, type, ranges, MAX_RECEIVER_KEYS);
	const inRanges = (part: [number, number][]) => (query: Knex.QueryBuilder) => {
		for (const [first, last] of part) query.orWhereBetween(primaryKey, [first, last]);
	};
	let held = 0;
	for (let start = 0; start < ranges.length; start += RANGES_PER_QUERY) {
		const [row] = (await database.from(collection).where(inRanges(ranges.slice(start, start + RANGES_PER_QUERY))).count({ count: '*' })) as { count: number | string }[];
		held += Number(row?.count ?? 0);
	}
	if (held === size) return [];
	const present = new Set<number>();
	for (let start = 0; start < ranges.length; start += RANGES_PER_QUERY) {
		const values = (await database.from(collection).where(inRanges(ranges.slice(start, start + RANGES_PER_QUERY))).pluck(primaryKey)) as unknown[];
		for (const value of values) present.add(Number(value));
	}
	const absent: number[] = [];
	for (const [first, last] of ranges) for (let key = first; key <= last; key++) if (!present.has(key)) absent.push(key);
	return absent;
}

/**
 * How many keys runs of integer keys ([first, last] each) hold, checked: a collection with an integer
 * key (400 otherwise), runs that do not end before they start (400), at most `max` keys (413).
 */
export function rangesSize(collection: string, keyType: string | undefined, ranges: readonly [number, number][], max: number): number {
	if (keyType !== 'integer' && keyType !== 'bigInteger') throw new ReceiverRefusal(400, 'INVALID_PAYLOAD', `The primary key of "${collection}" is not an integer: name its keys.`);
	let size = 0;
	for (const [first, last] of ranges) {
		if (last < first) throw new ReceiverRefusal(400, 'INVALID_PAYLOAD', 'A range ends before it starts.');
		size += last - first + 1;
	}
	if (size > max) throw new ReceiverRefusal(413, 'PAYLOAD_TOO_LARGE', `A request names at most ${max} keys.`);
	return size;
}

/** The primary key of a user collection the destination has (404 for any other name). */
function userCollectionKey(schema: SchemaOverview, collection: string): { primaryKey: string; type: string | undefined } {
	const info = schema.collections[collection];
	if (!info || collection.startsWith('directus_')) {
		throw new ReceiverRefusal(404, 'UNKNOWN_COLLECTION', `The destination has no user collection "${collection}".`);
	}
	return { primaryKey: info.primary, type: info.fields[info.primary]?.type };
}

/** A range at most this many times wider than the keys it holds is read whole. */
const DENSE_RANGE_FACTOR = 4;

/**
 * The lowest and highest of integer keys that fill at least a quarter of the range between them (so
 * reading the range's keys reads at most four times as many keys as were asked about); else null.
 */
export function denseIntegerRange(type: string | undefined, keys: (string | number)[]): { low: number; high: number } | null {
	if ((type !== 'integer' && type !== 'bigInteger') || keys.length < IN_LIST) return null;
	let low = Infinity;
	let high = -Infinity;
	for (const key of keys) {
		const value = typeof key === 'number' ? key : /^-?\d{1,15}$/.test(key) ? Number(key) : NaN;
		if (!Number.isSafeInteger(value)) return null;
		if (value < low) low = value;
		if (value > high) high = value;
	}
	return high - low + 1 <= keys.length * DENSE_RANGE_FACTOR ? { low, high } : null;
}
