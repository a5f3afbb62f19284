import type { Id, Row } from './kinds.js';

function keyOf(fields: readonly string[], row: Row): string {
	return JSON.stringify(fields.map((field) => row[field] ?? null));
}

/** A filter for the destination rows that share the natural key of any of `rows`. */
export function naturalKeyFilter(fields: readonly string[], rows: Row[]): Record<string, unknown> {
	return {
		_or: rows.map((row) => ({
			_and: fields.map((field) => {
				const value = row[field] ?? null;
				return value === null ? { [field]: { _null: true } } : { [field]: { _eq: value } };
			}),
		})),
	};
}

/**
 * Rows the destination already holds under another id (the public policy's access row, whose id differs
 * per instance; a translation of the same key and language) take the destination's id, so they are
 * compared and updated instead of created twice. Pure.
 */
export function adoptDestinationIds(
	fields: readonly string[],
	rows: Row[],
	heldElsewhere: Row[],
): { rows: Row[]; adopted: { sourceId: Id; destinationId: Id }[] } {
	const held = new Map(heldElsewhere.map((row) => [keyOf(fields, row), row['id'] as Id]));
	const adopted: { sourceId: Id; destinationId: Id }[] = [];
	const result = rows.map((row) => {
		const destinationId = held.get(keyOf(fields, row));
		if (destinationId === undefined || destinationId === row['id']) return row;
		adopted.push({ sourceId: row['id'] as Id, destinationId });
		return { ...row, id: destinationId };
	});
	return { rows: result, adopted };
}
