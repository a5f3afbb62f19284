import type { Id, Row } from './kinds.js';

/**
 * Rows ordered so that a parent comes before its children (nested roles, folder trees). A parent that
 * is not among the rows counts as present. Rows caught in a cycle come last, in their original order:
 * the destination then refuses them one by one instead of the whole batch.
 */
export function orderParentFirst(rows: Row[], parentField: string): { ordered: Row[]; cyclic: Id[] } {
	const byId = new Map(rows.map((row) => [String(row['id']), row]));
	const placed = new Set<string>();
	const ordered: Row[] = [];
	let progress = true;
	while (progress && ordered.length < rows.length) {
		progress = false;
		for (const row of rows) {
			const id = String(row['id']);
			if (placed.has(id)) continue;
			const parent = row[parentField];
			if (parent === null || parent === undefined || !byId.has(String(parent)) || placed.has(String(parent))) {
				placed.add(id);
				ordered.push(row);
				progress = true;
			}
		}
	}
	const cyclic = rows.filter((row) => !placed.has(String(row['id'])));
	return { ordered: [...ordered, ...cyclic], cyclic: cyclic.map((row) => row['id'] as Id) };
}

/**
 * Link updates in two steps, because links such as an operation's `resolve` are unique: first the
 * links that change are emptied, then every link is set. No intermediate state holds a value twice.
 */
export function linkSteps(
	links: { id: Id; changes: Row }[],
	current: Map<string, Row>,
): { clear: { id: Id; changes: Row }[]; set: { id: Id; changes: Row }[] } {
	const clear: { id: Id; changes: Row }[] = [];
	for (const link of links) {
		const existing = current.get(String(link.id));
		if (!existing) continue;
		const emptied = Object.fromEntries(
			Object.keys(link.changes)
				.filter((field) => existing[field] !== null && existing[field] !== undefined)
				.map((field) => [field, null]),
		);
		if (Object.keys(emptied).length > 0) clear.push({ id: link.id, changes: emptied });
	}
	return { clear, set: links };
}
