import type { SchemaOverview } from '@directus/types';
import type { Knex } from 'knex';
import { canonicalValueText } from '../compare/normalize.js';
import { MAX_RECEIVER_KEYS } from './protocol.js';
import { ReceiverRefusal } from './write-items.js';

/** Keys per IN list: far below every vendor's limit of bound values. */
const IN_LIST = 1000;

/**
 * The keys of `keys` that a user collection of the destination lacks: its primary keys looked up in
 * the table straight (no row is read), and compared as canonical text of the key's type, the same
 * text checksums use (5 and "5" are one integer key). The keys come back as they were sent.
 */
export async function destinationAbsentKeys(database: Knex, schema: SchemaOverview, collection: string, keys: (string | number)[]): Promise<(string | number)[]> {
	const info = schema.collections[collection];
	if (!info || collection.startsWith('directus_')) {
		throw new ReceiverRefusal(404, 'UNKNOWN_COLLECTION', `The destination has no user collection "${collection}".`);
	}
	if (keys.length > MAX_RECEIVER_KEYS) throw new ReceiverRefusal(413, 'PAYLOAD_TOO_LARGE', `A request names at most ${MAX_RECEIVER_KEYS} keys.`);
	const primaryKey = info.primary;
	const type = info.fields[primaryKey]?.type;
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
