import type { DirectusInstance } from './instance.ts';

/** Fields Directus stamps on every write over REST: they show when the destination was written. */
export const STAMPED_ON_UPDATE = ['date_updated', 'user_updated'];

function normalize(value: unknown): unknown {
	if (Array.isArray(value)) {
		const items = value.map(normalize);
		return items.every((item) => typeof item !== 'object' || item === null) ? [...items].sort() : items;
	}
	if (value && typeof value === 'object') {
		return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([key, inner]) => [key, normalize(inner)]));
	}
	return value;
}

/**
 * Every item of `collection` on both sides, all fields (relations included as key lists), compared
 * item by item; returns a description of each difference (empty = equal).
 */
export async function differences(
	source: DirectusInstance,
	destination: DirectusInstance,
	collection: string,
	options: { ignore?: string[]; path?: string } = {},
): Promise<string[]> {
	const ignore = new Set(options.ignore ?? STAMPED_ON_UPDATE);
	const path = options.path ?? `/items/${collection}`;
	const read = async (instance: DirectusInstance) => {
		const rows = await instance.api<Record<string, unknown>[] | Record<string, unknown>>('GET', `${path}?fields=*&limit=-1`);
		const list = Array.isArray(rows) ? rows : [rows];
		const key = (row: Record<string, unknown>) => String(row['id'] ?? row['code'] ?? JSON.stringify(row));
		return new Map(list.map((row) => [key(row), normalize(Object.fromEntries(Object.entries(row).filter(([field]) => !ignore.has(field))))]));
	};
	const [left, right] = await Promise.all([read(source), read(destination)]);
	const found: string[] = [];
	for (const [key, row] of left) {
		const other = right.get(key);
		if (!other) found.push(`${collection} ${key}: missing on the destination`);
		else if (JSON.stringify(row) !== JSON.stringify(other)) found.push(`${collection} ${key}: ${JSON.stringify(row)} ≠ ${JSON.stringify(other)}`);
	}
	for (const key of right.keys()) if (!left.has(key)) found.push(`${collection} ${key}: only on the destination`);
	return found.slice(0, 20);
}
