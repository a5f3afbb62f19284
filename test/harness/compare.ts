import type { DirectusInstance } from './instance.ts';

/** Fields Directus stamps on every write over REST: they show when the destination was written. */
export const STAMPED_ON_UPDATE = ['date_updated', 'user_updated'];

/**
 * Alias fields that list related keys (O2M, M2M, M2A, translations, files): Directus returns them
 * as a key list whose order is not part of the data, so they are compared as sets.
 */
const RELATION_LISTS = new Set(['o2m', 'm2m', 'm2a', 'translations', 'files']);

/** Objects with their keys in one order; arrays keep their order (JSON arrays, csv: order is data). */
function normalize(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(normalize);
	if (value && typeof value === 'object') {
		return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([key, inner]) => [key, normalize(inner)]));
	}
	return value;
}

/** `field: source ≠ destination` for each field whose values differ (a field on one side only counts). */
function fieldDifferences(left: Record<string, unknown>, right: Record<string, unknown>): string[] {
	const fields = [...new Set([...Object.keys(left), ...Object.keys(right)])];
	return fields
		.filter((field) => JSON.stringify(left[field]) !== JSON.stringify(right[field]))
		.map((field) => `${field}: ${JSON.stringify(left[field])} ≠ ${JSON.stringify(right[field])}`);
}

function asSet(value: unknown): unknown {
	return Array.isArray(value) ? value.map((item) => JSON.stringify(normalize(item))).sort() : value;
}

/** The fields of `collection` that are relation key lists (read from the instance's field metadata). */
export async function relationListFields(instance: DirectusInstance, collection: string): Promise<Set<string>> {
	const fields = await instance.api<{ field: string; type: string; meta: { special?: string[] | null } | null }[]>('GET', `/fields/${collection}`);
	return new Set(
		fields.filter((field) => field.type === 'alias' && (field.meta?.special ?? []).some((special) => RELATION_LISTS.has(special))).map((field) => field.field),
	);
}

/**
 * Every item of `collection` on both sides, all fields (relations included as key lists), compared
 * item by item and value by value; returns a description of each difference (empty = equal). Only
 * relation key lists are compared as sets; every other array keeps its order.
 */
export async function differences(
	source: DirectusInstance,
	destination: DirectusInstance,
	collection: string,
	options: { ignore?: string[]; path?: string; filter?: Record<string, unknown> } = {},
): Promise<string[]> {
	const ignore = new Set(options.ignore ?? STAMPED_ON_UPDATE);
	const path = options.path ?? `/items/${collection}`;
	const filter = options.filter ? `&filter=${encodeURIComponent(JSON.stringify(options.filter))}` : '';
	const relationLists = await relationListFields(source, collection);
	const read = async (instance: DirectusInstance) => {
		const rows = await instance.api<Record<string, unknown>[] | Record<string, unknown>>('GET', `${path}?fields=*&limit=-1${filter}`);
		const list = Array.isArray(rows) ? rows : [rows];
		const key = (row: Record<string, unknown>) => String(row['id'] ?? row['code'] ?? JSON.stringify(row));
		const comparable = (row: Record<string, unknown>) =>
			normalize(
				Object.fromEntries(
					Object.entries(row)
						.filter(([field]) => !ignore.has(field))
						.map(([field, value]) => [field, relationLists.has(field) ? asSet(value) : value]),
				),
			);
		return new Map(list.map((row) => [key(row), comparable(row)]));
	};
	const [left, right] = await Promise.all([read(source), read(destination)]);
	const found: string[] = [];
	for (const [key, row] of left) {
		const other = right.get(key);
		if (!other) found.push(`${collection} ${key}: missing on the destination`);
		else found.push(...fieldDifferences(row as Record<string, unknown>, other as Record<string, unknown>).map((text) => `${collection} ${key}.${text}`));
	}
	for (const key of right.keys()) if (!left.has(key)) found.push(`${collection} ${key}: only on the destination`);
	return found.slice(0, 20);
}

/**
 * The source's own "Migrations" folder (run journals and artifacts, see the README's runs section) and
 * its files belong to the source: a migration leaves them there. Filters that leave them out.
 */
export const NOT_RUN_FILES = { _or: [{ folder: { _null: true } }, { folder: { name: { _neq: 'Migrations' } } }] };
export const NOT_RUN_FOLDER = { name: { _neq: 'Migrations' } };

